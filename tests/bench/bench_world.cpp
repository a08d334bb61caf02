#include "tests/bench/bench_world.hpp"

#include <algorithm>
#include <array>
#include <numeric>
#include <random>
#include <stdexcept>

#include "control/config/load.hpp"
#include "control/datapath/tables_from_config.hpp"

namespace sluice::bench {

namespace {

using namespace segment_flags;

constexpr std::uint16_t kClientPortBase = 10000;
constexpr std::uint32_t kPortsPerClient = 50000;  // 1M flows: clients 198.18.0.1-20
constexpr std::int64_t kSecond = 1'000'000'000;

std::uint16_t vip_port_base(ServiceKind kind) noexcept {
  switch (kind) {
    case ServiceKind::kTcpPlain: return 1000;
    case ServiceKind::kTcpProxy: return 2000;
    case ServiceKind::kUdpProxy: return 3000;
  }
  return 0;
}

std::string service_block(ServiceKind kind, std::uint32_t index) {
  const std::string n = std::to_string(index);
  std::string text = "\n[[services]]\nname = \"" + std::string(service_kind_name(kind)) + n +
                     "\"\nvip = \"10.10.0.100\"\nport = " +
                     std::to_string(vip_port_base(kind) + index) + "\nprotocol = \"" +
                     (kind == ServiceKind::kUdpProxy ? "udp" : "tcp") +
                     "\"\nscheduler = \"maglev\"\nsnat = [\"10.21." + n + ".1\"]\n";
  if (kind == ServiceKind::kTcpProxy) {
    text += "\n[services.proxy_protocol]\nversion = 2\nsend = \"on-connect\"\n";
  } else if (kind == ServiceKind::kUdpProxy) {
    text += "\n[services.proxy_protocol]\nversion = 2\nudp = \"every-datagram\"\n";
  }
  for (int backend = 2; backend <= 5; ++backend) {
    text += "\n[[services.backends]]\naddress = \"10.20.0." + std::to_string(backend) +
            "\"\nport = 8080\nweight = 1\n";
  }
  return text;
}

void expect_forward(const pipeline::Verdict& verdict, const char* what) {
  if (verdict.action != pipeline::Action::kForward) {
    throw std::runtime_error(std::string("establishing flows: ") + what + ": " +
                             pipeline::verdict_name(verdict));
  }
}

}  // namespace

std::string_view service_kind_name(ServiceKind kind) noexcept {
  switch (kind) {
    case ServiceKind::kTcpPlain: return "tcp_plain";
    case ServiceKind::kTcpProxy: return "tcp_proxy";
    case ServiceKind::kUdpProxy: return "udp_proxy";
  }
  return "?";
}

std::string lab_config_toml() {
  // The fixture lab (tests/fixtures/README.md), grown for a million flows: clients are a
  // routed RFC 2544 benchmarking prefix behind 10.10.0.2, four backends per service (maglev),
  // and one SNAT address per service on its own subnet of the back link.
  std::string text = R"(# sluice benchmark lab (tests/bench, docs/performance.md)
[appliance]
mode = "dpdk"
log_level = "info"

[dpdk]
workers = 1

[console]
listen = ""

[conntrack]
max_entries = 1048576
tcp_syn_timeout_s = 1
tcp_established_timeout_s = 7200
tcp_closing_timeout_s = 1
udp_timeout_s = 3600

[[interfaces]]
name = "front"
dpdk = "net_ring0"
kernel = "bench-front"
addresses = ["10.10.0.1/24"]
mtu = 1500

[[interfaces]]
name = "back"
dpdk = "net_ring1"
kernel = "bench-back"
addresses = ["10.20.0.1/24")";
  for (std::uint32_t s = 0; s < kServicesPerKind; ++s) {
    text += ", \"10.21." + std::to_string(s) + ".1/24\"";
  }
  text += R"(]
mtu = 1500

[[routes]]
prefix = "198.18.0.0/15"
via = "10.10.0.2"

[[neighbors]]
address = "10.10.0.2"
mac = "02:00:00:00:01:02"
interface = "front"
)";
  for (int backend = 2; backend <= 5; ++backend) {
    text += "\n[[neighbors]]\naddress = \"10.20.0." + std::to_string(backend) +
            "\"\nmac = \"02:00:00:00:02:02\"\ninterface = \"back\"\n";
  }
  for (const ServiceKind kind :
       {ServiceKind::kTcpPlain, ServiceKind::kTcpProxy, ServiceKind::kUdpProxy}) {
    for (std::uint32_t s = 0; s < kServicesPerKind; ++s) text += service_block(kind, s);
  }
  return text;
}

net::Endpoint client_of(std::uint32_t index) {
  const std::uint32_t host = 1 + index / kPortsPerClient;  // 198.18.0.0/15 has room for all
  const std::array<std::uint8_t, 4> address{198, static_cast<std::uint8_t>(18 + (host >> 16)),
                                            static_cast<std::uint8_t>(host >> 8),
                                            static_cast<std::uint8_t>(host)};
  return {net::IpAddress::v4(address),
          static_cast<std::uint16_t>(kClientPortBase + index % kPortsPerClient)};
}

net::Endpoint vip_of(ServiceKind kind, std::uint32_t index) {
  return {net::IpAddress::v4({10, 10, 0, 100}),
          static_cast<std::uint16_t>(vip_port_base(kind) + index % kServicesPerKind)};
}

