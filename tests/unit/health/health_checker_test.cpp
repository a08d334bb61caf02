// HealthChecker over real loopback sockets on a private io_context: fake backends (listeners
// that accept and answer as told) run on the same io_context as the checker. Intervals are tens
// of milliseconds; the tests wait for a condition with a generous bound and assert on counts
// and states, never on elapsed time.
#include "control/health/health_checker.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "control/health/probe.hpp"

namespace sluice::health {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

const net::IpAddress kLoopback = net::IpAddress::v4({127, 0, 0, 1});

// A fake backend. Answers every connection with `answer` (nothing when empty) and closes after
// it if close_after_answer; records the bytes each connection sent and how it ended.
class FakeBackend {
 public:
  struct Connection {
    std::string received;
    std::string peer;  // the probe's source address
    std::uint16_t peer_port = 0;
    bool ended = false;
    bool reset = false;  // ended with ECONNRESET (the probe's SO_LINGER 0 close)
  };

  explicit FakeBackend(asio::io_context& io, std::uint16_t port = 0, int backlog = 16,
                       net::IpAddress address = kLoopback)
      : io_(io), acceptor_(io), address_(address) {
    acceptor_.open(address.is_v4() ? tcp::v4() : tcp::v6());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(tcp::endpoint(asio::ip::make_address(address.to_string()), port));
    acceptor_.listen(backlog);
    port_ = acceptor_.local_endpoint().port();
  }

  // Handlers still queued when the backend goes (close() cancels the reads; the io_context runs
  // their aborted completions later) must not touch it: they hold `alive_`, false from here on.
  // Without it, GoesDownAfterFallFailuresAndBackUpAfterRise wrote into a freed Connection
  // (ThreadSanitizer and ASan: heap-use-after-free at `record->ended = true`).
  ~FakeBackend() { *alive_ = false; }
  FakeBackend(const FakeBackend&) = delete;
  FakeBackend& operator=(const FakeBackend&) = delete;

