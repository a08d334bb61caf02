#include "control/console/server.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "control/asio/endpoint.hpp"
#include "control/console/line_discipline.hpp"

namespace sluice::console {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr std::string_view kPrompt = "sluice> ";
constexpr std::string_view kPasswordPrompt = "password: ";
constexpr int kPasswordTries = 3;  // spec: "three wrong tries close the session"
constexpr std::size_t kReadChunk = 2048;
constexpr std::chrono::milliseconds kAcceptRetry{100};
// Each session costs a socket and a few KiB; a bound keeps a misbehaving script from using up
// the control thread's descriptors.
constexpr std::size_t kMaxSessions = 16;

// Compares without an early exit so the reply time does not tell how many leading bytes of a
// guess were right.
bool same_secret(std::string_view guess, std::string_view secret) noexcept {
  unsigned difference = guess.size() == secret.size() ? 0U : 1U;
  for (std::size_t index = 0; index < guess.size(); ++index) {
    const char expected = secret.empty() ? '\0' : secret[index % secret.size()];
    difference |= static_cast<unsigned char>(guess[index]) ^ static_cast<unsigned char>(expected);
  }
  return difference == 0;
}

}  // namespace

class ConsoleSession : public std::enable_shared_from_this<ConsoleSession> {
 public:
  ConsoleSession(tcp::socket socket, ConsoleCommands& commands, std::string password,
                 std::string greeting)
      : socket_(std::move(socket)),
        commands_(commands),
        password_(std::move(password)),
        authenticated_(password_.empty()),
        greeting_(std::move(greeting)) {}

  void start() {
    boost::system::error_code error;
    const tcp::endpoint peer = socket_.remote_endpoint(error);
    peer_ = error ? std::string("a peer already gone") : peer.address().to_string();
    spdlog::info("console: session from {}", peer_);
    discipline_.set_secret(!authenticated_);
    std::string output = greeting_;
    output += authenticated_ ? kPrompt : kPasswordPrompt;
    send(std::move(output));
  }

  void close() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  // One write at a time: the next read starts only when the answer is out, so a client that
  // pipelines commands gets them answered in order and cannot make the output queue grow.
  void send(std::string output) {
    outgoing_ = std::move(output);
    asio::async_write(socket_, asio::buffer(outgoing_),
                      [self = shared_from_this()](const boost::system::error_code& error,
                                                  std::size_t) {
                        if (error) return self->close();
                        if (self->closing_) return self->close();
                        self->read_more();
                      });
  }

  void read_more() {
    socket_.async_read_some(
        asio::buffer(incoming_),
        [self = shared_from_this()](const boost::system::error_code& error, std::size_t size) {
          if (error) {  // EOF, reset, or closed by stop(): nothing to answer
            self->close();
            return;
          }
          self->handle(std::span(self->incoming_).first(size));
        });
  }

  void handle(std::span<const std::uint8_t> bytes) {
    std::string output;
    for (const InputLine& line : discipline_.feed(bytes)) {
      output += line.echo;
      output += for_terminal(answer(line));
      if (closing_) break;  // ignore whatever the client sent after quit / the last try
    }
    if (!closing_) output += discipline_.take_output();  // telnet answers, partial echo
    if (output.empty()) {
      read_more();  // no complete line yet
    } else {
      send(std::move(output));
    }
  }

  std::string answer(const InputLine& line) {
    if (!authenticated_) return answer_password(line);
    std::string output;
    if (line.kind != InputLine::Kind::kLine) {
      output = line.error_message();
    } else {
      CommandResult result = commands_.execute(line.text);
      // "!!": the command it stood for first, as a shell shows it.
      if (line.repeated) output = line.text + "\n";
      output += result.output;
      closing_ = result.close_session;
    }
    if (!closing_) output += kPrompt;
    return output;
  }

