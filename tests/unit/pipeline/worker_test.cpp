// Worker behaviour the byte-exact fixtures do not reach: neighbour resolution and its queue,
// SNAT port exhaustion and reuse after expiry, no eligible backend, counters and the flow view
// the console reads. Frames come from the packet tests' independent builder.
#include <gtest/gtest.h>

#include "control/config/load.hpp"
#include "control/datapath/tables_from_config.hpp"
#include "dataplane/packet/parser.hpp"
#include "dataplane/pipeline/worker.hpp"
#include "tests/unit/packet/frame_builder.hpp"
#include "tests/unit/pipeline/test_io.hpp"

namespace sluice::testing {
namespace {

namespace pt = packet::testing;

constexpr const char* kFrontMac = "02:00:00:00:01:01";
constexpr const char* kBackMac = "02:00:00:00:02:01";
constexpr const char* kClientMac = "02:00:00:00:01:02";
constexpr const char* kBackendMac = "02:00:00:00:02:02";
constexpr std::int64_t kMs = 1'000'000;

// The backend is NOT a static neighbour: it has to be resolved.
constexpr const char* kConfig = R"(
[[interfaces]]
name = "front"
dpdk = "net_ring0"
addresses = ["10.10.0.1/24", "fd10::1/64"]
[[interfaces]]
name = "back"
dpdk = "net_ring1"
addresses = ["10.20.0.1/24", "fd20::1/64"]
[[neighbors]]
address = "10.10.0.2"
mac = "02:00:00:00:01:02"
interface = "front"
[[neighbors]]
address = "fd10::2"
mac = "02:00:00:00:01:02"
interface = "front"
[conntrack]
tcp_closing_timeout_s = 5
[[services]]
name = "web"
vip = "10.10.0.100"
port = 80
scheduler = "rr"
[[services.backends]]
address = "10.20.0.2"
port = 8080
[[services]]
name = "web6"
vip = "fd10::100"
port = 80
scheduler = "rr"
[[services.backends]]
address = "fd20::2"
port = 8080
[[services]]
name = "drained"
vip = "10.10.0.100"
port = 81
scheduler = "rr"
[[services.backends]]
address = "10.20.0.2"
port = 8081
weight = 0
)";

std::shared_ptr<const pipeline::Tables> lab_tables(std::uint16_t snat_last = 65535) {
  auto loaded = config::parse_config(kConfig, "worker_test.toml");
  if (!loaded.ok()) {
    ADD_FAILURE() << loaded.diagnostics().front().to_string();
    return nullptr;
  }
  const std::vector<net::MacAddress> macs{pt::mac(kFrontMac), pt::mac(kBackMac)};
  auto tables = datapath::tables_from_config(*loaded.config(), macs);
  pipeline::Limits limits = tables->limits();
  limits.snat_port_last = snat_last;
  return std::make_shared<const pipeline::Tables>(tables->ports(), tables->services(),
                                                  tables->static_neighbors(), tables->routes(),
                                                  limits);
}

pt::Bytes client_syn(std::uint16_t client_port, std::uint16_t vip_port = 80) {
  pt::EthernetSpec l2{pt::mac(kFrontMac), pt::mac(kClientMac), {}, {}};
  pt::Ipv4Spec l3;
  l3.src = pt::ip("10.10.0.2");
  l3.dst = pt::ip("10.10.0.100");
  pt::TcpSpec tcp;
  tcp.src_port = client_port;
  tcp.dst_port = vip_port;
  tcp.seq = 5000;
  tcp.flags = 0x02;
  tcp.options = pt::mss_option(1460);
  return pt::build_frame(l2, l3, tcp);
}

pt::Bytes client_syn6(std::uint16_t client_port) {
  pt::EthernetSpec l2{pt::mac(kFrontMac), pt::mac(kClientMac), {}, {}};
  pt::Ipv6Spec l3;
  l3.src = pt::ip("fd10::2");
  l3.dst = pt::ip("fd10::100");
  pt::TcpSpec tcp;
  tcp.src_port = client_port;
  tcp.seq = 5000;
  tcp.flags = 0x02;
  return pt::build_frame(l2, l3, tcp);
}

pt::Bytes arp_reply_from_backend(const char* backend_mac = kBackendMac) {
  pt::EthernetSpec l2{pt::mac(kBackMac), pt::mac(backend_mac), {}, {}};
  pt::ArpSpec arp;
  arp.operation = 2;
  arp.sender_mac = pt::mac(backend_mac);
  arp.sender_ip = pt::ip("10.20.0.2");
  arp.target_mac = pt::mac(kBackMac);
  arp.target_ip = pt::ip("10.20.0.1");
  return pt::build_frame(l2, arp, std::monostate{});
}

struct Harness {
  TestIo io;
  pipeline::Worker worker;
  explicit Harness(std::shared_ptr<const pipeline::Tables> tables)
      : worker(std::move(tables), io, pipeline::WorkerOptions{}) {}

