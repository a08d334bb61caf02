// The XDP datapath's life on a real kernel device: the verifier accepts the program with room
// under its limit (the count is printed), it attaches to the interface's kernel device, stop()
// detaches it, a process that dies without stop() leaves nothing attached (BPF links), and a
// stale netlink attachment of an older run is replaced at start, and the header timer resends a
// lost header out of the device. Root, in a private network
// namespace with a veth pair (fails loudly without root).
#include <gtest/gtest.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "control/config/load.hpp"
#include "control/datapath/tables_from_config.hpp"
#include "dataplane/xdp/header_timer_runner.hpp"
#include "dataplane/xdp/kernel_neighbor.hpp"
#include "dataplane/xdp/xdp_datapath.hpp"
#include "tests/unit/packet/frame_builder.hpp"

namespace sluice::testing {
namespace {

constexpr const char* kDevice = "slx-life";

// The appliance's side of every config here: one interface, static neighbours for the client
// and both backends.
const std::string kFront = R"(
[appliance]
mode = "xdp"

[[interfaces]]
name = "front"
kernel = "slx-life"
addresses = ["10.99.0.1/24"]

[[neighbors]]
address = "10.99.0.50"
mac = "02:00:00:00:99:50"
interface = "front"

[[neighbors]]
address = "10.99.0.2"
mac = "02:00:00:00:99:02"
interface = "front"

[[neighbors]]
address = "10.99.0.3"
mac = "02:00:00:00:99:03"
interface = "front"
)";

const std::string kConfig = kFront + R"(
[[services]]
name = "web"
vip = "10.99.0.100"
port = 80
protocol = "tcp"

[services.proxy_protocol]
version = 2

[[services.backends]]
address = "10.99.0.2"
port = 8080
)";

xdp::DatapathSettings settings() {
  xdp::DatapathSettings s;
  s.interfaces.push_back({"front", kDevice});
  return s;
}

std::shared_ptr<const pipeline::Tables> tables(const xdp::XdpDatapath& datapath, const std::string& text = kConfig) {
  auto loaded = config::parse_config(text, "lifecycle.toml");
  if (!loaded.ok()) {
    for (const auto& d : loaded.diagnostics()) std::cerr << d.to_string() << "\n";
    throw std::runtime_error("lifecycle config does not load");
  }
  return datapath::tables_from_config(*loaded.config(), datapath.port_macs());
}

// The id of the XDP program attached to the device (native or generic), 0 when none.
std::uint32_t attached_id() {
  const int ifindex = static_cast<int>(if_nametoindex(kDevice));
  std::uint32_t id = 0;
  for (const int mode : {XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE}) {
    __u32 prog = 0;
    if (bpf_xdp_query_id(ifindex, mode, &prog) == 0 && prog != 0) id = prog;
  }
  return id;
}

TEST(XdpLifecycle, VerifierAcceptsTheProgramWithRoom) {
  xdp::XdpDatapath datapath(settings());
  xdp::LoadOptions options;
  options.attach = false;
  datapath.start(tables(datapath), 1, options);
  bpf_prog_info info{};
  __u32 length = sizeof info;
  ASSERT_EQ(bpf_obj_get_info_by_fd(datapath.program_fd(), &info, &length), 0);
  std::cout << "[ verifier ] sluice_xdp: " << info.verified_insns << " instructions verified (limit 1000000), "
            << info.xlated_prog_len / 8 << " translated\n";
  // Room: at most half the complexity limit, so that the next features still fit.
  EXPECT_GT(info.verified_insns, 0u);
  EXPECT_LT(info.verified_insns, 500000u);
}

TEST(XdpLifecycle, AttachesAndStopDetaches) {
  ASSERT_EQ(attached_id(), 0u);
  xdp::XdpDatapath datapath(settings());
  datapath.start(tables(datapath), 1);
  EXPECT_NE(attached_id(), 0u);
  datapath.stop();
  EXPECT_EQ(attached_id(), 0u);
}

TEST(XdpLifecycle, GenericModeAttaches) {
  auto s = settings();
  s.mode = xdp::AttachMode::kGeneric;
  xdp::XdpDatapath datapath(s);
  datapath.start(tables(datapath), 1);
  __u32 prog = 0;
  ASSERT_EQ(bpf_xdp_query_id(static_cast<int>(if_nametoindex(kDevice)), XDP_FLAGS_SKB_MODE, &prog), 0);
  EXPECT_NE(prog, 0u);
  datapath.stop();
  EXPECT_EQ(attached_id(), 0u);
}

