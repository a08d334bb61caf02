// The XDP program's cost per packet under BPF_PROG_TEST_RUN (issue 7): the kernel times the
// program's run on a frame and reports the duration. No NIC, no attach (the program is loaded
// with "lo" as its port), one CPU (pinned to 0), the maps filled from a small config.
//
// Why not `repeat`: for XDP the kernel does not restore the frame between repetitions, so the
// second run sees the first run's rewritten frame (NATed towards the backend: not for us, and
// passed). Each measurement is therefore one run on a fresh copy (repeat = 1), and the figure
// is the median of many; it includes the kernel's timer reads around the run (tens of ns).
//
// Kinds, as the pipeline benchmarks:
//   established (the same frame of one established flow, every round): plain TCP
//     client->backend and back, TCP of a PROXY v2 service both ways (sequence translation),
//     UDP with a header per datagram;
//   per flow (every round opens a flow of its own, distinct client ports; only the last step is
//     timed, what comes before runs through the program untimed):
//     new flows: a client SYN (service lookup, backend pick, SNAT port, both conntrack
//       entries), plain and PROXY services; flows/s = 1e9 / median;
//     handshake ACK: plain (translated only), and on an on-connect PROXY service, where the
//       header (H = 28 bytes, IPv4 without TLVs) is grown into it;
//     first data segment: a plain flow's, and on a with-data PROXY service, where it grows by H.
//   A grown frame is checked to be exactly H bytes longer than the one sent.
//
// Output: one JSON object per line {"kind","method","ns_per_packet","min","max","rounds"}
// (+ "grown_bytes" where the frame grows): the median of `rounds` single runs. Needs root (BPF).
// Usage: bench_xdp [ROUNDS]
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
name = "proxied-with-data"
vip = "10.99.0.100"
port = 82
[services.proxy_protocol]
version = 2
send = "with-data"
[[services.backends]]
address = "10.99.0.2"
port = 8082
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

// A timed run: forwarded, or the figure would be that of a drop path.
Run timed(const xdp::XdpDatapath& datapath, const char* kind, const pt::Bytes& frame) {
  Run result = run(datapath, frame, 1);
  if (result.action != XDP_TX && result.action != XDP_REDIRECT) {
    const sl_xdp_last_verdict verdict = datapath.last_verdict(0);
    throw std::runtime_error(std::string(kind) + ": not forwarded (action " +
                             std::to_string(result.action) + ", verdict " +
                             std::to_string(verdict.kind) + " reason " +
                             std::to_string(verdict.reason) + ")");
  }
  return result;
}

void print(const char* kind, const char* method, std::vector<std::uint32_t> durations,
           int grown_bytes = -1) {
  std::sort(durations.begin(), durations.end());
  std::printf("{\"kind\":\"%s\",\"method\":\"%s\",\"ns_per_packet\":%u,\"min\":%u,"
              "\"max\":%u,\"rounds\":%zu",
              kind, method, durations[durations.size() / 2], durations.front(), durations.back(),
              durations.size());
  if (grown_bytes >= 0) std::printf(",\"grown_bytes\":%d", grown_bytes);
  std::printf("}\n");
  std::fflush(stdout);
}

// The same frame of one established flow, `rounds` times.
void report(const xdp::XdpDatapath& datapath, const char* kind, const pt::Bytes& frame,
            int rounds) {
  std::vector<std::uint32_t> durations;
  for (int r = 0; r < rounds; ++r) durations.push_back(timed(datapath, kind, frame).duration_ns);
  print(kind, "same_flow", std::move(durations));
}

// The TCP source port of a forwarded IPv4 frame: for a client SYN, the SNAT port chosen.
std::uint16_t tcp_source_port(const pt::Bytes& frame) {
  constexpr std::size_t kL3 = 14;  // no VLAN tag in these frames
  if (frame.size() < kL3 + 20) throw std::runtime_error("forwarded frame too short");
  const std::size_t l4 = kL3 + std::size_t{frame[kL3] & 0x0Fu} * 4;
  if (frame.size() < l4 + 20) throw std::runtime_error("forwarded frame too short");
  return pt::be16(frame, l4);
}

