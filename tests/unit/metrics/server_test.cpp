// The metrics server over real loopback TCP: it runs on its own io_context thread, the test
// talks to it with plain blocking sockets.
#include "control/metrics/server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "control/metrics/render.hpp"
#include "tests/unit/metrics/fake_snapshot.hpp"

namespace sluice::metrics {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

class Client {
 public:
  explicit Client(std::uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  void send(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }

  // One response: the head, then Content-Length bytes of body.
  std::string read_response(bool head_only = false) {
    const std::size_t head = asio::read_until(socket_, asio::dynamic_buffer(pending_), "\r\n\r\n");
    std::string text = pending_.substr(0, head);
    pending_.erase(0, head);
    const std::size_t at = text.find("Content-Length: ");
    const std::size_t length =
        head_only || at == std::string::npos ? 0 : std::stoul(text.substr(at + 16));
    if (pending_.size() < length) {
      asio::read(socket_, asio::dynamic_buffer(pending_),
                 asio::transfer_exactly(length - pending_.size()));
    }
    text += pending_.substr(0, length);
    pending_.erase(0, length);
    return text;
  }

  // Whatever arrives until the server closes the connection; true when it did close.
  bool closed_by_server(std::string* rest = nullptr) {
    boost::system::error_code error;
    asio::read(socket_, asio::dynamic_buffer(pending_), error);
    if (rest != nullptr) *rest = pending_;
    return error == asio::error::eof || error == asio::error::connection_reset;
  }

  void close_abruptly() {
    socket_.set_option(asio::socket_base::linger(true, 0));  // RST instead of FIN
    socket_.close();
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  std::string pending_;
};

class MetricsServerTest : public ::testing::Test {
 protected:
  void start(MetricsSettings settings = {}) {
    settings.listen = {net::IpAddress::v4({127, 0, 0, 1}), 0};
    server_ = std::make_unique<MetricsServer>(io_, settings,
                                              [this] { return render_metrics(snapshot_); });
    server_->start();
    port_ = server_->local_endpoint().port;
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    asio::post(io_, [this] {
      server_->stop();
      work_.reset();
    });
    thread_.join();
  }

  std::size_t connections() {
    std::promise<std::size_t> count;
    asio::post(io_, [&] { count.set_value(server_->connection_count()); });
    return count.get_future().get();
  }

  // Polls (the count is read on the server's thread) until it equals `expected` or 10 s pass.
  bool connections_become(std::size_t expected) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (connections() != expected) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  const MetricsSnapshot snapshot_ = testing::fake_snapshot();
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::unique_ptr<MetricsServer> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(MetricsServerTest, GetMetricsServesThePage) {
  start();
  Client client(port_);
  client.send("GET /metrics HTTP/1.1\r\nHost: lb\r\n\r\n");
  const std::string response = client.read_response();
  const std::string body = render_metrics(snapshot_);
  EXPECT_EQ(response,
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
            "Content-Length: " +
                std::to_string(body.size()) +
                "\r\n"
                "Connection: keep-alive\r\n\r\n" +
                body);
}

TEST_F(MetricsServerTest, KeepAliveAndPipelinedRequests) {
  start();
  Client client(port_);
  client.send(
      "GET /metrics HTTP/1.1\r\nHost: lb\r\n\r\nHEAD /metrics?x=1 HTTP/1.1\r\nHost: lb\r\n\r\n");
  EXPECT_EQ(client.read_response().rfind("HTTP/1.1 200 OK\r\n", 0), 0U);
  const std::string head = client.read_response(true);
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0U);
  EXPECT_NE(head.find("Content-Length: " + std::to_string(render_metrics(snapshot_).size())),
            std::string::npos);
  client.send("GET /metrics HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n");
  const std::string last = client.read_response();
  EXPECT_NE(last.find("Connection: close\r\n"), std::string::npos);
  std::string rest;
  EXPECT_TRUE(client.closed_by_server(&rest));
  EXPECT_EQ(rest, "");  // the HEAD answer had no body
}

TEST_F(MetricsServerTest, OtherPathsAre404) {
  start();
  Client client(port_);
  client.send("GET / HTTP/1.1\r\nHost: lb\r\n\r\n");
  EXPECT_EQ(client.read_response(),
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 39\r\nConnection: keep-alive\r\n\r\n"
            "not found: the metrics are at /metrics\n");
  client.send("GET /metricsx HTTP/1.0\r\n\r\n");
  EXPECT_EQ(client.read_response().rfind("HTTP/1.1 404 ", 0), 0U);
  EXPECT_TRUE(client.closed_by_server());  // HTTP/1.0 without keep-alive
}

TEST_F(MetricsServerTest, OtherMethodsAre405) {
  start();
  Client client(port_);
  client.send("POST /metrics HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n");
  const std::string response = client.read_response();
  EXPECT_EQ(response.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0), 0U);
  EXPECT_NE(response.find("\r\nAllow: GET, HEAD\r\n"), std::string::npos);
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(MetricsServerTest, MalformedRequestsGet400AndAreClosed) {
  start();
  Client client(port_);
  client.send("hello there\r\n\r\nGET /metrics HTTP/1.1\r\nHost: lb\r\n\r\n");
  const std::string response = client.read_response();
  EXPECT_EQ(response.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0U);
  EXPECT_NE(response.find("Connection: close\r\n"), std::string::npos);
  std::string rest;
  EXPECT_TRUE(client.closed_by_server(&rest));
  EXPECT_EQ(rest, "");  // nothing after the bad head is answered
}

TEST_F(MetricsServerTest, OversizedHeadsGet431AndAreClosed) {
  MetricsSettings settings;
  settings.max_request_head = 1024;
  start(settings);
  Client client(port_);
  client.send("GET /metrics HTTP/1.1\r\nHost: lb\r\nX-Filler: " + std::string(2000, 'a'));
  EXPECT_EQ(client.read_response().rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0),
            0U);
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(MetricsServerTest, IdleConnectionsAreClosed) {
  MetricsSettings settings;
  settings.idle_timeout = 50ms;
  start(settings);
  Client silent(port_);
  EXPECT_TRUE(silent.closed_by_server());
  Client partial(port_);
  partial.send("GET /metrics HTTP/1.1\r\n");
  EXPECT_TRUE(partial.closed_by_server());
  EXPECT_TRUE(connections_become(0));
}

TEST_F(MetricsServerTest, ConnectionCountIsCapped) {
  MetricsSettings settings;
  settings.max_connections = 2;
  start(settings);
  Client first(port_);
  Client second(port_);
  ASSERT_TRUE(connections_become(2));
  Client third(port_);
  const std::string refused = third.read_response();
  EXPECT_EQ(refused.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0U);
  EXPECT_TRUE(third.closed_by_server());
  // The first two still work.
  first.send("GET /metrics HTTP/1.1\r\nHost: lb\r\n\r\n");
  EXPECT_EQ(first.read_response().rfind("HTTP/1.1 200 OK\r\n", 0), 0U);
}

TEST_F(MetricsServerTest, AbruptDisconnectsFreeTheirSlot) {
  start();
  {
    Client half(port_);
    half.send("GET /metr");
    Client reader(port_);
    reader.send("GET /metrics HTTP/1.1\r\nHost: lb\r\n\r\n");  // reset before reading the answer
    ASSERT_TRUE(connections_become(2));
    half.close_abruptly();
    reader.close_abruptly();
  }
  EXPECT_TRUE(connections_become(0));
  Client next(port_);
  next.send("GET /metrics HTTP/1.1\r\nHost: lb\r\n\r\n");
  EXPECT_EQ(next.read_response().rfind("HTTP/1.1 200 OK\r\n", 0), 0U);
}

TEST_F(MetricsServerTest, StopClosesOpenConnectionsAndTheListener) {
  start();
  Client open(port_);
  ASSERT_TRUE(connections_become(1));
  std::promise<void> stopped;
  asio::post(io_, [&] {
    server_->stop();
    stopped.set_value();
  });
  stopped.get_future().get();
  EXPECT_TRUE(open.closed_by_server());
  EXPECT_THROW(Client refused(port_), boost::system::system_error);
}

}  // namespace
}  // namespace sluice::metrics