TEST(XdpLifecycle, ACrashedProcessLeavesNothingAttached) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      xdp::XdpDatapath datapath(settings());
      datapath.start(tables(datapath), 1);
      if (attached_id() == 0) _exit(3);
    } catch (...) {
      _exit(2);
    }
    raise(SIGKILL);  // no destructor, no stop(): what a crash looks like
    _exit(4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child did not get as far as attaching (exit " << WEXITSTATUS(status) << ")";
  // The kernel releases the link with the process's last file descriptor.
  EXPECT_EQ(attached_id(), 0u);
}

TEST(XdpLifecycle, StaleNetlinkAttachmentIsReplaced) {
  // An older run's program attached the netlink way (it outlives its process).
  xdp::XdpDatapath old_run(settings());
  xdp::LoadOptions options;
  options.attach = false;
  old_run.start(tables(old_run), 1, options);
  const int ifindex = static_cast<int>(if_nametoindex(kDevice));
  ASSERT_EQ(bpf_xdp_attach(ifindex, old_run.program_fd(), XDP_FLAGS_SKB_MODE, nullptr), 0);
  const std::uint32_t stale = attached_id();
  ASSERT_NE(stale, 0u);
  old_run.stop();
  ASSERT_EQ(attached_id(), stale) << "a netlink attachment survives its loader";

  xdp::XdpDatapath datapath(settings());
  datapath.start(tables(datapath), 1);
  const std::uint32_t now = attached_id();
  EXPECT_NE(now, 0u);
  EXPECT_NE(now, stale);
  datapath.stop();
  EXPECT_EQ(attached_id(), 0u);
}

// The per-CPU maps (verdict, counters, cursors) are read for CPU 0: run the program there.
bool pin_to_cpu0() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  CPU_SET(0, &cpus);
  return sched_setaffinity(0, sizeof cpus, &cpus) == 0;
}

struct RunResult {
  std::uint32_t action = 0;
  sl_xdp_last_verdict verdict{};
  packet::testing::Bytes frame;
};

RunResult run(xdp::XdpDatapath& datapath, const packet::testing::Bytes& frame) {
  RunResult result;
  packet::testing::Bytes out(frame.size() + 512);
  xdp_md ctx{};
  ctx.ingress_ifindex = if_nametoindex(kDevice);
  ctx.data_end = static_cast<__u32>(frame.size());
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
              .data_size_in = static_cast<__u32>(frame.size()), .data_size_out = static_cast<__u32>(out.size()),
              .ctx_in = &ctx, .ctx_size_in = sizeof ctx, .repeat = 1);
  if (bpf_prog_test_run_opts(datapath.program_fd(), &opts) != 0) throw std::runtime_error("BPF_PROG_TEST_RUN failed");
  result.action = opts.retval;
  result.verdict = datapath.last_verdict(0);  // the test pins itself to CPU 0
  out.resize(opts.data_size_out);
  result.frame = out;
  return result;
}

packet::testing::Bytes tcp_frame(const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport,
                                 std::uint8_t flags, std::uint32_t seq, std::uint32_t ack) {
  using namespace packet::testing;
  Ipv4Spec l3;
  l3.src = ip(src);
  l3.dst = ip(dst);
  TcpSpec l4;
  l4.src_port = sport;
  l4.dst_port = dport;
  l4.flags = flags;
  l4.seq = seq;
  l4.ack = ack;
  if (flags & 0x02) l4.options = mss_option(1460);
  return build_frame(EthernetSpec{}, l3, l4);
}

std::string destination(const packet::testing::Bytes& frame) {
  return net::IpAddress::from_bytes(net::Family::kIpv4, frame.data() + 30).to_string();
}