// What one per-flow round times: the SYN, the handshake ACK, or the first data segment.
enum class Timed { kSyn, kHandshakeAck, kFirstData };

// `rounds` flows of their own to one service (client ports first_port, first_port + 1, ...):
// the handshake runs through the program untimed up to the step that is timed. expect_growth:
// the timed frame must come out exactly that many bytes longer (0: unchanged length).
void report_per_flow(const xdp::XdpDatapath& datapath, const char* kind, std::uint16_t vip_port,
                     std::uint16_t backend_port, std::uint16_t first_port, Timed what,
                     int expect_growth, int rounds) {
  constexpr std::uint32_t kClientIsn = 1000;
  constexpr std::uint32_t kBackendIsn = 5000;
  constexpr std::size_t kData = 64;
  std::vector<std::uint32_t> durations;
  for (int r = 0; r < rounds; ++r) {
    const auto port = static_cast<std::uint16_t>(first_port + r);
    const pt::Bytes syn = tcp("10.99.0.50", port, "10.99.0.100", vip_port, 0x02, kClientIsn, 0);
    const Run opened = timed(datapath, kind, syn);
    pt::Bytes measured = syn;
    Run result = opened;
    if (what != Timed::kSyn) {
      const std::uint16_t snat_port = tcp_source_port(opened.frame);
      step(datapath, "SYN-ACK",
           tcp("10.99.0.2", backend_port, "10.99.0.1", snat_port, 0x12, kBackendIsn,
               kClientIsn + 1));
      const pt::Bytes ack =
          tcp("10.99.0.50", port, "10.99.0.100", vip_port, 0x10, kClientIsn + 1, kBackendIsn + 1);
      measured = what == Timed::kHandshakeAck
                     ? ack
                     : tcp("10.99.0.50", port, "10.99.0.100", vip_port, 0x18, kClientIsn + 1,
                           kBackendIsn + 1, kData);
      if (what == Timed::kFirstData) step(datapath, "handshake ACK", ack);
      result = timed(datapath, kind, measured);
    }
    const auto growth =
        static_cast<long>(result.frame.size()) - static_cast<long>(measured.size());
    if (growth != expect_growth) {
      throw std::runtime_error(std::string(kind) + ": the frame grew by " +
                               std::to_string(growth) + " bytes, expected " +
                               std::to_string(expect_growth));
    }
    durations.push_back(result.duration_ns);
  }
  print(kind, "fresh_flow", std::move(durations), expect_growth > 0 ? expect_growth : -1);
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

    // Per flow: new flows, and the segment that carries the header against its plain twin.
    // H = 28: a v2 header of an IPv4 TCP connection without TLVs (16 fixed + 12 addresses).
    constexpr int kHeader = 28;
    const int flows = std::min(rounds, 3000);  // client port ranges 3000 apart
    report_per_flow(datapath, "tcp_new_flow_syn", 81, 8081, 10000, Timed::kSyn, 0, flows);
    report_per_flow(datapath, "tcp_proxy_new_flow_syn", 80, 8080, 13000, Timed::kSyn, 0, flows);
    report_per_flow(datapath, "tcp_handshake_ack", 81, 8081, 16000, Timed::kHandshakeAck, 0,
                    flows);
    report_per_flow(datapath, "tcp_proxy_handshake_ack_grown", 80, 8080, 19000,
                    Timed::kHandshakeAck, kHeader, flows);
    report_per_flow(datapath, "tcp_first_data", 81, 8081, 22000, Timed::kFirstData, 0, flows);
    report_per_flow(datapath, "tcp_proxy_first_data_grown", 82, 8082, 25000, Timed::kFirstData,
                    kHeader, flows);

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
