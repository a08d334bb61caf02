#include "control/health/probe.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <utility>

#include "control/asio/endpoint.hpp"
#include "control/health/http_probe.hpp"
#include "dataplane/shared/pp2.h"

namespace sluice::health {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// A status line longer than this is not one a health endpoint sends; stop reading.
constexpr std::size_t kMaxStatusLine = 1024;

using control_asio::to_asio;

}  // namespace

std::vector<std::uint8_t> local_proxy_header() {
  pp2_template header_template{};
  pp2_template_init(&header_template, 2, PP2_CMD_LOCAL, PP2_TRANSPORT_STREAM);
  pp2_conn connection{};
  connection.family = PP2_FAM_UNSPEC;
  std::array<std::uint8_t, PP2_HEADER_MAX> out{};
  const std::int32_t length = pp2_build(&header_template, &connection, out.data());
  // A fixed template with no TLVs cannot fail: 16 bytes.
  return {out.begin(), out.begin() + (length > 0 ? length : 0)};
}

std::shared_ptr<Probe> Probe::start(asio::io_context& io, ProbeSpec spec, Done done) {
  auto probe = std::make_shared<Probe>(io, std::move(spec), std::move(done));
  asio::post(io, [probe] { probe->run(); });
  return probe;
}

Probe::Probe(asio::io_context& io, ProbeSpec spec, Done done)
    : spec_(std::move(spec)), done_(std::move(done)), socket_(io), timer_(io) {}

void Probe::cancel() {
  done_ = nullptr;
  finish(false, "cancelled");
}

void Probe::run() {
  if (finished_) return;  // cancelled before it started
  timer_.expires_after(spec_.timeout);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    if (error) return;  // cancelled: the probe ended first
    self->finish(false, fmt::format("timeout: no answer within {} ms ({})",
                                    self->spec_.timeout.count(), self->phase_));
  });

  const tcp::endpoint remote(to_asio(spec_.backend.address), spec_.backend.port);
  boost::system::error_code error;
  socket_.open(remote.protocol(), error);
  if (error) return finish(false, "socket: " + error.message());
  // RST on close: no TIME_WAIT per probe (thousands of targets at 1 s would otherwise fill the
  // local port range); backends see a reset, as with HAProxy's checks.
  socket_.set_option(asio::socket_base::linger(true, 0), error);
  if (error) return finish(false, "socket: " + error.message());
  if (spec_.source_ports) {
    if (!bind_in_range(remote)) return;
  } else if (spec_.source) {
    socket_.bind(tcp::endpoint(to_asio(*spec_.source), 0), error);
    if (error) {
      return finish(false, fmt::format("bind {}: {}", spec_.source->to_string(), error.message()));
    }
  }
  socket_.async_connect(remote, [self = shared_from_this()](const boost::system::error_code& e) {
    if (self->finished_) return;
    if (e) return self->finish(false, "connect: " + e.message());
    self->on_connected();
  });
}

bool Probe::bind_in_range(const tcp::endpoint& remote) {
  const PortRange range = *spec_.source_ports;
  const std::uint32_t first = range.first;
  const std::uint32_t count = range.last >= range.first ? range.last - first + 1U : 1U;
  const asio::ip::address local =
      spec_.source ? to_asio(*spec_.source)
                   : (remote.address().is_v4() ? asio::ip::address(asio::ip::address_v4::any())
                                               : asio::ip::address(asio::ip::address_v6::any()));
  const std::uint32_t start = spec_.port_offset % count;
  boost::system::error_code error;
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto port = static_cast<std::uint16_t>(first + (start + i) % count);
    socket_.bind(tcp::endpoint(local, port), error);
    // In use (another probe, or anything else on the host): the next one. Any other error
    // would repeat for every port.
    if (error != asio::error::address_in_use) break;
  }
  if (!error) return true;
  finish(false, fmt::format("bind {} ports {}-{}: {}",
                            spec_.source ? spec_.source->to_string() : local.to_string(),
                            range.first, range.last, error.message()));
  return false;
}

void Probe::on_connected() {
  if (spec_.send_proxy_header) {
    const std::vector<std::uint8_t> header = local_proxy_header();
    outgoing_.assign(header.begin(), header.end());
  }
  const bool http = spec_.kind == config::HealthKind::kHttp;
  if (http) outgoing_ += http_request(spec_.path, spec_.backend);
  if (outgoing_.empty()) return finish(true, "connected");

  phase_ = "sending";
  asio::async_write(
      socket_, asio::buffer(outgoing_),
      [self = shared_from_this(), http](const boost::system::error_code& error, std::size_t) {
        if (self->finished_) return;
        if (error) return self->finish(false, "send: " + error.message());
        if (!http) return self->finish(true, "connected");
        self->phase_ = "waiting for the status line";
        self->read_more();
      });
}

void Probe::read_more() {
  socket_.async_read_some(
      asio::buffer(chunk_),
      [self = shared_from_this()](const boost::system::error_code& error, std::size_t size) {
        if (self->finished_) return;
        if (error == asio::error::eof) {
          return self->finish(false, self->received_.empty()
                                         ? "http: connection closed without an answer"
                                         : "http: connection closed inside the status line");
        }
        if (error) return self->finish(false, "receive: " + error.message());
        self->on_received(size);
      });
}

void Probe::on_received(std::size_t size) {
  received_.append(chunk_.data(), size);
  const std::size_t end = received_.find('\n');
  if (end == std::string::npos) {
    if (received_.size() > kMaxStatusLine) {
      return finish(false,
                    fmt::format("http: no status line in the first {} bytes", kMaxStatusLine));
    }
    return read_more();
  }
  std::string_view line(received_.data(), end);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const std::optional<int> status = parse_status_line(line);
  if (!status) return finish(false, "http: not an HTTP status line");
  finish(status_is_up(*status), fmt::format("HTTP {}", *status));
}

void Probe::finish(bool success, std::string reason) {
  if (finished_) return;
  finished_ = true;
  timer_.cancel();
  boost::system::error_code ignored;
  socket_.close(ignored);  // SO_LINGER 0: RST, no TIME_WAIT
  if (Done done = std::exchange(done_, nullptr)) done(ProbeOutcome{success, std::move(reason)});
}

}  // namespace sluice::health