// A reload that replaces the service's backend: the established flow keeps its backend and
// SNAT port (the backend's answer still reaches the client), new flows go to the new backend.
TEST(XdpLifecycle, ReloadKeepsFlowsAndSteersNewOnes) {
  ASSERT_TRUE(pin_to_cpu0());
  xdp::XdpDatapath datapath(settings());
  xdp::LoadOptions options;
  options.attach = false;
  datapath.start(tables(datapath), 1, options);

  const RunResult syn = run(datapath, tcp_frame("10.99.0.50", 40000, "10.99.0.100", 80, 0x02, 1000, 0));
  ASSERT_EQ(syn.verdict.kind, SL_VERDICT_FORWARD);
  EXPECT_EQ(destination(syn.frame), "10.99.0.2");
  EXPECT_TRUE(packet::testing::reference_l4_ok(syn.frame, 14, 34, syn.frame.size(), 6));
  ASSERT_EQ(datapath.flows().size(), 1u);
  const std::uint16_t snat_port = datapath.flows()[0].snat.port;

  std::string reloaded = kConfig;
  reloaded.replace(reloaded.find("10.99.0.2\"\nport = 8080"), 9, "10.99.0.3");
  datapath.update(tables(datapath, reloaded));
  ASSERT_EQ(datapath.flows().size(), 1u) << "a reload drops no flow";

  const RunResult synack = run(datapath, tcp_frame("10.99.0.2", 8080, "10.99.0.1", snat_port, 0x12, 5000, 1001));
  EXPECT_EQ(synack.verdict.kind, SL_VERDICT_FORWARD);
  EXPECT_EQ(destination(synack.frame), "10.99.0.50");
  EXPECT_TRUE(packet::testing::reference_l4_ok(synack.frame, 14, 34, synack.frame.size(), 6));

  const RunResult second = run(datapath, tcp_frame("10.99.0.50", 40001, "10.99.0.100", 80, 0x02, 7000, 0));
  ASSERT_EQ(second.verdict.kind, SL_VERDICT_FORWARD);
  EXPECT_EQ(destination(second.frame), "10.99.0.3");
  EXPECT_EQ(datapath.flows().size(), 2u);
  datapath.flush();
  EXPECT_EQ(datapath.flows().size(), 0u);
}

// A backend without a static neighbour: the SYN becomes an ARP request for it, the ARP reply
// is learnt, and the client's SYN retransmission then goes out with the backend's MAC.
TEST(XdpLifecycle, UnknownNeighbourIsSolicitedThenLearnt) {
  ASSERT_TRUE(pin_to_cpu0());
  xdp::XdpDatapath datapath(settings());
  xdp::LoadOptions options;
  options.attach = false;
  std::string text = kConfig;
  text.replace(text.find("10.99.0.2\"\nport = 8080"), 9, "10.99.0.4");
  datapath.start(tables(datapath, text), 1, options);

  const auto syn = tcp_frame("10.99.0.50", 40000, "10.99.0.100", 80, 0x02, 1000, 0);
  const RunResult first = run(datapath, syn);
  EXPECT_EQ(first.verdict.kind, SL_VERDICT_DROP_PIPELINE);
  EXPECT_EQ(first.verdict.reason, static_cast<std::uint32_t>(SL_PL_NO_NEIGHBOR));
  ASSERT_EQ(first.frame.size(), 42u) << "an ARP request";
  EXPECT_EQ(first.frame[12], 0x08);
  EXPECT_EQ(first.frame[13], 0x06);
  EXPECT_EQ(first.frame[21], 1) << "request";
  EXPECT_EQ(net::IpAddress::from_bytes(net::Family::kIpv4, first.frame.data() + 28).to_string(), "10.99.0.1");
  EXPECT_EQ(net::IpAddress::from_bytes(net::Family::kIpv4, first.frame.data() + 38).to_string(), "10.99.0.4");

  using namespace packet::testing;
  ArpSpec reply;
  reply.operation = 2;
  reply.sender_mac = mac("02:00:00:00:99:04");
  reply.sender_ip = ip("10.99.0.4");
  reply.target_mac = datapath.port_macs()[0];
  reply.target_ip = ip("10.99.0.1");
  const RunResult learnt = run(datapath, build_frame(EthernetSpec{}, reply, std::monostate{}, 18));
  EXPECT_EQ(learnt.action, static_cast<std::uint32_t>(XDP_PASS)) << "replies also go to the kernel";

  const RunResult again = run(datapath, syn);
  ASSERT_EQ(again.verdict.kind, SL_VERDICT_FORWARD);
  EXPECT_EQ(destination(again.frame), "10.99.0.4");
  EXPECT_EQ(net::MacAddress(std::array<std::uint8_t, 6>{again.frame[0], again.frame[1], again.frame[2], again.frame[3],
                                                        again.frame[4], again.frame[5]})
                .to_string(),
            "02:00:00:00:99:04");
}