  std::string answer_password(const InputLine& line) {
    if (line.kind == InputLine::Kind::kLine && same_secret(line.text, password_)) {
      authenticated_ = true;
      discipline_.set_secret(false);
      return std::string(kPrompt);
    }
    ++wrong_tries_;
    spdlog::warn("console: wrong password from {} (try {} of {})", peer_, wrong_tries_,
                 kPasswordTries);
    if (wrong_tries_ >= kPasswordTries) {
      closing_ = true;
      return "error: wrong password, closing\n";
    }
    return fmt::format("error: wrong password\n{}", kPasswordPrompt);
  }

  // In character mode the client's terminal is raw: a bare LF would not return the cursor,
  // so answers go out with the NVT's CR LF. Line mode keeps the contract's bytes.
  std::string for_terminal(std::string text) const {
    if (!discipline_.character_mode()) return text;
    std::string converted;
    converted.reserve(text.size() + text.size() / 16);
    for (const char c : text) {
      if (c == '\n') converted += '\r';
      converted += c;
    }
    return converted;
  }

  tcp::socket socket_;
  ConsoleCommands& commands_;
  const std::string password_;
  bool authenticated_;
  std::string greeting_;
  std::string peer_;
  LineDiscipline discipline_;
  std::array<std::uint8_t, kReadChunk> incoming_{};
  std::string outgoing_;
  int wrong_tries_ = 0;
  bool closing_ = false;
};

ConsoleServer::ConsoleServer(asio::io_context& io, ConsoleSettings settings, ConsoleModel& model)
    : io_(io),
      settings_(std::move(settings)),
      model_(model),
      commands_(model),
      acceptor_(io),
      accept_retry_(io) {
  control_asio::listen_on(acceptor_, settings_.listen);
}

ConsoleServer::~ConsoleServer() { stop(); }

void ConsoleServer::start() {
  spdlog::info("console: listening on {}", local_endpoint().to_string());
  accept_next();
}

void ConsoleServer::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  for (const std::weak_ptr<ConsoleSession>& weak : sessions_) {
    if (const auto session = weak.lock()) session->close();
  }
  sessions_.clear();
}

net::Endpoint ConsoleServer::local_endpoint() const {
  return control_asio::local_endpoint(acceptor_, settings_.listen);
}

void ConsoleServer::refuse(tcp::socket socket) {
  spdlog::warn("console: refusing a session: {} already open", kMaxSessions);
  auto refused = std::make_shared<tcp::socket>(std::move(socket));
  auto message =
      std::make_shared<std::string>(fmt::format("error: too many sessions ({})\n", kMaxSessions));
  asio::async_write(*refused, asio::buffer(*message),
                    [refused, message](const boost::system::error_code&, std::size_t) {
                      boost::system::error_code ignored;
                      refused->shutdown(tcp::socket::shutdown_both, ignored);
                      refused->close(ignored);
                    });
}

void ConsoleServer::accept_next() {
  acceptor_.async_accept(io_, [this](const boost::system::error_code& error, tcp::socket socket) {
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) return;  // stop()
    if (!error) {
      sessions_.remove_if([](const std::weak_ptr<ConsoleSession>& weak) { return weak.expired(); });
      if (sessions_.size() >= kMaxSessions) {
        refuse(std::move(socket));
        accept_next();
        return;
      }
      auto session = std::make_shared<ConsoleSession>(
          std::move(socket), commands_, settings_.password,
          fmt::format("sluice {} console: type 'help' for the commands\n",
                      model_.version().version));
      sessions_.push_back(session);
      session->start();
    } else {
      // Out of descriptors or memory: retrying at once would spin the control thread (and the
      // log) until it clears; a short pause lets signals, stats and open sessions go on.
      spdlog::warn("console: accept failed: {}; retrying in {} ms", error.message(),
                   kAcceptRetry.count());
      accept_retry_.expires_after(kAcceptRetry);
      accept_retry_.async_wait([this](const boost::system::error_code& wait_error) {
        if (!wait_error && acceptor_.is_open()) accept_next();
      });
      return;
    }
    accept_next();
  });
}

}  // namespace sluice::console