  std::string feed(const pt::Bytes& bytes, pipeline::PortId port, std::int64_t now) {
    pipeline::Frame frame = io.make_frame(bytes);
    const pipeline::Verdict verdict = worker.process(frame, port, now);
    if (verdict.action == pipeline::Action::kForward) io.transmit(verdict.port, frame);
    if (verdict.action == pipeline::Action::kDrop) io.release(frame);
    return pipeline::verdict_name(verdict);
  }
};

constexpr pipeline::PortId kFront = 0;
constexpr pipeline::PortId kBack = 1;

TEST(WorkerNeighbors, UnresolvedBackendIsAskedForAndTheQueuedSynFollowsTheReply) {
  Harness h(lab_tables());
  EXPECT_EQ(h.feed(client_syn(40000), kFront, 0), "consumed");
  auto sent = h.io.take_sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].port, kBack);
  const auto request = packet::parse_frame(sent[0].bytes.data(), sent[0].bytes.size());
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request.frame().l3, packet::L3Kind::kArp);
  EXPECT_EQ(pt::be16(sent[0].bytes, 20), 1);  // ARP request
  EXPECT_EQ(net::IpAddress::from_bytes(net::Family::kIpv4, sent[0].bytes.data() + 38),
            pt::ip("10.20.0.2"));               // target protocol address
  EXPECT_EQ(net::MacAddress::parse("ff:ff:ff:ff:ff:ff"),
            net::MacAddress({sent[0].bytes[0], sent[0].bytes[1], sent[0].bytes[2],
                             sent[0].bytes[3], sent[0].bytes[4], sent[0].bytes[5]}));
  EXPECT_EQ(h.io.live_frames(), 1u) << "the SYN waits in the neighbour queue";

  // A second SYN for the same next hop queues without asking again.
  EXPECT_EQ(h.feed(client_syn(40001), kFront, 1 * kMs), "consumed");
  EXPECT_TRUE(h.io.take_sent().empty());

  EXPECT_EQ(h.feed(arp_reply_from_backend(), kBack, 2 * kMs), "consumed");
  sent = h.io.take_sent();
  ASSERT_EQ(sent.size(), 2u) << "both queued SYNs go out once the backend answers";
  for (const SentFrame& frame : sent) {
    EXPECT_EQ(frame.port, kBack);
    EXPECT_EQ(net::MacAddress({frame.bytes[0], frame.bytes[1], frame.bytes[2], frame.bytes[3],
                               frame.bytes[4], frame.bytes[5]}),
              pt::mac(kBackendMac));
    const auto parsed = packet::parse_frame(frame.bytes.data(), frame.bytes.size());
    ASSERT_TRUE(parsed.ok());
    EXPECT_TRUE(pt::reference_l4_ok(frame.bytes, 14, parsed.frame().l4_offset,
                                    parsed.frame().l3_end, 6));
  }
  EXPECT_EQ(h.io.live_frames(), 0u);
  EXPECT_EQ(h.io.bad_releases(), 0u);
}