// least-conn in the program (docs/xdp.md "Schedulers"): the eligible backend with the lowest
// (active + 1) / weight, first on ties, as the C++ scheduler; the loads are the per-backend-slot
// counters the program adds to at flow creation and takes back when a flow is forgotten.
const std::string kLeastConnConfig = kFront + R"(
[[services]]
name = "lc"
vip = "10.99.0.100"
port = 80
protocol = "tcp"
scheduler = "least-conn"

[[services.backends]]
address = "10.99.0.2"
port = 8080
weight = 2

[[services.backends]]
address = "10.99.0.3"
port = 8080
weight = 1
)";

TEST(XdpLifecycle, LeastConnFollowsTheBackendsLoadAndFlushTakesItBack) {
  ASSERT_TRUE(pin_to_cpu0());
  xdp::XdpDatapath datapath(settings());
  xdp::LoadOptions options;
  options.attach = false;
  const auto lc_tables = tables(datapath, kLeastConnConfig);
  datapath.start(lc_tables, 1, options);

  // Weights 2:1: loads (a+1)/w go .2 1/2, .2 2/2 (tie with .3's 1/1: first wins), .3, ...
  std::vector<std::string> picked;
  for (std::uint16_t i = 0; i < 6; ++i) {
    const RunResult syn = run(datapath, tcp_frame("10.99.0.50", static_cast<std::uint16_t>(41000 + i),
                                                  "10.99.0.100", 80, 0x02, 1000, 0));
    ASSERT_EQ(syn.verdict.kind, SL_VERDICT_FORWARD);
    picked.push_back(destination(syn.frame));
  }
  EXPECT_EQ(picked, (std::vector<std::string>{"10.99.0.2", "10.99.0.2", "10.99.0.3", "10.99.0.2",
                                               "10.99.0.2", "10.99.0.3"}));

  // `total` per backend slot, as `show backends` reads it.
  const auto backends = lc_tables->service(0).backends->backends();
  std::vector<std::uint32_t> slots;
  for (const auto& backend : backends) slots.push_back(backend.slot.value);
  EXPECT_EQ(datapath.backend_flow_totals(0, slots), (std::vector<std::uint64_t>{4, 2}));

  // Flushing the service forgets its flows and their load: the next flow starts over at .2;
  // totals are history and stay.
  EXPECT_EQ(datapath.flush_service(0), 6u);
  EXPECT_EQ(datapath.flows().size(), 0u);
  const RunResult after = run(datapath, tcp_frame("10.99.0.50", 42000, "10.99.0.100", 80, 0x02, 1000, 0));
  ASSERT_EQ(after.verdict.kind, SL_VERDICT_FORWARD);
  EXPECT_EQ(destination(after.frame), "10.99.0.2");
  EXPECT_EQ(datapath.backend_flow_totals(0, slots), (std::vector<std::uint64_t>{5, 2}));
}

// The kernel's own connections (health probes in xdp mode) use the host port range: a frame to
// an own address in that range with no flow goes up to the kernel; below it, it is an unknown
// flow and dropped.
TEST(XdpLifecycle, NoFlowFramesToTheHostPortRangeGoUp) {
  ASSERT_TRUE(pin_to_cpu0());
  xdp::XdpDatapath datapath(settings());
  xdp::LoadOptions options;
  options.attach = false;
  datapath.start(tables(datapath), 1, options);

  const RunResult probe_answer = run(datapath, tcp_frame("10.99.0.2", 8080, "10.99.0.1", 64600, 0x12, 5000, 1001));
  EXPECT_EQ(probe_answer.action, static_cast<std::uint32_t>(XDP_PASS));
  EXPECT_EQ(probe_answer.verdict.kind, SL_VERDICT_PASS);
  std::uint64_t host_rx = 0;
  for (const auto& cpu : datapath.snapshot_counters()) host_rx += cpu.host_rx;
  EXPECT_EQ(host_rx, 1u);

  const RunResult stray = run(datapath, tcp_frame("10.99.0.2", 8080, "10.99.0.1", 5000, 0x12, 5000, 1001));
  EXPECT_EQ(stray.action, static_cast<std::uint32_t>(XDP_DROP));
  EXPECT_EQ(stray.verdict.reason, static_cast<std::uint32_t>(SL_PL_UNKNOWN_TCP_FLOW));
}