  void serve() { accept_next(); }
  void close() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto& socket : sockets_) socket->close(ignored);
  }

  net::Endpoint endpoint() const { return {address_, port_}; }
  std::uint16_t port() const { return port_; }

  std::string answer;
  bool close_after_answer = true;
  std::list<Connection> connections;

 private:
  void accept_next() {
    // The peer from accept itself: a probe may have reset the connection already.
    acceptor_.async_accept(
        peer_, [this, alive = alive_](const boost::system::error_code& error, tcp::socket socket) {
          if (error || !*alive) return;
          auto shared = std::make_shared<tcp::socket>(std::move(socket));
          sockets_.push_back(shared);
          connections.emplace_back();
          Connection* record = &connections.back();
          record->peer = peer_.address().to_string();
          record->peer_port = peer_.port();
          if (!answer.empty()) {
            asio::async_write(*shared, asio::buffer(answer),
                              [this, shared, alive = alive_](const boost::system::error_code&, std::size_t) {
                                if (*alive && close_after_answer) {
                                  boost::system::error_code ignored;
                                  shared->shutdown(tcp::socket::shutdown_send, ignored);
                                }
                              });
          }
          read(shared, record);
          accept_next();
        });
  }

  void read(const std::shared_ptr<tcp::socket>& socket, Connection* record) {
    auto buffer = std::make_shared<std::array<char, 1024>>();
    socket->async_read_some(
        asio::buffer(*buffer),
        [this, socket, record, buffer, alive = alive_](const boost::system::error_code& error, std::size_t size) {
          if (!*alive) return;
          if (error) {
            record->ended = true;
            record->reset = error == asio::error::connection_reset;
            return;
          }
          record->received.append(buffer->data(), size);
          read(socket, record);
        });
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  net::IpAddress address_;
  tcp::endpoint peer_;
  std::uint16_t port_ = 0;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

struct Change {
  std::string service;
  net::Endpoint backend;
  bool up;
  std::string reason;
};

class HealthCheckerTest : public ::testing::Test {
 protected:
  HealthCheckerTest()
      : work_(asio::make_work_guard(io_)),
        checker_(io_, [this](const std::string& service, const net::Endpoint& backend, bool up,
                             const std::string& reason) {
          changes_.push_back({service, backend, up, reason});
        }) {}

  // Runs the io_context until `done` holds or 10 s pass (a bound for slow CI machines, not a
  // performance expectation); returns whether it held.
  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.run_for(5ms);
    }
    return true;
  }

  static Target target(const net::Endpoint& backend,
                       config::HealthKind kind = config::HealthKind::kTcp,
                       std::string service = "web") {
    Target result;
    result.service = std::move(service);
    result.backend = backend;
    result.check.kind = kind;
    // Probes that should succeed get a timeout no loaded CI machine gets near on loopback, so
    // a slow scheduler cannot turn a success into a timeout (see impatient() for the tests
    // that want timeouts).
    result.check.interval_ms = 200;
    result.check.timeout_ms = 200;
    result.check.rise = 2;
    result.check.fall = 2;
    result.check.send_proxy = false;
    return result;
  }

  // For the tests whose probes must time out: a short timeout keeps them quick.
  static Target impatient(Target result) {
    result.check.interval_ms = 50;
    result.check.timeout_ms = 25;
    return result;
  }

  TargetStatus status_of(const net::Endpoint& backend, std::string_view service = "web") {
    auto found = checker_.status(service, backend);
    EXPECT_TRUE(found.has_value());
    return found.value_or(TargetStatus{});
  }

  // A loopback port nothing listens on (bound, then released).
  net::Endpoint closed_port() {
    tcp::acceptor probe(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const std::uint16_t port = probe.local_endpoint().port();
    return {kLoopback, port};
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<Change> changes_;
  HealthChecker checker_;
};

TEST_F(HealthCheckerTest, TcpTargetStaysUpAgainstAListener) {
  FakeBackend backend(io_);
  backend.serve();
  checker_.set_targets({target(backend.endpoint())});
  ASSERT_TRUE(run_until([&] { return status_of(backend.endpoint()).checks >= 3; }));
  const TargetStatus status = status_of(backend.endpoint());
  EXPECT_TRUE(status.up);
  EXPECT_TRUE(status.confirmed);
  EXPECT_EQ(status.failures, 0U);
  EXPECT_EQ(status.last_reason, "connected");
  EXPECT_TRUE(changes_.empty());
}

TEST_F(HealthCheckerTest, ProbesCloseWithResetAndSendNothingWithoutProxy) {
  FakeBackend backend(io_);
  backend.serve();
  checker_.set_targets({target(backend.endpoint())});
  ASSERT_TRUE(
      run_until([&] { return !backend.connections.empty() && backend.connections.front().ended; }));
  EXPECT_EQ(backend.connections.front().received, "");
  // SO_LINGER 0: the backend sees RST, and the appliance keeps no TIME_WAIT.
  EXPECT_TRUE(backend.connections.front().reset);
}

// The fake itself: a read still pending when it goes completes (aborted) afterwards, and that
// completion must not touch it. Under scripts/build --asan/--tsan the sanitizers check the
// access; here the completions are checked to run after the backend's end.
TEST_F(HealthCheckerTest, AFakeBackendGoneWithAReadPendingIsLeftAlone) {
  auto backend = std::make_unique<FakeBackend>(io_);
  backend->serve();
  tcp::socket client(io_);
  client.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), backend->port()));
  ASSERT_TRUE(run_until([&] { return !backend->connections.empty(); }));  // accepted, read pending
  backend->close();
  backend.reset();
  EXPECT_GT(io_.poll(), 0U) << "the cancelled read and accept complete after the backend's end";
}

TEST_F(HealthCheckerTest, GoesDownAfterFallFailuresAndBackUpAfterRise) {
  auto backend = std::make_unique<FakeBackend>(io_);
  backend->serve();
  const net::Endpoint endpoint = backend->endpoint();
  checker_.set_targets({target(endpoint)});
  ASSERT_TRUE(run_until([&] { return status_of(endpoint).confirmed; }));

  backend->close();
  backend.reset();
  ASSERT_TRUE(run_until([&] { return !changes_.empty(); }));
  ASSERT_EQ(changes_.size(), 1U);
  EXPECT_EQ(changes_[0].service, "web");
  EXPECT_EQ(changes_[0].backend, endpoint);
  EXPECT_FALSE(changes_[0].up);
  EXPECT_EQ(changes_[0].reason, "connect: Connection refused");
  TargetStatus status = status_of(endpoint);
  EXPECT_FALSE(status.up);
  EXPECT_EQ(status.failures, 2U);  // fall = 2, none before the listener closed

  // The same port listens again: up after rise (2) successes.
  FakeBackend again(io_, endpoint.port);
  again.serve();
  const std::uint64_t checks_when_reopened = status_of(endpoint).checks;
  ASSERT_TRUE(run_until([&] { return changes_.size() == 2; }));
  EXPECT_TRUE(changes_[1].up);
  EXPECT_EQ(changes_[1].reason, "connected");
  status = status_of(endpoint);
  EXPECT_TRUE(status.up);
  EXPECT_GE(status.checks, checks_when_reopened + 2);
}