// A flow keeps its next hop's MAC (docs/performance.md: no neighbour lookup per packet), but a
// changed neighbour entry must reach flows that already cached the old MAC.
TEST(WorkerNeighbors, EstablishedFlowFollowsANeighbourWhoseMacChanges) {
  constexpr const char* kMovedMac = "02:00:00:00:02:77";
  const auto destination_mac = [](const SentFrame& frame) {
    return net::MacAddress({frame.bytes[0], frame.bytes[1], frame.bytes[2], frame.bytes[3],
                            frame.bytes[4], frame.bytes[5]});
  };
  Harness h(lab_tables());
  EXPECT_EQ(h.feed(client_syn(40000), kFront, 0), "consumed");
  EXPECT_EQ(h.feed(arp_reply_from_backend(), kBack, 1 * kMs), "consumed");
  h.io.take_sent();
  // The client retransmits its SYN: the flow exists, the cached MAC is used.
  EXPECT_EQ(h.feed(client_syn(40000), kFront, 2 * kMs), "forward");
  auto sent = h.io.take_sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(destination_mac(sent[0]), pt::mac(kBackendMac));

  EXPECT_EQ(h.feed(arp_reply_from_backend(kMovedMac), kBack, 3 * kMs), "consumed");
  h.io.take_sent();
  EXPECT_EQ(h.feed(client_syn(40000), kFront, 4 * kMs), "forward");
  sent = h.io.take_sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(destination_mac(sent[0]), pt::mac(kMovedMac));
  EXPECT_EQ(h.worker.flow_count(), 1u);
}

// The burst path of the DPDK shell (prefetch, then process with the hint) forwards exactly
// what the plain path forwards.
TEST(WorkerPrefetch, ProcessWithAHintGivesTheSameFramesAsWithout) {
  Harness plain(lab_tables());
  Harness hinted(lab_tables());
  const std::vector<pt::Bytes> frames{client_syn(40000), arp_reply_from_backend(),
                                      client_syn(40000), client_syn(40001)};
  const std::vector<pipeline::PortId> ports{kFront, kBack, kFront, kFront};
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const std::string expected = plain.feed(frames[i], ports[i], static_cast<std::int64_t>(i));
    pipeline::Frame frame = hinted.io.make_frame(frames[i]);
    const auto parsed = packet::parse_frame(frame.buffer.data(), frame.buffer.length());
    const pipeline::FlowHint hint = hinted.worker.prefetch(parsed, frame.buffer.data());
    EXPECT_EQ(hint.valid, ports[i] == kFront) << "TCP frames get a hint, ARP does not";
    const pipeline::Verdict verdict =
        hinted.worker.process(frame, ports[i], static_cast<std::int64_t>(i), parsed, hint);
    if (verdict.action == pipeline::Action::kForward) hinted.io.transmit(verdict.port, frame);
    if (verdict.action == pipeline::Action::kDrop) hinted.io.release(frame);
    EXPECT_EQ(pipeline::verdict_name(verdict), expected) << "frame " << i;
  }
  const auto a = plain.io.take_sent();
  const auto b = hinted.io.take_sent();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].port, b[i].port);
    EXPECT_EQ(a[i].bytes, b[i].bytes);
  }
  EXPECT_EQ(hinted.worker.flow_count(), 2u);
}

TEST(WorkerNeighbors, QueuedFramesAreReleasedWhenNobodyAnswers) {
  Harness h(lab_tables());
  EXPECT_EQ(h.feed(client_syn(40000), kFront, 0), "consumed");
  h.io.take_sent();
  h.worker.advance(999 * kMs);
  EXPECT_EQ(h.io.live_frames(), 1u);
  h.worker.advance(1000 * kMs);
  EXPECT_EQ(h.io.live_frames(), 0u);
  const auto& counters = h.worker.counters();
  EXPECT_EQ(counters.pipeline_drops[static_cast<std::size_t>(pipeline::PipelineDrop::kNoNeighbor)],
            1u);
  EXPECT_EQ(h.io.bad_releases(), 0u);
}

TEST(WorkerNeighbors, Ipv6BackendIsSolicitedOnItsSolicitedNodeGroup) {
  Harness h(lab_tables());
  EXPECT_EQ(h.feed(client_syn6(40000), kFront, 0), "consumed");
  const auto sent = h.io.take_sent();
  ASSERT_EQ(sent.size(), 1u);
  const pt::Bytes& ns = sent[0].bytes;
  // 33:33:ff:00:00:02 -> ff02::1:ff00:2, ICMPv6 type 135 for fd20::2, hop limit 255.
  EXPECT_EQ(ns[0], 0x33);
  EXPECT_EQ(ns[2], 0xff);
  EXPECT_EQ(ns[5], 0x02);
  EXPECT_EQ(ns[14 + 7], 255);
  EXPECT_EQ(net::IpAddress::from_bytes(net::Family::kIpv6, ns.data() + 14 + 24),
            pt::ip("ff02::1:ff00:2"));
  EXPECT_EQ(ns[54], 135);
  EXPECT_EQ(net::IpAddress::from_bytes(net::Family::kIpv6, ns.data() + 54 + 8), pt::ip("fd20::2"));
  EXPECT_TRUE(pt::reference_l4_ok(ns, 14, 54, ns.size(), 58));
}

