#include "control/metrics/server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/write.hpp>
#include <string_view>
#include <utility>

#include "control/asio/endpoint.hpp"
#include "control/metrics/http_request.hpp"
#include "control/metrics/render.hpp"

namespace sluice::metrics {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr std::size_t kReadChunk = 4096;
constexpr std::chrono::milliseconds kAcceptRetry{100};
constexpr std::string_view kMetricsPath = "/metrics";

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

// A complete response. HEAD gets the headers of the GET answer without its body
// (RFC 9110 section 9.3.2).
std::string response(int status, std::string_view content_type, std::string_view body,
                     bool keep_alive, bool head_only = false, std::string_view extra = {}) {
  std::string text = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}Connection: {}\r\n\r\n",
      status, reason_phrase(status), content_type, body.size(), extra,
      keep_alive ? "keep-alive" : "close");
  if (!head_only) text += body;
  return text;
}

std::string error_response(int status, std::string_view message, bool keep_alive,
                           std::string_view extra = {}) {
  return response(status, "text/plain; charset=utf-8", fmt::format("{}\n", message), keep_alive,
                  false, extra);
}

}  // namespace

class MetricsConnection : public std::enable_shared_from_this<MetricsConnection> {
 public:
  // The settings are copied and the page source shared: a completion queued before the
  // server's stop() may run after the server is gone.
  MetricsConnection(tcp::socket socket, MetricsSettings settings,
                    std::shared_ptr<MetricsServer::PageSource> source)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        settings_(std::move(settings)),
        source_(std::move(source)) {}

  void start() { read_more(); }

  void close() {
    timer_.cancel();
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  // Every wait (for a request or for the client to take the answer) is bounded by the idle
  // timeout, so a client that connects and goes quiet, or never reads, does not hold a slot.
  void arm_timer() {
    timer_.expires_after(settings_.idle_timeout);
    timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& error) {
      if (error) return;
      if (const auto self = weak.lock()) self->close();
    });
  }

  void read_more() {
    arm_timer();
    socket_.async_read_some(
        asio::buffer(chunk_),
        [self = shared_from_this()](const boost::system::error_code& error, std::size_t size) {
          if (error) return self->close();  // EOF, reset, idle timeout or stop()
          self->pending_.append(self->chunk_.data(), size);
          self->handle();
        });
  }

  void handle() {
    if (!*source_) return close();  // the server stopped
    const HeadParse parsed = parse_request_head(pending_, settings_.max_request_head);
    switch (parsed.kind) {
      case HeadParse::Kind::kIncomplete: return read_more();
      case HeadParse::Kind::kError:
        // The stream cannot be trusted past a bad head: answer and close.
        return send(error_response(parsed.status, parsed.error, false), false);
      case HeadParse::Kind::kComplete: break;
    }
    pending_.erase(0, parsed.consumed);
    const HttpRequest& request = parsed.request;
    const std::string_view path =
        std::string_view(request.target).substr(0, request.target.find('?'));
    const bool head = request.method == "HEAD";
    if (request.method != "GET" && !head) {
      return send(error_response(405, "only GET and HEAD are served", request.keep_alive,
                                 "Allow: GET, HEAD\r\n"),
                  request.keep_alive);
    }
    if (path != kMetricsPath) {
      return send(error_response(404, "not found: the metrics are at /metrics", request.keep_alive),
                  request.keep_alive);
    }
    send(response(200, kContentType, (*source_)(), request.keep_alive, head), request.keep_alive);
  }

  void send(std::string text, bool keep_alive) {
    outgoing_ = std::move(text);
    arm_timer();
    asio::async_write(socket_, asio::buffer(outgoing_),
                      [self = shared_from_this(), keep_alive](
                          const boost::system::error_code& error, std::size_t) {
                        if (error || !keep_alive) return self->close();
                        self->outgoing_.clear();
                        // A pipelined request may already be in pending_.
                        self->handle();
                      });
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  const MetricsSettings settings_;
  const std::shared_ptr<MetricsServer::PageSource> source_;  // empty function after stop()
  std::array<char, kReadChunk> chunk_{};
  std::string pending_;
  std::string outgoing_;
};

MetricsServer::MetricsServer(asio::io_context& io, MetricsSettings settings, PageSource source)
    : io_(io),
      settings_(std::move(settings)),
      source_(std::make_shared<PageSource>(std::move(source))),
      acceptor_(io),
      accept_retry_(io) {
  control_asio::listen_on(acceptor_, settings_.listen);
}

MetricsServer::MetricsServer(asio::io_context& io, MetricsSettings settings,
                             const console::ConsoleModel& model)
    : MetricsServer(io, std::move(settings), [&model] { return render_metrics(model); }) {}

MetricsServer::~MetricsServer() { stop(); }

void MetricsServer::start() {
  spdlog::info("metrics: serving http://{}/metrics", local_endpoint().to_string());
  accept_next();
}

void MetricsServer::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  *source_ = nullptr;  // connections whose completions are still queued close themselves
  for (const std::weak_ptr<MetricsConnection>& weak : connections_) {
    if (const auto connection = weak.lock()) connection->close();
  }
  connections_.clear();
}

net::Endpoint MetricsServer::local_endpoint() const {
  return control_asio::local_endpoint(acceptor_, settings_.listen);
}

std::size_t MetricsServer::connection_count() {
  connections_.remove_if(
      [](const std::weak_ptr<MetricsConnection>& weak) { return weak.expired(); });
  return connections_.size();
}

void MetricsServer::refuse(tcp::socket socket) {
  auto refused = std::make_shared<tcp::socket>(std::move(socket));
  auto message = std::make_shared<std::string>(error_response(
      503, fmt::format("too many connections ({})", settings_.max_connections), false));
  asio::async_write(*refused, asio::buffer(*message),
                    [refused, message](const boost::system::error_code&, std::size_t) {
                      boost::system::error_code ignored;
                      refused->shutdown(tcp::socket::shutdown_both, ignored);
                      refused->close(ignored);
                    });
}

void MetricsServer::accept_next() {
  acceptor_.async_accept(io_, [this](const boost::system::error_code& error, tcp::socket socket) {
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) return;  // stop()
    if (error) {
      // Out of descriptors or memory: retrying at once would spin the control thread.
      spdlog::warn("metrics: accept failed: {}; retrying in {} ms", error.message(),
                   kAcceptRetry.count());
      accept_retry_.expires_after(kAcceptRetry);
      accept_retry_.async_wait([this](const boost::system::error_code& wait_error) {
        if (!wait_error && acceptor_.is_open()) accept_next();
      });
      return;
    }
    if (connection_count() >= settings_.max_connections) {
      refuse(std::move(socket));
    } else {
      auto connection = std::make_shared<MetricsConnection>(std::move(socket), settings_, source_);
      connections_.push_back(connection);
      connection->start();
    }
    accept_next();
  });
}

}  // namespace sluice::metrics
