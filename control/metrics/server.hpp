#pragma once
// The metrics endpoint (spec config.md, [metrics] listen: "Prometheus text format at
// GET /metrics"): a small HTTP/1.1 server on the control thread's io_context.
//   GET or HEAD /metrics  -> 200, Content-Type text/plain; version=0.0.4; charset=utf-8
//   another path          -> 404;   another method -> 405 (Allow: GET, HEAD)
//   malformed request     -> 400 and close; head over 8 KiB -> 431 and close;
//   HTTP/2+ request line  -> 505 and close
// Persistent connections as HTTP/1.1 defines them (Prometheus keeps its scrape connection
// open); a connection idle for settings.idle_timeout is closed; at most
// settings.max_connections at once, more get 503 and are closed. Nothing blocks: the page is
// rendered on the control thread (it only reads counters) and written asynchronously.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <string>

#include "control/console/model.hpp"
#include "dataplane/net/address.hpp"

namespace sluice::metrics {

class MetricsConnection;

struct MetricsSettings {
  net::Endpoint listen;
  std::chrono::milliseconds idle_timeout{30000};  // > Prometheus' default 15 s scrape interval
  std::size_t max_connections = 16;
  std::size_t max_request_head = 8192;
};

class MetricsServer {
 public:
  // Produces the /metrics body; called once per GET or HEAD, on the io_context's thread.
  using PageSource = std::function<std::string()>;

  // Binds and listens at once (throws boost::system::system_error when it cannot), so the
  // caller reports a bad address at start-up; accepting starts with start().
  MetricsServer(boost::asio::io_context& io, MetricsSettings settings, PageSource source);
  // The usual wiring: the page is render_metrics(model) (render.hpp); the model must outlive
  // the server.
  MetricsServer(boost::asio::io_context& io, MetricsSettings settings,
                const console::ConsoleModel& model);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  void start();
  // Closes the listener and every open connection.
  void stop();
  // The bound address (the real port when listen asked for port 0).
  net::Endpoint local_endpoint() const;
  // Connections open now (for tests and the status page).
  std::size_t connection_count();

 private:
  void accept_next();
  void refuse(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  MetricsSettings settings_;
  std::shared_ptr<PageSource> source_;  // shared with the connections; emptied by stop()
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_;  // pause after a failed accept (EMFILE, ENOMEM)
  std::list<std::weak_ptr<MetricsConnection>> connections_;
};

}  // namespace sluice::metrics