pt::Bytes client_segment(std::uint16_t client_port, std::uint8_t flags, std::uint32_t seq) {
  pt::EthernetSpec l2{pt::mac(kFrontMac), pt::mac(kClientMac), {}, {}};
  pt::Ipv4Spec l3;
  l3.src = pt::ip("10.10.0.2");
  l3.dst = pt::ip("10.10.0.100");
  pt::TcpSpec tcp;
  tcp.src_port = client_port;
  tcp.seq = seq;
  tcp.flags = flags;
  return pt::build_frame(l2, l3, tcp);
}

pt::Bytes backend_segment(std::uint16_t snat_port, std::uint8_t flags, std::uint32_t seq,
                          std::uint32_t ack) {
  pt::EthernetSpec l2{pt::mac(kBackMac), pt::mac(kBackendMac), {}, {}};
  pt::Ipv4Spec l3;
  l3.src = pt::ip("10.20.0.2");
  l3.dst = pt::ip("10.20.0.1");
  pt::TcpSpec tcp;
  tcp.src_port = 8080;
  tcp.dst_port = snat_port;
  tcp.seq = seq;
  tcp.ack = ack;
  tcp.flags = flags;
  return pt::build_frame(l2, l3, tcp);
}

// Bounded embryonic state without the SYN proxy (syn_proxy = "off"): under pressure the
// default "auto" would answer the SYNs with cookies instead (WorkerSynProxy.* tests that), and
// an ACK without a flow would be checked as a cookie rather than be an unknown flow.
std::shared_ptr<const pipeline::Tables> embryonic_tables(std::uint16_t snat_last, std::uint32_t max_embryonic) {
  auto base = lab_tables(snat_last);
  pipeline::Limits limits = base->limits();
  limits.max_embryonic = max_embryonic;
  std::vector<pipeline::Service> services = base->services();
  for (pipeline::Service& service : services) service.syn_proxy = pipeline::SynProxyMode::kOff;
  return std::make_shared<const pipeline::Tables>(base->ports(), std::move(services), base->static_neighbors(),
                                                  base->routes(), limits);
}

// Bounded embryonic state (dataplane/shared/embryonic.h): a full SNAT range takes the port of
// the oldest embryonic flow of the same pool, never an established flow's.
TEST(WorkerEmbryonic, AFullSnatRangeReclaimsTheOldestEmbryonicFlowNeverAnEstablishedOne) {
  Harness h(embryonic_tables(1025, 16384));  // two SNAT ports: 1024, 1025
  h.feed(arp_reply_from_backend(), kBack, 0);
  EXPECT_EQ(h.feed(client_syn(40000), kFront, 0), "forward");  // port 1024
  EXPECT_EQ(h.worker.counters().embryonic_active, 1u);
  EXPECT_EQ(h.feed(backend_segment(1024, 0x12 /* SYN+ACK */, 9000, 5001), kBack, 0), "forward");
  EXPECT_EQ(h.worker.counters().embryonic_active, 1u);  // SYN_RECV is still embryonic
  EXPECT_EQ(h.feed(client_segment(40000, 0x10 /* ACK */, 5001), kFront, 0), "forward");
  EXPECT_EQ(h.worker.counters().embryonic_active, 0u);  // ESTABLISHED
  EXPECT_EQ(h.feed(client_syn(40001), kFront, 0), "forward");  // port 1025, embryonic
  // Not a second old and no pressure: a handshake in progress is not taken (embryonic.h).
  EXPECT_EQ(h.feed(client_syn(40002), kFront, 999 * kMs), "drop:snat_exhausted");
  EXPECT_EQ(h.worker.counters().embryonic_reclaimed, 0u);
  EXPECT_EQ(h.worker.counters().snat_exhausted, 1u);
  EXPECT_EQ(h.feed(client_syn(40002), kFront, 1000 * kMs), "forward");  // takes 40001's port
  EXPECT_EQ(h.worker.counters().embryonic_reclaimed, 1u);
  EXPECT_EQ(h.worker.counters().snat_exhausted, 1u);
  EXPECT_EQ(h.worker.counters().embryonic_active, 1u);
  EXPECT_EQ(h.worker.flow_count(), 2u);
  // The established flow is untouched: its data still passes; 40001's segments find no flow.
  EXPECT_EQ(h.feed(client_segment(40000, 0x18 /* PSH+ACK */, 5001), kFront, 1001 * kMs), "forward");
  EXPECT_EQ(h.feed(client_segment(40001, 0x10, 5001), kFront, 1001 * kMs), "drop:unknown_tcp_flow");
  // Once every port is held by an established flow the next SYN is refused, and counted.
  EXPECT_EQ(h.feed(backend_segment(1025, 0x12, 9000, 5001), kBack, 1002 * kMs), "forward");
  EXPECT_EQ(h.feed(client_segment(40002, 0x10, 5001), kFront, 1002 * kMs), "forward");
  EXPECT_EQ(h.feed(client_syn(40003), kFront, 2003 * kMs), "drop:snat_exhausted");
  EXPECT_EQ(h.worker.counters().snat_exhausted, 2u);
  EXPECT_EQ(h.worker.counters().embryonic_reclaimed, 1u);
  EXPECT_EQ(h.worker.counters().embryonic_active, 0u);
}

