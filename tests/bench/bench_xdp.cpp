// The XDP program's cost per packet under BPF_PROG_TEST_RUN (issue 7): the kernel times the
// program's run on a frame and reports the duration. No NIC, no attach (the program is loaded
// with "lo" as its port), one CPU (pinned to 0), the maps filled from a small config.
//
// Why not `repeat`: for XDP the kernel does not restore the frame between repetitions, so the
// second run sees the first run's rewritten frame (NATed towards the backend: not for us, and
// passed). Each measurement is therefore one run on a fresh copy (repeat = 1), and the figure
// is the median of many; it includes the kernel's timer reads around the run (tens of ns).
//
// Kinds (as the pipeline benchmarks): established plain TCP client->backend and back,
// established TCP of a PROXY v2 service both ways (sequence translation), UDP with a header
// per datagram. Not measured here: new flows and header insertion (a repeated SYN or
// handshake ACK is a retransmission of an existing flow after the first run).
//
// Output: one JSON object per line {"kind","ns_per_packet","min","max","rounds"}: the median
// of `rounds` single runs. Needs root (BPF). Usage: bench_xdp [ROUNDS]
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <sched.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "control/config/load.hpp"
#include "control/datapath/tables_from_config.hpp"
#include "dataplane/xdp/xdp_datapath.hpp"
#include "tests/unit/packet/frame_builder.hpp"

namespace {

using namespace sluice;
namespace pt = packet::testing;

constexpr const char* kDevice = "lo";

const char* const kConfig = R"(
[appliance]
mode = "xdp"
[[interfaces]]
name = "bench"
kernel = "lo"
addresses = ["10.99.0.1/24"]
[[neighbors]]
address = "10.99.0.50"
mac = "02:00:00:00:99:50"
interface = "bench"
[[neighbors]]
address = "10.99.0.2"
mac = "02:00:00:00:99:02"
interface = "bench"
[[services]]
name = "plain"
vip = "10.99.0.100"
port = 81
[[services.backends]]
address = "10.99.0.2"
port = 8081
[[services]]
name = "proxied"
vip = "10.99.0.100"
port = 80
[services.proxy_protocol]
version = 2
[[services.backends]]
address = "10.99.0.2"
port = 8080
[[services]]
name = "dns"
vip = "10.99.0.100"
port = 53
protocol = "udp"
[services.proxy_protocol]
version = 2
[[services.backends]]
address = "10.99.0.2"
port = 5353
)";

struct Run {
  std::uint32_t action = 0;
  std::uint32_t duration_ns = 0;
  pt::Bytes frame;
};

Run run(const xdp::XdpDatapath& datapath, const pt::Bytes& frame, std::uint32_t repeat);

// A handshake step: must be forwarded, or the measured segments would not be established.
void step(const xdp::XdpDatapath& datapath, const char* what, const pt::Bytes& frame) {
  const Run result = run(datapath, frame, 1);
  if (result.action != XDP_TX && result.action != XDP_REDIRECT) {
    const sl_xdp_last_verdict verdict = datapath.last_verdict(0);
    throw std::runtime_error(std::string(what) + ": not forwarded (action " +
                             std::to_string(result.action) + ", verdict " +
                             std::to_string(verdict.kind) + " reason " +
                             std::to_string(verdict.reason) + ")");
  }
}

Run run(const xdp::XdpDatapath& datapath, const pt::Bytes& frame, std::uint32_t repeat) {
  Run result;
  pt::Bytes out(frame.size() + 512);
  xdp_md ctx{};
  ctx.ingress_ifindex = if_nametoindex(kDevice);
  ctx.data_end = static_cast<__u32>(frame.size());
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
              .data_size_in = static_cast<__u32>(frame.size()),
              .data_size_out = static_cast<__u32>(out.size()), .ctx_in = &ctx,
              .ctx_size_in = sizeof ctx, .repeat = static_cast<int>(repeat));
  if (bpf_prog_test_run_opts(datapath.program_fd(), &opts) != 0) {
    throw std::runtime_error("BPF_PROG_TEST_RUN failed (root needed)");
  }
  result.action = opts.retval;
  result.duration_ns = opts.duration;
  out.resize(opts.data_size_out);
  result.frame = std::move(out);
  return result;
}

pt::Bytes tcp(const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport,
              std::uint8_t flags, std::uint32_t seq, std::uint32_t ack, std::size_t payload = 0) {
  pt::Ipv4Spec l3;
  l3.src = pt::ip(src);
  l3.dst = pt::ip(dst);
  pt::TcpSpec l4;
  l4.src_port = sport;
  l4.dst_port = dport;
  l4.flags = flags;
  l4.seq = seq;
  l4.ack = ack;
  if (flags & 0x02) l4.options = pt::mss_option(1460);
  l4.payload.assign(payload, 0x61);
  return pt::build_frame(pt::EthernetSpec{}, l3, l4);
}