TEST_F(HealthCheckerTest, ABackendDeadAtStartGoesDownAfterOneCheck) {
  const net::Endpoint dead = closed_port();
  checker_.set_targets({target(dead)});
  EXPECT_TRUE(status_of(dead).up);  // initial state
  ASSERT_TRUE(run_until([&] { return !changes_.empty(); }));
  EXPECT_FALSE(changes_[0].up);
  EXPECT_EQ(status_of(dead).checks, 1U);
}

TEST_F(HealthCheckerTest, TransitionsAreLogged) {
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  sink->set_pattern("%l %v");
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));

  const net::Endpoint dead = closed_port();
  Target dead_target = target(dead);
  checker_.set_targets({dead_target});
  ASSERT_TRUE(run_until([&] { return !changes_.empty(); }));
  FakeBackend backend(io_, dead.port);
  backend.serve();
  ASSERT_TRUE(run_until([&] { return changes_.size() == 2; }));
  spdlog::set_default_logger(previous);

  const std::string text = log.str();
  EXPECT_NE(text.find("warning health: web " + dead.to_string() +
                      " is DOWN after 1 failed check (connect: Connection refused)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("info health: web " + dead.to_string() +
                      " is UP after 2 successful checks (connected)"),
            std::string::npos)
      << text;
}

class HttpHealthTest : public HealthCheckerTest {
 protected:
  // Serves `answer` and waits for the target's first transition or its third check.
  void check_against(std::string answer, bool close_after = true, bool expect_timeout = false) {
    backend_ = std::make_unique<FakeBackend>(io_);
    backend_->answer = std::move(answer);
    backend_->close_after_answer = close_after;
    backend_->serve();
    Target http = target(backend_->endpoint(), config::HealthKind::kHttp);
    checker_.set_targets({expect_timeout ? impatient(http) : http});
    ASSERT_TRUE(run_until(
        [&] { return !changes_.empty() || status_of(backend_->endpoint()).checks >= 3; }));
  }

  std::unique_ptr<FakeBackend> backend_;
};