Appliance::Appliance(pipeline::FrameIo* worker_io) : io(/*rx_slots=*/512, /*tx_buffers=*/4096) {
  const auto loaded = config::parse_config(lab_config_toml(), "bench-lab.toml");
  if (!loaded.ok()) {
    throw std::runtime_error("lab config: " + loaded.diagnostics().front().to_string());
  }
  const LabMacs macs = LabMacs::standard();
  const std::array<net::MacAddress, 2> port_macs{macs.front, macs.back};
  worker = std::make_unique<pipeline::Worker>(
      datapath::tables_from_config(*loaded.config(), port_macs),
      worker_io != nullptr ? *worker_io : static_cast<pipeline::FrameIo&>(io),
      pipeline::WorkerOptions{});
}

void FrameTemplates::add(const std::vector<std::uint8_t>& frame) {
  if (frame.size() > kStride) throw std::invalid_argument("template larger than its stride");
  if (size() == 0) length_ = static_cast<std::uint32_t>(frame.size());
  if (frame.size() != length_) throw std::invalid_argument("templates differ in length");
  const std::size_t at = bytes_.size();
  bytes_.resize(at + kStride);
  std::copy(frame.begin(), frame.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(at));
}

pipeline::Verdict feed(Appliance& appliance, std::span<const std::uint8_t> bytes,
                       pipeline::PortId port, std::int64_t now_ns, ForwardedPacket* out) {
  pipeline::Frame frame = appliance.io.receive(bytes);
  const pipeline::Verdict verdict = appliance.worker->process(frame, port, now_ns);
  if (out != nullptr && verdict.action == pipeline::Action::kForward) {
    *out = read_forwarded(frame);
  }
  return verdict;
}

EstablishedWorld::EstablishedWorld(ServiceKind kind, std::uint32_t flow_count,
                                   pipeline::FrameIo* worker_io)
    : appliance_(worker_io), flow_count_(flow_count), now_ns_(kSecond) {
  std::vector<std::uint32_t> order(flow_count);
  std::iota(order.begin(), order.end(), 0u);
  std::shuffle(order.begin(), order.end(), std::mt19937(0x5eed));
  client_frames_.reserve(flow_count);
  backend_frames_.reserve(flow_count);

  for (const std::uint32_t index : order) {
    const net::Endpoint client = client_of(index);
    const net::Endpoint vip = vip_of(kind, index);
    ForwardedPacket opened;
    std::vector<std::uint8_t> client_steady;
    std::vector<std::uint8_t> backend_steady;
    if (kind == ServiceKind::kUdpProxy) {
      client_steady = udp_frame(client, vip, kRequestBytes, true);
      expect_forward(feed(appliance_, client_steady, kFrontPort, now_ns_, &opened),
                     "first datagram");
      // opened.destination is the backend maglev chose, opened.source our SNAT endpoint.
      backend_steady = udp_frame(opened.destination, opened.source, kRequestBytes, false);
      expect_forward(feed(appliance_, backend_steady, kBackPort, now_ns_), "answer");
    } else {
      expect_forward(feed(appliance_, tcp_frame({client, vip, kClientIsn, TcpSeq{0}, kSyn, 0},
                                                true),
                          kFrontPort, now_ns_, &opened),
                     "SYN");
      const net::Endpoint backend = opened.destination;
      const net::Endpoint local = opened.source;
      expect_forward(
          feed(appliance_,
               tcp_frame({backend, local, kBackendIsn, kClientIsn + 1, kSynAck, 0},
                         false),
               kBackPort, now_ns_),
          "SYN-ACK");
      ForwardedPacket handshake;
      expect_forward(
          feed(appliance_,
               tcp_frame({client, vip, kClientIsn + 1, kBackendIsn + 1, kAck, 0}, true),
               kFrontPort, now_ns_, &handshake),
          "handshake ACK");
      const std::uint32_t header_length = handshake.payload_length;  // 0 without PROXY
      if (header_length > 0) {
        expect_forward(feed(appliance_,
                            tcp_frame({backend, local, kBackendIsn + 1,
                                       kClientIsn + 1 + header_length, kAck, 0},
                                      false),
                            kBackPort, now_ns_),
                       "backend ACK of the header");
      }
      client_steady = tcp_frame({client, vip, kClientIsn + 1, kBackendIsn + 1,
                                 kPshAck, kRequestBytes},
                                true);
      expect_forward(feed(appliance_, client_steady, kFrontPort, now_ns_), "request");
      backend_steady = tcp_frame({backend, local, kBackendIsn + 1,
                                  kClientIsn + 1 + header_length + kRequestBytes, kAck, 0},
                                 false);
      expect_forward(feed(appliance_, backend_steady, kBackPort, now_ns_), "backend ACK");
    }
    client_frames_.add(client_steady);
    backend_frames_.add(backend_steady);
  }
  if (worker().flow_count() != flow_count) throw std::runtime_error("flow count mismatch");
  // Let every flow's SYN-state timer fire and re-arm for the established timeout now, so no
  // timer is due while a benchmark runs.
  now_ns_ += 2 * kSecond;
  worker().advance(now_ns_);
  if (worker().flow_count() != flow_count) throw std::runtime_error("flows expired in setup");
}

}  // namespace sluice::bench
