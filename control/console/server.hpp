#pragma once
// The console's TCP listener on the control thread's io_context (spec cli-console.md,
// "Console"): a greeting line, then the prompt "sluice> "; several sessions at once; when a
// password is configured the first line read is the password and three wrong tries close the
// session; at most 16 sessions are open at once. Everything runs on the io_context's thread: commands read the model there, so the
// model needs no locking.
#include <cstdint>
#include <list>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "control/console/commands.hpp"
#include "control/console/model.hpp"
#include "dataplane/net/address.hpp"

namespace sluice::console {

class ConsoleSession;

struct ConsoleSettings {
  net::Endpoint listen;
  std::string password;  // empty: no password
};

class ConsoleServer {
 public:
  // Binds and listens at once (throws boost::system::system_error when it cannot), so the
  // caller reports a bad address at start-up; accepting starts with start().
  ConsoleServer(boost::asio::io_context& io, ConsoleSettings settings, ConsoleModel& model);
  ~ConsoleServer();
  ConsoleServer(const ConsoleServer&) = delete;
  ConsoleServer& operator=(const ConsoleServer&) = delete;

  void start();
  // Closes the listener and every open session.
  void stop();
  // The bound address (the real port when listen asked for port 0).
  net::Endpoint local_endpoint() const;

 private:
  void accept_next();
  // More than kMaxSessions (server.cpp) at once: one error line, then the connection closes.
  void refuse(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  ConsoleSettings settings_;
  ConsoleModel& model_;
  ConsoleCommands commands_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_;  // pause after a failed accept (EMFILE, ENOMEM)
  std::list<std::weak_ptr<ConsoleSession>> sessions_;
};

}  // namespace sluice::console