// Under pressure (half of max_embryonic embryonic), a full SNAT range takes the oldest embryonic
// flow at any age: a flood's flows are all young.
TEST(WorkerEmbryonic, UnderPressureAFullSnatRangeReclaimsAYoungEmbryonicFlow) {
  Harness h(embryonic_tables(1025, 4));  // two SNAT ports: 1024, 1025; pressure from 2
  h.feed(arp_reply_from_backend(), kBack, 0);
  EXPECT_EQ(h.feed(client_syn(40000), kFront, 0), "forward");
  EXPECT_EQ(h.feed(client_syn(40001), kFront, 0), "forward");
  EXPECT_EQ(h.worker.counters().embryonic_active, 2u);
  EXPECT_EQ(h.feed(client_syn(40002), kFront, 1 * kMs), "forward");  // 40000 reclaimed
  EXPECT_EQ(h.worker.counters().embryonic_reclaimed, 1u);
  EXPECT_EQ(h.worker.counters().snat_exhausted, 0u);
  EXPECT_EQ(h.feed(client_segment(40000, 0x10, 5001), kFront, 2 * kMs), "drop:unknown_tcp_flow");
}

// From half of max_embryonic on, new flows get tcp_syn_pressure_timeout_s (3 s) while
// embryonic; those created before keep tcp_syn_timeout_s (30 s).
TEST(WorkerEmbryonic, FlowsCreatedUnderPressureExpireAfterThePressureTimeout) {
  Harness h(embryonic_tables(65535, 4));
  h.feed(arp_reply_from_backend(), kBack, 0);
  for (std::uint16_t port = 40000; port < 40004; ++port) {
    EXPECT_EQ(h.feed(client_syn(port), kFront, 0), "forward");
  }
  EXPECT_EQ(h.worker.counters().embryonic_active, 4u);
  h.worker.advance(2'900 * kMs);
  EXPECT_EQ(h.worker.flow_count(), 4u);
  h.worker.advance(3'001 * kMs);
  EXPECT_EQ(h.worker.flow_count(), 2u);  // 40002 and 40003 came at 2 and 3 of 4
  EXPECT_EQ(h.worker.counters().embryonic_active, 2u);
  EXPECT_EQ(h.worker.counters().flows_expired, 2u);
  h.worker.advance(30'001 * kMs);
  EXPECT_EQ(h.worker.flow_count(), 0u);
  EXPECT_EQ(h.worker.counters().embryonic_active, 0u);
  EXPECT_EQ(h.worker.counters().embryonic_reclaimed, 0u);
}

// A backend retransmitting its SYN-ACK to a client that never answers does not keep the flow:
// an embryonic flow's SYN timeout counts from its creation (embryonic.h, sl_flow_idle_since).
TEST(WorkerEmbryonic, BackendSynAckRetransmissionsDoNotKeepAnEmbryonicFlow) {
  Harness h(embryonic_tables(65535, 16384));
  h.feed(arp_reply_from_backend(), kBack, 0);
  EXPECT_EQ(h.feed(client_syn(40000), kFront, 0), "forward");
  for (const std::int64_t at_s : {1, 3, 7, 15, 29}) {
    EXPECT_EQ(h.feed(backend_segment(1024, 0x12 /* SYN+ACK */, 9000, 5001), kBack, at_s * 1000 * kMs), "forward")
        << at_s;
  }
  h.worker.advance(29'999 * kMs);
  EXPECT_EQ(h.worker.flow_count(), 1u);
  h.worker.advance(30'001 * kMs);  // 30 s after the SYN, 1 s after the last SYN-ACK
  EXPECT_EQ(h.worker.flow_count(), 0u);
  EXPECT_EQ(h.worker.counters().flows_expired, 1u);
}

TEST(WorkerSnat, ExhaustionIsCountedAndPortsComeBackWhenFlowsExpire) {
  // Two SNAT ports: 1024 and 1025.
  Harness h(lab_tables(1025));
  h.feed(arp_reply_from_backend(), kBack, 0);
  EXPECT_EQ(h.feed(client_syn(40000), kFront, 0), "forward");
  EXPECT_EQ(h.feed(client_syn(40001), kFront, 0), "forward");
  // Reset by their clients (CLOSE): not embryonic, so nothing may be reclaimed for a third.
  EXPECT_EQ(h.feed(client_segment(40000, 0x04 /* RST */, 5001), kFront, 0), "forward");
  EXPECT_EQ(h.feed(client_segment(40001, 0x04 /* RST */, 5001), kFront, 0), "forward");
  EXPECT_EQ(h.feed(client_syn(40002), kFront, 0), "drop:snat_exhausted");
  EXPECT_EQ(h.worker.counters().snat_exhausted, 1u);
  EXPECT_EQ(h.worker.counters().embryonic_reclaimed, 0u);
  EXPECT_EQ(h.worker.flow_count(), 2u);
  // The closing timeout (5 s) frees both ports; a new client then gets one.
  h.worker.advance(31'000 * kMs);
  EXPECT_EQ(h.worker.flow_count(), 0u);
  EXPECT_EQ(h.worker.counters().flows_expired, 2u);
  EXPECT_EQ(h.feed(client_syn(40002), kFront, 31'000 * kMs), "forward");
}

TEST(WorkerTcp, ANewSynOnAClosedFlowsPortOpensANewFlow) {
  Harness h(lab_tables());
  h.feed(arp_reply_from_backend(), kBack, 0);
  EXPECT_EQ(h.feed(client_syn(40000), kFront, 0), "forward");
  EXPECT_EQ(h.feed(client_segment(40000, 0x04 /* RST */, 5001), kFront, 1 * kMs), "forward");
  std::string state;
  h.worker.for_each_flow([&](const pipeline::Flow& f) { state = pipeline::tcp_state_name(f.tcp_state); });
  EXPECT_EQ(state, "CLOSE");
  h.io.take_sent();
  // The client reuses its port at once, with a new ISN: a new flow, a new SNAT port.
  EXPECT_EQ(h.feed(client_segment(40000, 0x02 /* SYN */, 90000), kFront, 2 * kMs), "forward");
  const auto sent = h.io.take_sent();
  ASSERT_EQ(sent.size(), 1u);
  const auto parsed = packet::parse_frame(sent[0].bytes.data(), sent[0].bytes.size());
  ASSERT_TRUE(parsed.ok());
  EXPECT_NE(pt::be16(sent[0].bytes, parsed.frame().l4_offset), 1024) << "a fresh SNAT port";
  EXPECT_EQ(h.worker.counters().flows_created, 2u);
  EXPECT_EQ(h.worker.flow_count(), 1u);
  // A SYN retransmission on a live (not closing) flow stays in that flow.
  EXPECT_EQ(h.feed(client_segment(40000, 0x02, 90000), kFront, 3 * kMs), "forward");
  EXPECT_EQ(h.worker.counters().flows_created, 2u);
}


// RFC 9293 3.10.7.3 on a service without PROXY header (the fixtures pin the bytes): the reset
// is counted as an emitted frame and the drop under its own reason, the flow keeps waiting for
// the SYN-ACK; once the SYN-ACK has come, a bare ACK is the backend's again and is forwarded.
TEST(WorkerTcp, AStaleBackendAckBeforeTheSynAckIsResetAndCounted) {
  Harness h(lab_tables());
  h.feed(arp_reply_from_backend(), kBack, 0);
  EXPECT_EQ(h.feed(client_syn(40000), kFront, 0), "forward");
  h.io.take_sent();
  EXPECT_EQ(h.feed(backend_segment(1024, 0x10 /* ACK */, 777, 0x0BAD1001), kBack, 1 * kMs),
            "drop:stale_ack_to_syn");
  const auto sent = h.io.take_sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].port, kBack);
  const auto rst = packet::parse_frame(sent[0].bytes.data(), sent[0].bytes.size());
  ASSERT_TRUE(rst.ok());
  EXPECT_EQ(rst.frame().tcp_flags, 0x04) << "RST alone";
  EXPECT_EQ(pt::be32(sent[0].bytes, rst.frame().l4_offset + 4), 0x0BAD1001u) << "seq = SEG.ACK";
  const pipeline::WorkerCounters& c = h.worker.counters();
  EXPECT_EQ(c.pipeline_drops[static_cast<std::size_t>(pipeline::PipelineDrop::kStaleAckToSyn)], 1u);
  EXPECT_EQ(c.dropped, 1u);
  EXPECT_EQ(c.tx_packets, 2u) << "the SYN and the RST";
  std::string state;
  h.worker.for_each_flow([&](const pipeline::Flow& f) { state = pipeline::tcp_state_name(f.tcp_state); });
  EXPECT_EQ(state, "SYN_SENT");

  EXPECT_EQ(h.feed(backend_segment(1024, 0x12 /* SYN+ACK */, 9000, 5001), kBack, 2 * kMs), "forward");
  EXPECT_EQ(h.feed(backend_segment(1024, 0x10, 9001, 5001), kBack, 3 * kMs), "forward");
  EXPECT_EQ(c.pipeline_drops[static_cast<std::size_t>(pipeline::PipelineDrop::kStaleAckToSyn)], 1u);
}

TEST(WorkerScheduling, ADrainedServiceRefusesNewFlows) {
  Harness h(lab_tables());
  EXPECT_EQ(h.feed(client_syn(40000, 81), kFront, 0), "drop:no_backend");
  EXPECT_EQ(h.worker.flow_count(), 0u);
}

TEST(WorkerCounters, CountTrafficFlowsAndDropsAndExposeFlows) {
  Harness h(lab_tables());
  h.feed(arp_reply_from_backend(), kBack, 0);
  h.io.take_sent();
  EXPECT_EQ(h.feed(client_syn(40000), kFront, 0), "forward");
  EXPECT_EQ(h.feed(client_syn(40000, 99), kFront, 0), "drop:no_service");
  const pipeline::WorkerCounters& c = h.worker.counters();
  EXPECT_EQ(c.rx_packets, 3u);
  EXPECT_EQ(c.tx_packets, 1u);
  EXPECT_EQ(c.dropped, 1u);
  EXPECT_EQ(c.flows_created, 1u);
  EXPECT_EQ(c.flows_active, 1u);
  EXPECT_EQ(c.pipeline_drops[static_cast<std::size_t>(pipeline::PipelineDrop::kNoService)], 1u);
  int flows = 0;
  h.worker.for_each_flow([&](const pipeline::Flow& flow) {
    ++flows;
    EXPECT_EQ(flow.client().to_string(), "10.10.0.2:40000");
    EXPECT_EQ(flow.vip().to_string(), "10.10.0.100:80");
    EXPECT_EQ(flow.local().to_string(), "10.20.0.1:1024");
    EXPECT_EQ(flow.backend().to_string(), "10.20.0.2:8080");
    EXPECT_EQ(pipeline::tcp_state_name(flow.tcp_state), "SYN_SENT");
  });
  EXPECT_EQ(flows, 1);
}

}  // namespace
}  // namespace sluice::testing