TEST_F(HttpHealthTest, Status200IsUp) {
  check_against("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(changes_.empty());
  EXPECT_TRUE(status_of(backend_->endpoint()).up);
  EXPECT_EQ(status_of(backend_->endpoint()).last_reason, "HTTP 200");
  // The request reached the backend, without a PROXY header (send_proxy off).
  const std::string& received = backend_->connections.front().received;
  EXPECT_EQ(
      received.rfind("GET / HTTP/1.0\r\nHost: " + backend_->endpoint().to_string() + "\r\n", 0), 0U)
      << received;
}

TEST_F(HttpHealthTest, Status302IsUp) {
  check_against("HTTP/1.0 302 Found\r\nLocation: /x\r\n\r\n");
  EXPECT_TRUE(changes_.empty());
  EXPECT_EQ(status_of(backend_->endpoint()).last_reason, "HTTP 302");
  EXPECT_EQ(status_of(backend_->endpoint()).failures, 0U);
}

TEST_F(HttpHealthTest, Status500IsDown) {
  check_against("HTTP/1.1 500 Internal Server Error\r\n\r\n");
  ASSERT_EQ(changes_.size(), 1U);
  EXPECT_FALSE(changes_[0].up);
  EXPECT_EQ(changes_[0].reason, "HTTP 500");
}

TEST_F(HttpHealthTest, GarbageIsDown) {
  check_against("SSH-2.0-OpenSSH_9.2\r\n");
  ASSERT_EQ(changes_.size(), 1U);
  EXPECT_EQ(changes_[0].reason, "http: not an HTTP status line");
}

TEST_F(HttpHealthTest, SilentBackendTimesOut) {
  backend_ = std::make_unique<FakeBackend>(io_);
  backend_->serve();
  // The backend accepts and reads the request but never answers.
  checker_.set_targets({impatient(target(backend_->endpoint(), config::HealthKind::kHttp))});
  ASSERT_TRUE(run_until([&] { return !changes_.empty(); }));
  EXPECT_EQ(changes_[0].reason, "timeout: no answer within 25 ms (waiting for the status line)");
}

TEST_F(HttpHealthTest, HalfAStatusLineThenSilenceTimesOut) {
  check_against("HTTP/1.1 2", false, true);
  ASSERT_EQ(changes_.size(), 1U);
  EXPECT_EQ(changes_[0].reason, "timeout: no answer within 25 ms (waiting for the status line)");
}

TEST_F(HttpHealthTest, HalfAStatusLineThenCloseIsDown) {
  check_against("HTTP/1.1 2", true);
  ASSERT_EQ(changes_.size(), 1U);
  EXPECT_EQ(changes_[0].reason, "http: connection closed inside the status line");
}

TEST_F(HealthCheckerTest, ConnectTimeoutWhenTheBackendDoesNotAnswerSyns) {
  // A listener that never accepts, with a full accept queue: Linux drops further SYNs, so the
  // probe's connect neither succeeds nor fails.
  FakeBackend backend(io_, 0, 0);
  std::vector<std::unique_ptr<tcp::socket>> fillers;
  for (int i = 0; i < 4; ++i) {
    auto filler = std::make_unique<tcp::socket>(io_);
    filler->async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), backend.port()),
                          [](const boost::system::error_code&) {});
    fillers.push_back(std::move(filler));
  }
  io_.run_for(50ms);
  checker_.set_targets({impatient(target(backend.endpoint()))});
  ASSERT_TRUE(run_until([&] { return !changes_.empty(); }));
  EXPECT_EQ(changes_[0].reason, "timeout: no answer within 25 ms (connecting)");
}

TEST_F(HealthCheckerTest, ProxyLocalHeaderComesFirstWhenSendProxyIsOn) {
  const std::string header = [] {
    const std::vector<std::uint8_t> bytes{0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51,
                                          0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0x00, 0x00};
    return std::string(bytes.begin(), bytes.end());
  }();
  FakeBackend tcp_backend(io_);
  tcp_backend.serve();
  FakeBackend http_backend(io_);
  http_backend.answer = "HTTP/1.1 204 No Content\r\n\r\n";
  http_backend.serve();
  Target tcp_target = target(tcp_backend.endpoint());
  tcp_target.send_proxy_header = true;
  Target http_target = target(http_backend.endpoint(), config::HealthKind::kHttp);
  http_target.send_proxy_header = true;
  http_target.check.path = "/healthz";
  checker_.set_targets({tcp_target, http_target});
  ASSERT_TRUE(run_until([&] {
    return !tcp_backend.connections.empty() && tcp_backend.connections.front().ended &&
           !http_backend.connections.empty() && http_backend.connections.front().ended;
  }));
  EXPECT_EQ(tcp_backend.connections.front().received, header);
  const std::string& received = http_backend.connections.front().received;
  EXPECT_EQ(received.substr(0, header.size()), header);
  EXPECT_EQ(received.substr(header.size(), 25), "GET /healthz HTTP/1.0\r\nHo");
  EXPECT_TRUE(changes_.empty());
  EXPECT_EQ(status_of(http_backend.endpoint()).last_reason, "HTTP 204");
}

TEST_F(HealthCheckerTest, Ipv6Backends) {
  FakeBackend backend(io_, 0, 16, *net::IpAddress::parse("::1"));
  backend.answer = "HTTP/1.1 200 OK\r\n\r\n";
  backend.serve();
  checker_.set_targets({target(backend.endpoint(), config::HealthKind::kHttp)});
  ASSERT_TRUE(run_until([&] { return status_of(backend.endpoint()).checks >= 2; }));
  EXPECT_TRUE(status_of(backend.endpoint()).up);
  EXPECT_EQ(status_of(backend.endpoint()).last_reason, "HTTP 200");
  const std::string& received = backend.connections.front().received;
  EXPECT_NE(received.find("\r\nHost: [::1]:" + std::to_string(backend.port()) + "\r\n"),
            std::string::npos)
      << received;
}

