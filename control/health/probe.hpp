#pragma once
// One health-check attempt against one backend, on the control thread's io_context: a
// non-blocking TCP connect, optionally the PROXY v2 LOCAL header, for kind = "http" a
// "GET path" and the status line of the answer; the whole attempt is bounded by the timeout.
// The socket is closed with RST (SO_LINGER 0), so a probe leaves no TIME_WAIT entry behind on
// the appliance, whatever the check rate.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/config/config.hpp"
#include "dataplane/net/address.hpp"

namespace sluice::health {

struct PortRange {
  std::uint16_t first = 0;
  std::uint16_t last = 0;  // >= first

  friend bool operator==(const PortRange&, const PortRange&) = default;
};

struct ProbeSpec {
  net::Endpoint backend;
  config::HealthKind kind = config::HealthKind::kTcp;
  std::string path = "/";  // kHttp only
  std::chrono::milliseconds timeout{500};
  bool send_proxy_header = false;        // start with the v2 LOCAL header
  std::optional<net::IpAddress> source;  // bind to this local address
  // Bind to a local port of this range (inclusive), skipping ports in use; nullopt: the
  // kernel picks an ephemeral port. dpdk mode needs it: the workers hand only the host port
  // range up to the kernel (pipeline Limits).
  std::optional<PortRange> source_ports;
  std::uint32_t port_offset = 0;  // the search starts at first + port_offset % range size
};

struct ProbeOutcome {
  bool success = false;
  std::string reason;  // "connected", "HTTP 200", "connect: Connection refused", ...
};

// The PROXY v2 header with command LOCAL and no address block, built by the shared codec:
// 0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A 20 00 00 00 (spec proxy-protocol.md, "Health probes").
// Sent for v1 services too: receivers that accept v1 (HAProxy, nginx) detect the version from
// the signature, and v1 has no LOCAL of its own.
std::vector<std::uint8_t> local_proxy_header();

class Probe : public std::enable_shared_from_this<Probe> {
 public:
  using Done = std::function<void(ProbeOutcome)>;

  // Starts the attempt (its first step is posted, so `done` never runs inside start()).
  // `done` is called exactly once, on the io_context's thread, unless cancel() comes first.
  static std::shared_ptr<Probe> start(boost::asio::io_context& io, ProbeSpec spec, Done done);

  // Ends the attempt at once (socket reset, timer cancelled); `done` is then never called.
  void cancel();

  Probe(boost::asio::io_context& io, ProbeSpec spec, Done done);

 private:
  void run();
  // Binds to a free port of spec_.source_ports; false (and the probe finished) when none is.
  bool bind_in_range(const boost::asio::ip::tcp::endpoint& remote);
  void on_connected();
  void read_more();
  void on_received(std::size_t size);
  void finish(bool success, std::string reason);

  ProbeSpec spec_;
  Done done_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  const char* phase_ = "connecting";  // what the timeout message names
  std::string outgoing_;
  std::string received_;
  std::array<char, 512> chunk_{};
  bool finished_ = false;
};

}  // namespace sluice::health