// RFC 9293 3.10.7.3 in the program (the fixtures pin the bytes): the stale ACK becomes the RST
// (XDP_TX, 54 bytes, RST alone, seq = its ack) and is counted as a stale_ack_to_syn drop and a
// sent frame; after the SYN-ACK a bare ACK of the backend is forwarded again.
TEST(XdpLifecycle, StaleAckBeforeTheSynAckIsResetAndCounted) {
  ASSERT_TRUE(pin_to_cpu0());
  xdp::XdpDatapath datapath(settings());
  xdp::LoadOptions options;
  options.attach = false;
  datapath.start(tables(datapath), 1, options);
  const auto stale_drops = [&datapath] {
    std::uint64_t n = 0;
    for (const auto& cpu : datapath.snapshot_counters()) {
      n += cpu.pipeline_drops[static_cast<std::size_t>(pipeline::PipelineDrop::kStaleAckToSyn)];
    }
    return n;
  };
  const auto tx_packets = [&datapath] {
    std::uint64_t n = 0;
    for (const auto& cpu : datapath.snapshot_counters()) n += cpu.tx_packets;
    return n;
  };

  ASSERT_EQ(run(datapath, tcp_frame("10.99.0.50", 40000, "10.99.0.100", 80, 0x02, 1000, 0)).verdict.kind,
            SL_VERDICT_FORWARD);
  ASSERT_EQ(datapath.flows().size(), 1u);
  const std::uint16_t snat_port = datapath.flows()[0].snat.port;
  const std::uint64_t tx_before = tx_packets();

  const RunResult stale = run(datapath, tcp_frame("10.99.0.2", 8080, "10.99.0.1", snat_port, 0x10, 777, 0x0BAD1001));
  EXPECT_EQ(stale.action, static_cast<std::uint32_t>(XDP_TX));
  EXPECT_EQ(stale.verdict.kind, SL_VERDICT_DROP_PIPELINE);
  EXPECT_EQ(stale.verdict.reason, static_cast<std::uint32_t>(SL_PL_STALE_ACK_TO_SYN));
  ASSERT_EQ(stale.frame.size(), 54u);
  EXPECT_EQ(stale.frame[14 + 20 + 13], 0x04) << "RST alone";
  EXPECT_EQ(packet::testing::be32(stale.frame, 14 + 20 + 4), 0x0BAD1001u) << "seq = SEG.ACK";
  EXPECT_EQ(destination(stale.frame), "10.99.0.2");
  EXPECT_TRUE(packet::testing::reference_l4_ok(stale.frame, 14, 34, stale.frame.size(), 6));
  EXPECT_EQ(stale_drops(), 1u);
  EXPECT_EQ(tx_packets(), tx_before + 1);

  EXPECT_EQ(run(datapath, tcp_frame("10.99.0.2", 8080, "10.99.0.1", snat_port, 0x12, 5000, 1001)).verdict.kind,
            SL_VERDICT_FORWARD);
  EXPECT_EQ(run(datapath, tcp_frame("10.99.0.2", 8080, "10.99.0.1", snat_port, 0x10, 5001, 1001)).verdict.kind,
            SL_VERDICT_FORWARD);
  EXPECT_EQ(stale_drops(), 1u);
}

// Attached in generic mode, frames the program builds at a new size carry 8 zero bytes past
// their IP packet (SL_CFG_GENERIC_TAIL_PAD: generic XDP misplaces a resized skb's tail, and
// NDP receivers then drop the frame); native attach builds them exactly (the test above: 42).
TEST(XdpLifecycle, GenericAttachPadsResizedFrames) {
  ASSERT_TRUE(pin_to_cpu0());
  xdp::DatapathSettings generic = settings();
  generic.mode = xdp::AttachMode::kGeneric;
  xdp::XdpDatapath datapath(generic);
  std::string text = kConfig;
  text.replace(text.find("10.99.0.2\"\nport = 8080"), 9, "10.99.0.4");
  datapath.start(tables(datapath, text), 1);

  const RunResult first = run(datapath, tcp_frame("10.99.0.50", 40000, "10.99.0.100", 80, 0x02, 1000, 0));
  EXPECT_EQ(first.verdict.reason, static_cast<std::uint32_t>(SL_PL_NO_NEIGHBOR));
  ASSERT_EQ(first.frame.size(), 42u + SL_GENERIC_TAIL_PAD) << "an ARP request and the padding";
  EXPECT_EQ(first.frame[21], 1) << "request";
  for (std::size_t i = 42; i < first.frame.size(); ++i) EXPECT_EQ(first.frame[i], 0) << "padding byte " << i;
  datapath.stop();
}