TEST_F(HealthCheckerTest, ProbesLeaveFromTheSourceAddress) {
  FakeBackend backend(io_);
  backend.serve();
  Target bound = target(backend.endpoint());
  bound.source = net::IpAddress::v4({127, 0, 0, 2});
  Target unbindable = target(backend.endpoint(), config::HealthKind::kTcp, "other");
  unbindable.source = *net::IpAddress::parse("192.0.2.77");  // not an address of this host
  checker_.set_targets({bound, unbindable});
  ASSERT_TRUE(
      run_until([&] { return status_of(backend.endpoint()).checks >= 1 && !changes_.empty(); }));
  EXPECT_TRUE(status_of(backend.endpoint()).up);
  ASSERT_FALSE(backend.connections.empty());
  EXPECT_EQ(backend.connections.front().peer, "127.0.0.2");
  ASSERT_EQ(changes_.size(), 1U);
  EXPECT_EQ(changes_[0].service, "other");
  EXPECT_EQ(changes_[0].reason, "bind 192.0.2.77: Cannot assign requested address");
}

TEST_F(HealthCheckerTest, ProbesLeaveFromTheSourcePortRange) {
  FakeBackend backend(io_);
  backend.serve();
  // A port of the range is taken: probes skip it.
  tcp::acceptor taken(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::uint16_t first = taken.local_endpoint().port();
  Target ranged = target(backend.endpoint());
  ranged.source = kLoopback;
  ranged.source_ports = PortRange{first, static_cast<std::uint16_t>(first + 3)};
  checker_.set_targets({ranged});
  ASSERT_TRUE(run_until(
      [&] { return backend.connections.size() >= 6 && backend.connections.back().ended; }));
  std::set<std::uint16_t> ports;
  for (const FakeBackend::Connection& connection : backend.connections) {
    EXPECT_GT(connection.peer_port, first);
    EXPECT_LE(connection.peer_port, first + 3);
    ports.insert(connection.peer_port);
  }
  // Handed out in turn: more than one port used (three unless another process holds some).
  EXPECT_GE(ports.size(), 2U);
  EXPECT_TRUE(changes_.empty());
  EXPECT_EQ(status_of(backend.endpoint()).failures, 0U);
}

TEST_F(HealthCheckerTest, AFullSourcePortRangeFailsTheProbe) {
  FakeBackend backend(io_);
  backend.serve();
  tcp::acceptor taken(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::uint16_t port = taken.local_endpoint().port();
  Target ranged = target(backend.endpoint());
  ranged.source = kLoopback;
  ranged.source_ports = PortRange{port, port};
  checker_.set_targets({ranged});
  ASSERT_TRUE(run_until([&] { return !changes_.empty(); }));
  EXPECT_EQ(changes_[0].reason, "bind 127.0.0.1 ports " + std::to_string(port) + "-" +
                                    std::to_string(port) + ": Address already in use");
}

TEST_F(HealthCheckerTest, ReplacingTargetsKeepsTheStateOfThoseThatStay) {
  FakeBackend backend(io_);
  backend.serve();
  const net::Endpoint dead = closed_port();
  checker_.set_targets({target(backend.endpoint()), target(dead)});
  ASSERT_TRUE(
      run_until([&] { return status_of(backend.endpoint()).confirmed && !status_of(dead).up; }));
  const std::uint64_t live_checks = status_of(backend.endpoint()).checks;

  // Reload: `dead` stays with other settings, the live one goes, a new one comes.
  FakeBackend fresh(io_);
  fresh.serve();
  Target changed = target(dead);
  changed.check.fall = 5;
  checker_.set_targets({changed, target(fresh.endpoint())});
  EXPECT_FALSE(checker_.status("web", backend.endpoint()).has_value());
  TargetStatus kept = status_of(dead);
  EXPECT_FALSE(kept.up);
  EXPECT_GE(kept.checks, 1U);
  EXPECT_EQ(kept.last_reason, "connect: Connection refused");
  TargetStatus added = status_of(fresh.endpoint());
  EXPECT_TRUE(added.up);
  EXPECT_FALSE(added.confirmed);
  EXPECT_EQ(added.checks, 0U);

  const std::vector<TargetStatus> all = checker_.status();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].backend, dead);
  EXPECT_EQ(all[1].backend, fresh.endpoint());

  // The removed target is probed no more.
  const std::size_t connections_before = backend.connections.size();
  ASSERT_TRUE(run_until([&] { return status_of(fresh.endpoint()).checks >= 3; }));
  EXPECT_EQ(backend.connections.size(), connections_before);
  EXPECT_GE(live_checks, 1U);
  EXPECT_EQ(changes_.size(), 1U);  // only the initial DOWN of `dead`
}