pt::Bytes udp(const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport) {
  pt::Ipv4Spec l3;
  l3.src = pt::ip(src);
  l3.dst = pt::ip(dst);
  pt::UdpSpec l4;
  l4.src_port = sport;
  l4.dst_port = dport;
  l4.payload.assign(64, 0x62);
  return pt::build_frame(pt::EthernetSpec{}, l3, l4);
}

std::uint16_t snat_port_of(const xdp::XdpDatapath& datapath, std::uint16_t vip_port,
                           std::uint16_t client_port) {
  for (const xdp::FlowInfo& flow : datapath.flows()) {
    if (flow.vip.port == vip_port && flow.client.port == client_port) return flow.snat.port;
  }
  throw std::runtime_error("the handshake created no flow");
}

void report(const xdp::XdpDatapath& datapath, const char* kind, const pt::Bytes& frame,
            int rounds) {
  constexpr std::uint32_t repeat = 1;
  std::vector<std::uint32_t> durations;
  for (int r = 0; r < rounds; ++r) {
    const Run result = run(datapath, frame, repeat);
    if (result.action != XDP_TX && result.action != XDP_REDIRECT) {
      const sl_xdp_last_verdict verdict = datapath.last_verdict(0);
      throw std::runtime_error(std::string(kind) + ": not forwarded (action " +
                               std::to_string(result.action) + ", verdict " +
                               std::to_string(verdict.kind) + " reason " +
                               std::to_string(verdict.reason) + ")");
    }
    durations.push_back(result.duration_ns);
  }
  std::sort(durations.begin(), durations.end());
  std::printf("{\"kind\":\"%s\",\"ns_per_packet\":%u,\"min\":%u,\"max\":%u,\"rounds\":%d}\n",
              kind, durations[durations.size() / 2], durations.front(), durations.back(),
              rounds);
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = std::max(1, argc > 1 ? std::atoi(argv[1]) : 2001);
  try {
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    CPU_SET(0, &cpus);
    sched_setaffinity(0, sizeof cpus, &cpus);  // the per-CPU maps: one CPU's share

    xdp::DatapathSettings settings;
    settings.interfaces.push_back({"bench", kDevice});
    xdp::XdpDatapath datapath(settings);
    auto loaded = config::parse_config(kConfig, "bench_xdp.toml");
    if (!loaded.ok()) throw std::runtime_error(loaded.diagnostics().front().to_string());
    xdp::LoadOptions options;
    options.attach = false;
    datapath.start(datapath::tables_from_config(*loaded.config(), datapath.port_macs()), 1,
                   options);

    // Plain TCP: handshake, then the established segments both ways.
    step(datapath, "plain SYN", tcp("10.99.0.50", 40000, "10.99.0.100", 81, 0x02, 1000, 0));
    const std::uint16_t plain_port = snat_port_of(datapath, 81, 40000);
    step(datapath, "plain SYN-ACK", tcp("10.99.0.2", 8081, "10.99.0.1", plain_port, 0x12, 5000, 1001));
    step(datapath, "plain ACK", tcp("10.99.0.50", 40000, "10.99.0.100", 81, 0x10, 1001, 5001));
    report(datapath, "tcp_established_client_to_backend",
           tcp("10.99.0.50", 40000, "10.99.0.100", 81, 0x10, 1001, 5001, 64), rounds);
    report(datapath, "tcp_established_backend_to_client",
           tcp("10.99.0.2", 8081, "10.99.0.1", plain_port, 0x10, 5001, 1065, 64), rounds);

    // A PROXY v2 service: the handshake ACK grows into the header segment (28 bytes for IPv4
    // without TLVs); the backend acknowledges it; then established segments are translated.
    step(datapath, "proxy SYN", tcp("10.99.0.50", 40001, "10.99.0.100", 80, 0x02, 2000, 0));
    const std::uint16_t proxy_port = snat_port_of(datapath, 80, 40001);
    step(datapath, "proxy SYN-ACK", tcp("10.99.0.2", 8080, "10.99.0.1", proxy_port, 0x12, 7000, 2001));
    step(datapath, "proxy handshake ACK", tcp("10.99.0.50", 40001, "10.99.0.100", 80, 0x10, 2001, 7001));
    step(datapath, "proxy header ACK", tcp("10.99.0.2", 8080, "10.99.0.1", proxy_port, 0x10, 7001, 2001 + 28));
    report(datapath, "tcp_proxy_established_client_to_backend",
           tcp("10.99.0.50", 40001, "10.99.0.100", 80, 0x10, 2001, 7001, 64), rounds);
    report(datapath, "tcp_proxy_established_backend_to_client",
           tcp("10.99.0.2", 8080, "10.99.0.1", proxy_port, 0x10, 7001, 2001 + 28 + 64, 64),
           rounds);

    // UDP with a header on every datagram (the flow exists after the first run).
    step(datapath, "first datagram", udp("10.99.0.50", 41000, "10.99.0.100", 53));
    report(datapath, "udp_header_every_datagram", udp("10.99.0.50", 41000, "10.99.0.100", 53),
           rounds);
    datapath.stop();
  } catch (const std::exception& error) {
    std::cerr << "bench_xdp: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