// The kernel's neighbour table as the header timer reads it (bpf_fib_lookup's source): valid
// entries of either family on the device, nothing for an unknown address or another device.
TEST(XdpLifecycle, KernelNeighbourLookupReadsTheKernelsTable) {
  ASSERT_EQ(std::system("ip neigh replace 10.99.0.77 lladdr 02:00:00:00:99:77 dev slx-life nud permanent && "
                        "ip -6 neigh replace fd99::77 lladdr 02:00:00:00:99:78 dev slx-life nud reachable"),
            0);
  const std::uint32_t ifindex = if_nametoindex(kDevice);
  const auto v4 = xdp::kernel_neighbor(ifindex, packet::testing::ip("10.99.0.77"));
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(v4->to_string(), "02:00:00:00:99:77");
  const auto v6 = xdp::kernel_neighbor(ifindex, packet::testing::ip("fd99::77"));
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->to_string(), "02:00:00:00:99:78");
  EXPECT_FALSE(xdp::kernel_neighbor(ifindex, packet::testing::ip("10.99.0.78")).has_value());
  EXPECT_FALSE(xdp::kernel_neighbor(if_nametoindex((std::string(kDevice) + "p").c_str()), packet::testing::ip("10.99.0.77")).has_value());
  EXPECT_EQ(std::system("ip neigh flush dev slx-life && ip -6 neigh flush dev slx-life"), 0);
}

// Receives the frames the peer end of the veth pair gets (what left kDevice), like a cable.
class PeerCapture {
 public:
  PeerCapture() : fd_(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL))) {
    if (fd_ < 0) throw std::runtime_error("cannot open a capture socket");
    sockaddr_ll address{};
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(ETH_P_ALL);
    address.sll_ifindex = static_cast<int>(if_nametoindex((std::string(kDevice) + "p").c_str()));
    if (bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      close(fd_);
      throw std::runtime_error("cannot bind the capture socket");
    }
  }
  ~PeerCapture() { close(fd_); }
  PeerCapture(const PeerCapture&) = delete;
  PeerCapture& operator=(const PeerCapture&) = delete;

  // The next IPv4 TCP frame to `to` within `timeout`, or an empty frame (the kernel's own
  // IPv6 chatter on the link is skipped).
  packet::testing::Bytes next_tcp_to(const char* to, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    packet::testing::Bytes frame(2048);
    while (std::chrono::steady_clock::now() < until) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      pollfd poll_fd{fd_, POLLIN, 0};
      if (poll(&poll_fd, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 1))) <= 0) continue;
      const ssize_t n = recv(fd_, frame.data(), frame.size(), 0);
      if (n < 54 || frame[12] != 0x08 || frame[13] != 0x00 || frame[23] != 6) continue;
      if (destination(frame) != to) continue;
      return packet::testing::Bytes(frame.begin(), frame.begin() + n);
    }
    return {};
  }

 private:
  int fd_;
};

std::uint64_t monotonic_ms() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1000u + static_cast<std::uint64_t>(now.tv_nsec) / 1'000'000u;
}