TEST_F(HealthCheckerTest, StopEndsEveryProbeAndCallback) {
  const net::Endpoint dead = closed_port();
  checker_.set_targets({target(dead)});
  checker_.stop();
  EXPECT_TRUE(checker_.status().empty());
  io_.run_for(200ms);
  EXPECT_TRUE(changes_.empty());
}

TEST_F(HealthCheckerTest, ManyTargetsAreAllProbed) {
  // Thousands of targets on one thread: a smoke test of the asynchronous design (counts only).
  FakeBackend backend(io_, 0, 4096);
  backend.serve();
  std::vector<Target> targets;
  for (int i = 0; i < 2000; ++i) {
    Target many = target(backend.endpoint(), config::HealthKind::kTcp, "svc" + std::to_string(i));
    many.check.interval_ms = 1000;
    many.check.timeout_ms = 1000;
    targets.push_back(std::move(many));
  }
  checker_.set_targets(std::move(targets));
  ASSERT_TRUE(run_until([&] {
    for (const TargetStatus& status : checker_.status()) {
      if (status.checks == 0) return false;
    }
    return true;
  }));
  for (const TargetStatus& status : checker_.status()) {
    EXPECT_TRUE(status.up) << status.service << ": " << status.last_reason;
  }
}

TEST(FirstProbeDelay, SpreadsOverTheWholeInterval) {
  std::mt19937_64 random(42);
  const std::chrono::milliseconds interval(1000);
  std::array<int, 10> per_tenth{};
  for (int i = 0; i < 10000; ++i) {
    const auto delay = first_probe_delay(interval, random);
    ASSERT_GE(delay.count(), 0);
    ASSERT_LT(delay, interval);
    ++per_tenth[static_cast<std::size_t>(delay / (interval / 10))];
  }
  // Uniform: each tenth of the interval gets about 1000 of the 10000 first probes.
  for (const int count : per_tenth) {
    EXPECT_GT(count, 800);
    EXPECT_LT(count, 1200);
  }
  EXPECT_EQ(first_probe_delay(std::chrono::milliseconds(0), random).count(), 0);
}

TEST(TargetsFromConfig, OneTargetPerBackendOfServicesWithHealth) {
  config::Config config;
  config::Service proxied;
  proxied.name = "web";
  proxied.proxy_protocol = config::ProxyProtocol{};
  proxied.health = config::HealthCheck{};
  proxied.backends = {{kLoopback, 8080, 1}, {net::IpAddress::v4({127, 0, 0, 2}), 8081, 1}};
  config::Service plain = proxied;
  plain.name = "plain";
  plain.proxy_protocol.reset();
  config::Service opted_out = proxied;
  opted_out.name = "opted_out";
  opted_out.health->send_proxy = false;
  config::Service unchecked = proxied;
  unchecked.name = "unchecked";
  unchecked.health.reset();
  config.services = {proxied, plain, opted_out, unchecked};

  const std::vector<Target> targets = targets_from_config(config);
  ASSERT_EQ(targets.size(), 6U);
  EXPECT_EQ(targets[0].service, "web");
  EXPECT_EQ(targets[0].backend, (net::Endpoint{kLoopback, 8080}));
  EXPECT_TRUE(targets[0].send_proxy_header);
  EXPECT_EQ(targets[1].backend.port, 8081);
  EXPECT_FALSE(targets[2].send_proxy_header);  // no PROXY header on the service
  EXPECT_FALSE(targets[4].send_proxy_header);  // send_proxy = false
  EXPECT_FALSE(targets[0].source.has_value());
}

}  // namespace
}  // namespace sluice::health