// The header timer end to end on the veth pair, on the kernel's clock: the segment that
// carried the header is lost (the test does not deliver it), and the HeaderTimerRunner (its
// thread, its AF_PACKET socket) resends the header to the backend no earlier than 200 ms
// after it was sent, out of kDevice; once the backend acknowledges c+1+H, no more resends.
TEST(XdpLifecycle, HeaderTimerResendsALostHeaderOnTheWire) {
  ASSERT_TRUE(pin_to_cpu0());
  xdp::XdpDatapath datapath(settings());
  xdp::LoadOptions options;
  options.attach = false;  // frames in through BPF_PROG_TEST_RUN; the timer's go out on the wire
  datapath.start(tables(datapath), 1, options);
  PeerCapture capture;
  const xdp::HeaderTimerRunner timer(datapath);

  const RunResult syn = run(datapath, tcp_frame("10.99.0.50", 40000, "10.99.0.100", 80, 0x02, 1000, 0));
  ASSERT_EQ(syn.verdict.kind, SL_VERDICT_FORWARD);
  const std::uint16_t snat_port = datapath.flows().at(0).snat.port;
  const RunResult synack = run(datapath, tcp_frame("10.99.0.2", 8080, "10.99.0.1", snat_port, 0x12, 5000, 1001));
  ASSERT_EQ(synack.verdict.kind, SL_VERDICT_FORWARD);
  const std::uint64_t sent_ms = monotonic_ms();
  const RunResult ack = run(datapath, tcp_frame("10.99.0.50", 40000, "10.99.0.100", 80, 0x10, 1001, 5001));
  ASSERT_EQ(ack.verdict.kind, SL_VERDICT_FORWARD);
  ASSERT_GT(ack.frame.size(), 54u) << "the handshake's ACK carries the header (on-connect)";
  const packet::testing::Bytes header(ack.frame.begin() + 54, ack.frame.end());

  const packet::testing::Bytes resend = capture.next_tcp_to("10.99.0.2", std::chrono::milliseconds(3000));
  const std::uint64_t resent_ms = monotonic_ms();
  ASSERT_FALSE(resend.empty()) << "no header resend reached the peer";
  EXPECT_GE(resent_ms - sent_ms, 200u) << "resent before the first timeout";
  EXPECT_EQ(packet::testing::be16(resend, 34), snat_port);
  EXPECT_EQ(packet::testing::be16(resend, 36), 8080);
  EXPECT_EQ(packet::testing::be32(resend, 38), 1001u) << "seq c+1";
  EXPECT_EQ(packet::testing::be32(resend, 42), 5001u) << "ack: the client's latest";
  EXPECT_EQ(resend[47], 0x18) << "PSH|ACK";
  EXPECT_EQ(packet::testing::Bytes(resend.begin() + 54, resend.end()), header);
  EXPECT_EQ(net::MacAddress(std::array<std::uint8_t, 6>{resend[0], resend[1], resend[2], resend[3], resend[4],
                                                         resend[5]})
                .to_string(),
            "02:00:00:00:99:02")
      << "the backend's static neighbour";
  EXPECT_TRUE(packet::testing::reference_l4_ok(resend, 14, 34, resend.size(), 6));

  // The backend acknowledges the header: the timer stops.
  const auto header_length = static_cast<std::uint32_t>(header.size());
  const RunResult acked =
      run(datapath, tcp_frame("10.99.0.2", 8080, "10.99.0.1", snat_port, 0x10, 5001, 1001 + header_length));
  ASSERT_EQ(acked.verdict.kind, SL_VERDICT_FORWARD);
  EXPECT_EQ(datapath.flows().at(0).header_state, SL_HDR_ACKED);
  EXPECT_TRUE(capture.next_tcp_to("10.99.0.2", std::chrono::milliseconds(1000)).empty())
      << "a resend after the header was acknowledged";
  std::uint64_t resent = 0;
  for (const auto& cpu : datapath.snapshot_counters()) resent += cpu.pp_resent;
  EXPECT_GE(resent, 1u);
}

}  // namespace
}  // namespace sluice::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (geteuid() != 0) {
    std::cerr << "test_bpf_xdp_lifecycle: attaching XDP programs needs root: run ./scripts/test as root\n";
    return 1;
  }
  if (unshare(CLONE_NEWNET) != 0) {
    std::cerr << "test_bpf_xdp_lifecycle: cannot make a private network namespace\n";
    return 1;
  }
  const std::string command = std::string("ip link add ") + sluice::testing::kDevice + " type veth peer name " +
                              sluice::testing::kDevice + "p && ip link set " + sluice::testing::kDevice +
                              " up && ip link set " + sluice::testing::kDevice + "p up";
  if (std::system(command.c_str()) != 0) {
    std::cerr << "test_bpf_xdp_lifecycle: cannot create the veth pair\n";
    return 1;
  }
  return RUN_ALL_TESTS();
}
