// The SYN proxy through a Worker (worker_syn_proxy.cpp, docs/syn-proxy.md): crafted frames in,
// every emitted byte that the contract pins checked out. Frames come from the packet tests'
// independent builder; checksums are verified the reference way.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "control/config/load.hpp"
#include "control/datapath/tables_from_config.hpp"
#include "dataplane/packet/parser.hpp"
#include "dataplane/pipeline/worker.hpp"
#include "dataplane/shared/syn_cookie.h"
#include "dataplane/shared/syn_proxy.h"
#include "dataplane/shared/xdp_maps.h"
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
// A clock well past 0, so that the proxy's TSval and the cookie's tick are not trivially 0.
constexpr std::int64_t kStart = 5'000'000'000'000LL;  // 5000 s: tick 72
constexpr pipeline::PortId kFront = 0;
constexpr pipeline::PortId kBack = 1;
constexpr std::uint16_t kHeader = 28;  // PROXY v2, IPv4, no TLVs

constexpr const char* kConfig = R"(
[[interfaces]]
name = "front"
dpdk = "net_ring0"
addresses = ["10.10.0.1/24"]
[[interfaces]]
name = "back"
dpdk = "net_ring1"
addresses = ["10.20.0.1/24"]
[[neighbors]]
address = "10.10.0.2"
mac = "02:00:00:00:01:02"
interface = "front"
[[neighbors]]
address = "10.20.0.2"
mac = "02:00:00:00:02:02"
interface = "back"
[conntrack]
max_embryonic = 8
syn_cookie_secret = "000102030405060708090a0b0c0d0e0f"
[[services]]
name = "web"
vip = "10.10.0.100"
port = 80
scheduler = "rr"
syn_proxy = "on"
[services.proxy_protocol]
[[services.backends]]
address = "10.20.0.2"
port = 8080
[[services]]
name = "data"
vip = "10.10.0.100"
port = 84
scheduler = "rr"
syn_proxy = "on"
[services.proxy_protocol]
send = "with-data"
[[services.backends]]
address = "10.20.0.2"
port = 8080
[[services]]
name = "auto"
vip = "10.10.0.100"
port = 82
scheduler = "rr"
[[services.backends]]
address = "10.20.0.2"
port = 8082
[[services]]
name = "off"
vip = "10.10.0.100"
port = 83
scheduler = "rr"
syn_proxy = "off"
[[services.backends]]
address = "10.20.0.2"
port = 8083
)";

// The TCP options the tests send: NOP NOP TS, MSS/SACK-permitted/window scale in a SYN.
pt::Bytes syn_options(std::uint32_t tsval) {
  pt::Bytes o = pt::mss_option(1460);
  o.insert(o.end(), {4, 2, 8, 10});
  for (int i = 3; i >= 0; --i) o.push_back(static_cast<std::uint8_t>(tsval >> (8 * i)));
  o.insert(o.end(), {0, 0, 0, 0, 1, 3, 3, 9});  // TSecr 0, NOP, window scale 9
  return o;
}
pt::Bytes ts_option(std::uint32_t tsval, std::uint32_t tsecr) {
  pt::Bytes o{1, 1, 8, 10};
  for (int i = 3; i >= 0; --i) o.push_back(static_cast<std::uint8_t>(tsval >> (8 * i)));
  for (int i = 3; i >= 0; --i) o.push_back(static_cast<std::uint8_t>(tsecr >> (8 * i)));
  return o;
}

struct Segment {
  std::uint16_t src_port = 40000;
  std::uint16_t dst_port = 80;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;
  pt::Bytes options;
  pt::Bytes payload;
};

pt::Bytes from_client(const Segment& s) {
  pt::EthernetSpec l2{pt::mac(kFrontMac), pt::mac(kClientMac), {}, {}};
  pt::Ipv4Spec l3;
  l3.src = pt::ip("10.10.0.2");
  l3.dst = pt::ip("10.10.0.100");
  pt::TcpSpec tcp;
  tcp.src_port = s.src_port;
  tcp.dst_port = s.dst_port;
  tcp.seq = s.seq;
  tcp.ack = s.ack;
  tcp.flags = s.flags;
  tcp.window = s.window;
  tcp.options = s.options;
  tcp.payload = s.payload;
  return pt::build_frame(l2, l3, tcp);
}

pt::Bytes from_backend(const Segment& s, std::uint16_t snat_port) {
  pt::EthernetSpec l2{pt::mac(kBackMac), pt::mac(kBackendMac), {}, {}};
  pt::Ipv4Spec l3;
  l3.src = pt::ip("10.20.0.2");
  l3.dst = pt::ip("10.20.0.1");
  pt::TcpSpec tcp;
  tcp.src_port = 8080;
  tcp.dst_port = snat_port;
  tcp.seq = s.seq;
  tcp.ack = s.ack;
  tcp.flags = s.flags;
  tcp.window = s.window;
  tcp.options = s.options;
  tcp.payload = s.payload;
  return pt::build_frame(l2, l3, tcp);
}

// What a test reads back from an emitted frame.
struct Seen {
  pipeline::PortId port = 0;
  pt::Bytes bytes;
  packet::ParsedFrame parsed;
  std::size_t tcp = 0;  // offset of the TCP header
  std::uint32_t seq() const { return pt::be32(bytes, tcp + 4); }
  std::uint32_t ack() const { return pt::be32(bytes, tcp + 8); }
  std::uint8_t flags() const { return bytes[tcp + 13]; }
  std::uint16_t window() const { return pt::be16(bytes, tcp + 14); }
  std::uint16_t src_port() const { return pt::be16(bytes, tcp); }
  std::uint16_t dst_port() const { return pt::be16(bytes, tcp + 2); }
  pt::Bytes options() const {
    return pt::Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(tcp + 20),
                     bytes.begin() + static_cast<std::ptrdiff_t>(parsed.payload_offset));
  }
  pt::Bytes payload() const {
    return pt::Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(parsed.payload_offset),
                     bytes.begin() + static_cast<std::ptrdiff_t>(parsed.l3_end));
  }
  std::uint32_t tsval() const { return pt::be32(bytes, tcp + parsed.tcp_options.timestamps_offset + 2); }
  std::uint32_t tsecr() const { return pt::be32(bytes, tcp + parsed.tcp_options.timestamps_offset + 6); }
};

Seen seen(const SentFrame& frame) {
  Seen s;
  s.port = frame.port;
  s.bytes = frame.bytes;
  const auto result = packet::parse_frame(s.bytes.data(), s.bytes.size());
  EXPECT_TRUE(result.ok());
  if (!result.ok()) return s;
  s.parsed = result.frame();
  s.tcp = s.parsed.l4_offset;
  EXPECT_TRUE(pt::reference_ipv4_header_ok(s.bytes, s.parsed.l3_offset));
  EXPECT_TRUE(pt::reference_l4_ok(s.bytes, s.parsed.l3_offset, s.parsed.l4_offset, s.parsed.l3_end, 6))
      << "TCP checksum";
  return s;
}

sl_syn_cookie_tuple tuple_of(std::uint16_t client_port, std::uint16_t vip_port) {
  sl_syn_cookie_tuple t{};
  const net::IpAddress client = pt::ip("10.10.0.2");
  const net::IpAddress vip = pt::ip("10.10.0.100");
  std::memcpy(t.client, client.data(), 4);
  std::memcpy(t.vip, vip.data(), 4);
  t.client_port = client_port;
  t.vip_port = vip_port;
  t.family = SL_FAMILY_V4;
  return t;
}

struct Harness {
  TestIo io;
  pipeline::WorkerOptions options;
  pipeline::Worker worker;

  static pipeline::WorkerOptions options_for(const config::Config& config) {
    pipeline::WorkerOptions o;
    o.syn_cookie_key = datapath::syn_cookie_key_from_config(config);
    return o;
  }
  static std::shared_ptr<const config::Config> load(const std::string& text) {
    auto loaded = config::parse_config(text, "syn_proxy_test.toml");
    if (!loaded.ok()) ADD_FAILURE() << loaded.diagnostics().front().to_string();
    return loaded.config();
  }
  explicit Harness(const std::string& text = kConfig) : Harness(load(text)) {}
  explicit Harness(std::shared_ptr<const config::Config> config)
      : options(options_for(*config)),
        worker(datapath::tables_from_config(*config, std::vector<net::MacAddress>{pt::mac(kFrontMac),
                                                                                  pt::mac(kBackMac)}),
               io, options) {}

  std::string feed(const pt::Bytes& bytes, pipeline::PortId port, std::int64_t now) {
    pipeline::Frame frame = io.make_frame(bytes);
    const pipeline::Verdict verdict = worker.process(frame, port, now);
    if (verdict.action == pipeline::Action::kForward) io.transmit(verdict.port, frame);
    if (verdict.action == pipeline::Action::kDrop) io.release(frame);
    return pipeline::verdict_name(verdict);
  }
  std::vector<Seen> sent() {
    std::vector<Seen> out;
    for (const SentFrame& frame : io.take_sent()) out.push_back(seen(frame));
    return out;
  }
  std::uint16_t snat_port() const {
    std::uint16_t port = 0;
    worker.for_each_flow([&port](const pipeline::Flow& flow) { port = flow.local().port; });
    return port;
  }
  std::string state() const {
    std::string name;
    worker.for_each_flow([&name](const pipeline::Flow& flow) { name = pipeline::tcp_state_name(flow.tcp_state); });
    return name;
  }
};

constexpr std::uint32_t kClientIsn = 0x10000000u;
constexpr std::uint32_t kClientTsval = 1000;

// Step 1 of every handshake: the SYN and the cookie SYN-ACK it gets.
Seen handshake_synack(Harness& h, std::int64_t now, std::uint16_t client_port = 40000,
                      std::uint32_t isn = kClientIsn, std::uint16_t vip_port = 80) {
  Segment syn;
  syn.src_port = client_port;
  syn.dst_port = vip_port;
  syn.seq = isn;
  syn.flags = 0x02;
  syn.window = 64240;
  syn.options = syn_options(kClientTsval);
  EXPECT_EQ(h.feed(from_client(syn), kFront, now), "consumed");
  auto sent = h.sent();
  EXPECT_EQ(sent.size(), 1u);
  return sent.empty() ? Seen{} : sent[0];
}

TEST(WorkerSynProxy, SynIsAnsweredWithACookieAndNothingIsKept) {
  Harness h;
  const Seen synack = handshake_synack(h, kStart);
  EXPECT_EQ(synack.port, kFront);
  // Ethernet: back to the SYN's source from the port's MAC.
  EXPECT_EQ(net::MacAddress({synack.bytes[0], synack.bytes[1], synack.bytes[2], synack.bytes[3],
                             synack.bytes[4], synack.bytes[5]}),
            pt::mac(kClientMac));
  EXPECT_EQ(net::MacAddress({synack.bytes[6], synack.bytes[7], synack.bytes[8], synack.bytes[9],
                             synack.bytes[10], synack.bytes[11]}),
            pt::mac(kFrontMac));
  // IPv4 as every originated segment: TOS 0, ID 0, DF, TTL 64, VIP -> client.
  EXPECT_EQ(synack.bytes[15], 0);
  EXPECT_EQ(pt::be16(synack.bytes, 18), 0);
  EXPECT_EQ(pt::be16(synack.bytes, 20), 0x4000);
  EXPECT_EQ(synack.bytes[22], 64);
  EXPECT_EQ(net::IpAddress::from_bytes(net::Family::kIpv4, synack.bytes.data() + 26), pt::ip("10.10.0.100"));
  EXPECT_EQ(net::IpAddress::from_bytes(net::Family::kIpv4, synack.bytes.data() + 30), pt::ip("10.10.0.2"));
  EXPECT_EQ(synack.src_port(), 80);
  EXPECT_EQ(synack.dst_port(), 40000);
  EXPECT_EQ(synack.flags(), 0x12);
  EXPECT_EQ(synack.ack(), kClientIsn + 1);
  EXPECT_EQ(synack.window(), 65535);
  EXPECT_TRUE(synack.payload().empty());

  // The cookie: tick 72 mod 32 in the top 5 bits, MSS index 7 (1460), and it checks.
  const std::uint32_t cookie = synack.seq();
  EXPECT_EQ(cookie >> 27, (static_cast<std::uint64_t>(kStart) >> 36) & 31u);
  EXPECT_EQ((cookie >> 24) & 7u, 7u);
  const sl_syn_cookie_tuple tuple = tuple_of(40000, 80);
  std::uint8_t mss_index = 0;
  EXPECT_EQ(sl_syn_cookie_check(&h.options.syn_cookie_key, &tuple, cookie, kClientIsn,
                                static_cast<std::uint32_t>(static_cast<std::uint64_t>(kStart) >> 36), &mss_index),
            SL_COOKIE_OK);

  // Options: MSS 1460 (1500-byte port, on-connect), SACK-permitted, TS (our clock with the
  // client's scale 9 and SACK in the low 6 bits; TSecr its TSval), NOP, window scale 7.
  const std::uint32_t clock = static_cast<std::uint32_t>(static_cast<std::uint64_t>(kStart) >> 20);
  std::uint32_t tsval = (clock & ~0x3Fu) | 0x10u | 9u;
  if (tsval > clock) tsval -= 64;
  pt::Bytes want{2, 4, 0x05, 0xb4, 4, 2, 8, 10};
  for (int i = 3; i >= 0; --i) want.push_back(static_cast<std::uint8_t>(tsval >> (8 * i)));
  for (int i = 3; i >= 0; --i) want.push_back(static_cast<std::uint8_t>(kClientTsval >> (8 * i)));
  want.insert(want.end(), {1, 3, 3, 7});
  EXPECT_EQ(synack.options(), want);

  EXPECT_EQ(h.worker.flow_count(), 0u) << "a SYN costs no state";
  EXPECT_EQ(h.worker.counters().syn_cookies_sent, 1u);
  EXPECT_EQ(h.worker.counters().flows_created, 0u);
  EXPECT_EQ(h.io.live_frames(), 0u);
  EXPECT_EQ(h.io.bad_releases(), 0u);
}

TEST(WorkerSynProxy, SynWithoutTimestampsGetsNeitherScaleNorSack) {
  Harness h;
  Segment syn;
  syn.seq = kClientIsn;
  syn.flags = 0x02;
  syn.options = pt::mss_option(1400);
  syn.options.insert(syn.options.end(), {4, 2, 1, 3, 3, 9});  // SACK-permitted, NOP, wscale 9
  syn.options.insert(syn.options.end(), {1, 1});
  EXPECT_EQ(h.feed(from_client(syn), kFront, kStart), "consumed");
  const auto sent = h.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].options(), (pt::Bytes{2, 4, 0x05, 0xb4}));
  EXPECT_EQ((sent[0].seq() >> 24) & 7u, 3u) << "the cookie keeps 1400 rounded down to 1380";
}

// The whole handshake: cookie ACK -> SYN to the backend -> absorbed SYN-ACK -> the header.
struct Proxied {
  std::uint32_t cookie = 0;
  std::uint32_t proxy_tsval = 0;
  std::uint16_t snat_port = 0;
};

constexpr std::uint32_t kBackendIsn = 0x70000000u;
constexpr std::uint32_t kBackendTsval = 777777;

Proxied complete_handshake(Harness& h, std::uint32_t isn = kClientIsn, std::uint32_t backend_isn = kBackendIsn,
                           std::uint16_t vip_port = 80) {
  Proxied p;
  const Seen synack = handshake_synack(h, kStart, 40000, isn, vip_port);
  p.cookie = synack.seq();
  p.proxy_tsval = synack.tsval();
  Segment ack;
  ack.dst_port = vip_port;
  ack.seq = isn + 1;
  ack.ack = p.cookie + 1;
  ack.flags = 0x10;
  ack.window = 100;  // x 2^9 in the client's scale
  ack.options = ts_option(kClientTsval + 10, p.proxy_tsval);
  EXPECT_EQ(h.feed(from_client(ack), kFront, kStart + 1 * kMs), "forward");
  h.io.take_sent();
  p.snat_port = h.snat_port();
  Segment synack_b;
  synack_b.seq = backend_isn;
  synack_b.ack = isn + 1;
  synack_b.flags = 0x12;
  synack_b.window = 65535;
  synack_b.options = pt::mss_option(1460);
  synack_b.options.insert(synack_b.options.end(), {4, 2});
  const pt::Bytes ts = ts_option(kBackendTsval, kClientTsval + 10);
  synack_b.options.insert(synack_b.options.end(), ts.begin() + 2, ts.end());
  synack_b.options.insert(synack_b.options.end(), {1, 3, 3, 5});
  EXPECT_EQ(h.feed(from_backend(synack_b, p.snat_port), kBack, kStart + 2 * kMs), "consumed");
  return p;
}

TEST(WorkerSynProxy, ValidAckCreatesTheFlowAndSendsTheBackendTheClientsSyn) {
  Harness h;
  const Seen synack = handshake_synack(h, kStart);
  Segment ack;
  ack.seq = kClientIsn + 1;
  ack.ack = synack.seq() + 1;
  ack.flags = 0x10 | 0x08;
  ack.window = 100;
  ack.options = ts_option(kClientTsval + 10, synack.tsval());
  ack.payload = {'h', 'e', 'l', 'l', 'o'};
  EXPECT_EQ(h.feed(from_client(ack), kFront, kStart + 1 * kMs), "forward");
  const auto sent = h.sent();
  ASSERT_EQ(sent.size(), 1u);
  const Seen& syn = sent[0];
  EXPECT_EQ(syn.port, kBack);
  EXPECT_EQ(net::IpAddress::from_bytes(net::Family::kIpv4, syn.bytes.data() + 26), pt::ip("10.20.0.1"));
  EXPECT_EQ(net::IpAddress::from_bytes(net::Family::kIpv4, syn.bytes.data() + 30), pt::ip("10.20.0.2"));
  EXPECT_EQ(syn.bytes[22], 63) << "forwarded: TTL decremented";
  EXPECT_EQ(syn.dst_port(), 8080);
  EXPECT_EQ(syn.flags(), 0x02) << "SYN only";
  EXPECT_EQ(syn.seq(), kClientIsn);
  EXPECT_EQ(syn.ack(), 0u);
  EXPECT_EQ(syn.window(), 51200) << "the ACK's 100 in the client's scale 9, in bytes";
  EXPECT_TRUE(syn.payload().empty()) << "the client resends it";
  // Decoded from the cookie and the TSecr bits: MSS 1460, SACK, TS (the ACK's TSval, 0), ws 9.
  pt::Bytes want{2, 4, 0x05, 0xb4, 4, 2, 8, 10};
  for (int i = 3; i >= 0; --i) want.push_back(static_cast<std::uint8_t>((kClientTsval + 10) >> (8 * i)));
  want.insert(want.end(), {0, 0, 0, 0, 1, 3, 3, 9});
  EXPECT_EQ(syn.options(), want);
  EXPECT_EQ(h.worker.flow_count(), 1u);
  EXPECT_EQ(h.state(), "SYN_SENT");
  EXPECT_EQ(h.worker.counters().syn_cookies_validated, 1u);
  EXPECT_EQ(h.worker.counters().syn_proxy_data_stripped, 1u);
  EXPECT_EQ(h.worker.counters().flows_created, 1u);
  EXPECT_EQ(h.worker.counters().embryonic_active, 1u);

  // Before the backend answers, the client's segments do not pass.
  Segment early = ack;
  EXPECT_EQ(h.feed(from_client(early), kFront, kStart + 2 * kMs), "drop:syn_proxy_early_data");
  EXPECT_TRUE(h.io.take_sent().empty());
  EXPECT_EQ(h.io.live_frames(), 0u);
}

TEST(WorkerSynProxy, ForgedOrStaleAckIsDroppedAndOffKeepsUnknownFlow) {
  Harness h;
  const Seen synack = handshake_synack(h, kStart);
  Segment ack;
  ack.seq = kClientIsn + 1;
  ack.ack = synack.seq() + 2;  // not our cookie
  ack.flags = 0x10;
  EXPECT_EQ(h.feed(from_client(ack), kFront, kStart + kMs), "drop:syn_cookie_invalid");
  ack.ack = synack.seq() + 1;
  ack.seq = kClientIsn + 2;  // another SYN's ISN
  EXPECT_EQ(h.feed(from_client(ack), kFront, kStart + kMs), "drop:syn_cookie_invalid");
  // The right ACK, three ticks later: expired.
  ack.seq = kClientIsn + 1;
  EXPECT_EQ(h.feed(from_client(ack), kFront, kStart + (std::int64_t{3} << 36)), "drop:syn_cookie_invalid");
  EXPECT_EQ(h.worker.counters().syn_cookies_failed, 3u);
  EXPECT_EQ(h.worker.counters().pipeline_drops[static_cast<std::size_t>(pipeline::PipelineDrop::kSynCookieInvalid)], 3u);
  EXPECT_EQ(h.worker.flow_count(), 0u);
  // syn_proxy = "off": an ACK without a flow is what it always was; so is one to a port
  // without a service.
  ack.dst_port = 83;
  EXPECT_EQ(h.feed(from_client(ack), kFront, kStart + kMs), "drop:unknown_tcp_flow");
  ack.dst_port = 99;
  EXPECT_EQ(h.feed(from_client(ack), kFront, kStart + kMs), "drop:unknown_tcp_flow");
  EXPECT_EQ(h.worker.counters().syn_cookies_failed, 3u);
  EXPECT_TRUE(h.io.take_sent().empty());
}

TEST(WorkerSynProxy, BackendSynAckIsAbsorbedAndTheHeaderCompletesItsHandshake) {
  Harness h;
  const Proxied p = complete_handshake(h);
  const auto sent = h.sent();
  ASSERT_EQ(sent.size(), 1u) << "nothing to the client, one segment to the backend";
  const Seen& header = sent[0];
  EXPECT_EQ(header.port, kBack);
  EXPECT_EQ(header.src_port(), p.snat_port);
  EXPECT_EQ(header.flags(), 0x18) << "ACK|PSH: the standalone header segment";
  EXPECT_EQ(header.seq(), kClientIsn + 1);
  EXPECT_EQ(header.ack(), kBackendIsn + 1);
  EXPECT_EQ(header.window(), 100) << "client scale 9 against the scale 9 the backend was told";
  EXPECT_EQ(header.options(), ts_option(kClientTsval + 10, kBackendTsval));
  const pt::Bytes payload = header.payload();
  ASSERT_EQ(payload.size(), kHeader);
  EXPECT_EQ(pt::Bytes(payload.begin(), payload.begin() + 12),
            (pt::Bytes{0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A}));
  EXPECT_EQ(h.state(), "ESTABLISHED");
  EXPECT_EQ(h.worker.counters().embryonic_active, 0u);
  EXPECT_EQ(h.worker.counters().pp_inserted, 1u);

  // The backend retransmits its SYN-ACK (the header segment was lost): the header goes again.
  Segment again;
  again.seq = kBackendIsn;
  again.ack = kClientIsn + 1;
  again.flags = 0x12;
  again.window = 65535;
  again.options = pt::mss_option(1460);
  EXPECT_EQ(h.feed(from_backend(again, p.snat_port), kBack, kStart + 1000 * kMs), "consumed");
  const auto resent = h.sent();
  ASSERT_EQ(resent.size(), 1u);
  EXPECT_EQ(resent[0].port, kBack);
  EXPECT_EQ(resent[0].payload().size(), kHeader);
  EXPECT_EQ(h.worker.counters().pp_resent, 1u);
  EXPECT_EQ(h.io.live_frames(), 0u);
  EXPECT_EQ(h.io.bad_releases(), 0u);
}

// After the handshake every number moves: client -> backend its ack, SACK edges, TSecr and
// window; backend -> client its seq, TSval and window. `isn` / `backend_isn` pick the numbers
// (the wraparound test passes ones that cross 2^32).
void check_translations(std::uint32_t isn, std::uint32_t backend_isn) {
  Harness h;
  const Proxied p = complete_handshake(h, isn, backend_isn);
  h.io.take_sent();
  const std::uint32_t ts_delta = kBackendTsval - p.proxy_tsval;

  // A 0x40-byte banner from the backend, acknowledging the header.
  Segment banner;
  banner.seq = backend_isn + 1;
  banner.ack = isn + 1 + kHeader;
  banner.flags = 0x18;
  banner.window = 1000;
  banner.options = ts_option(kBackendTsval + 5, kClientTsval + 10);
  banner.payload = pt::Bytes(0x40, 'b');
  EXPECT_EQ(h.feed(from_backend(banner, p.snat_port), kBack, kStart + 3 * kMs), "forward");
  auto sent = h.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].port, kFront);
  EXPECT_EQ(sent[0].seq(), p.cookie + 1) << "the backend's first byte where the cookie said";
  EXPECT_EQ(sent[0].ack(), isn + 1) << "only header bytes acknowledged: c+1";
  EXPECT_EQ(sent[0].tsval(), p.proxy_tsval + 5);
  EXPECT_EQ(sent[0].window(), 250) << "backend scale 5, the client reads ours as scale 7";
  EXPECT_EQ(sent[0].payload().size(), 0x40u);

  // Client data, acknowledging 0x40 of the backend's bytes and SACKing 0x80..0xC0 of them.
  Segment data;
  data.seq = isn + 1;
  data.ack = p.cookie + 1 + 0x40;
  data.flags = 0x18;
  data.window = 200;
  data.options = ts_option(kClientTsval + 20, p.proxy_tsval + 3);
  const pt::Bytes sack = pt::sack_option({{p.cookie + 1 + 0x80, p.cookie + 1 + 0xC0}});
  data.options.insert(data.options.end(), sack.begin(), sack.end());  // NOP NOP SACK
  data.payload = {'G', 'E', 'T'};
  EXPECT_EQ(h.feed(from_client(data), kFront, kStart + 4 * kMs), "forward");
  sent = h.sent();
  ASSERT_EQ(sent.size(), 1u);
  const Seen& up = sent[0];
  EXPECT_EQ(up.port, kBack);
  EXPECT_EQ(up.seq(), isn + 1 + kHeader) << "H moves the client's bytes";
  EXPECT_EQ(up.ack(), backend_isn + 1 + 0x40) << "the ISN delta moves the backend's";
  EXPECT_EQ(up.tsval(), kClientTsval + 20);
  EXPECT_EQ(up.tsecr(), kBackendTsval + 3);
  EXPECT_EQ(up.window(), 200);
  const std::size_t edges = up.tcp + up.parsed.tcp_options.sack_offset + 2;
  EXPECT_EQ(pt::be32(up.bytes, edges), backend_isn + 1 + 0x80);
  EXPECT_EQ(pt::be32(up.bytes, edges + 4), backend_isn + 1 + 0xC0);
  EXPECT_EQ(up.payload(), (pt::Bytes{'G', 'E', 'T'}));

  // The backend answers, acknowledging the header and the 3 bytes.
  Segment reply;
  reply.seq = backend_isn + 1 + 0x40;
  reply.ack = isn + 1 + kHeader + 3;
  reply.flags = 0x18;
  reply.window = 1000;
  reply.options = ts_option(kBackendTsval + 13, kClientTsval + 20);
  reply.payload = {'2', '0', '0'};
  EXPECT_EQ(h.feed(from_backend(reply, p.snat_port), kBack, kStart + 5 * kMs), "forward");
  sent = h.sent();
  ASSERT_EQ(sent.size(), 1u);
  const Seen& down = sent[0];
  EXPECT_EQ(down.port, kFront);
  EXPECT_EQ(net::IpAddress::from_bytes(net::Family::kIpv4, down.bytes.data() + 26), pt::ip("10.10.0.100"));
  EXPECT_EQ(down.dst_port(), 40000);
  EXPECT_EQ(down.seq(), p.cookie + 1 + 0x40) << "the backend's byte 0x40 where the client expects it";
  EXPECT_EQ(down.ack(), isn + 1 + 3) << "H taken off";
  EXPECT_EQ(down.tsval(), kBackendTsval + 13 - ts_delta) << "on the clock of the proxy's SYN-ACK";
  EXPECT_EQ(down.tsval(), p.proxy_tsval + 13);
  EXPECT_EQ(down.tsecr(), kClientTsval + 20);
  EXPECT_EQ(down.window(), 250);
  EXPECT_EQ(down.payload(), (pt::Bytes{'2', '0', '0'}));
  EXPECT_EQ(h.io.bad_releases(), 0u);
}

TEST(WorkerSynProxy, DataAfterTheHandshakeIsTranslatedBothWays) { check_translations(kClientIsn, kBackendIsn); }

TEST(WorkerSynProxy, TranslationsWrapAround32Bits) {
  // c+1 = 0xFFFFFFFF, so the first byte after the header sits past 2^32; the backend's ISN
  // puts its byte 0x40 past 2^32 too.
  check_translations(0xFFFFFFFEu, 0xFFFFFFE0u);
}

// The synthesized header segment is the header's first send: its timer runs as for any header
// (spec proxy-protocol.md TCP item 5), resending it unchanged until the backend acknowledges it.
TEST(WorkerSynProxy, TheSynthesizedHeaderIsResentByItsTimer) {
  Harness h;
  complete_handshake(h);
  const auto first = h.sent();
  ASSERT_EQ(first.size(), 1u);
  h.worker.advance(kStart + 2 * kMs + 199 * kMs);
  EXPECT_TRUE(h.io.take_sent().empty()) << "not before 200 ms";
  h.worker.advance(kStart + 2 * kMs + 200 * kMs);
  const auto resent = h.sent();
  ASSERT_EQ(resent.size(), 1u);
  EXPECT_EQ(resent[0].bytes, first[0].bytes) << "the same segment again";
  EXPECT_EQ(h.worker.counters().pp_resent, 1u);
}

// with-data: the SYN-ACK's MSS leaves room for H, the backend's handshake is completed with a
// bare ACK at c+1 (the header waits for the first data), and a retransmitted SYN-ACK gets the
// same bare ACK again.
TEST(WorkerSynProxy, WithDataCompletesWithABareAckAndAnswersARetransmittedSynAck) {
  Harness h;
  const Seen synack = handshake_synack(h, kStart, 40000, kClientIsn, 84);
  EXPECT_EQ(pt::be16(synack.bytes, synack.tcp + 22), 1460 - kHeader) << "MSS lowered by H";
  h.io.take_sent();
  Harness fresh;
  const Proxied p = complete_handshake(fresh, kClientIsn, kBackendIsn, 84);
  auto sent = fresh.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].port, kBack);
  EXPECT_EQ(sent[0].flags(), 0x10) << "a bare ACK";
  EXPECT_EQ(sent[0].seq(), kClientIsn + 1);
  EXPECT_EQ(sent[0].ack(), kBackendIsn + 1);
  EXPECT_TRUE(sent[0].payload().empty());
  EXPECT_EQ(sent[0].options(), ts_option(kClientTsval + 10, kBackendTsval));
  EXPECT_EQ(fresh.state(), "ESTABLISHED");
  EXPECT_EQ(fresh.worker.counters().pp_inserted, 0u);
  const pt::Bytes bare = sent[0].bytes;

  Segment again;
  again.seq = kBackendIsn;
  again.ack = kClientIsn + 1;
  again.flags = 0x12;
  again.window = 65535;
  again.options = pt::mss_option(1460);
  EXPECT_EQ(fresh.feed(from_backend(again, p.snat_port), kBack, kStart + 1000 * kMs), "consumed");
  sent = fresh.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].bytes, bare) << "the same bare ACK: seq c+1, ack s+1";
  // The first request carries the header, grown in front of it.
  Segment request;
  request.dst_port = 84;
  request.seq = kClientIsn + 1;
  request.ack = p.cookie + 1;
  request.flags = 0x18;
  request.window = 100;
  request.options = ts_option(kClientTsval + 20, p.proxy_tsval);
  request.payload = {'G', 'E', 'T'};
  EXPECT_EQ(fresh.feed(from_client(request), kFront, kStart + 1001 * kMs), "forward");
  sent = fresh.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].seq(), kClientIsn + 1);
  EXPECT_EQ(sent[0].ack(), kBackendIsn + 1);
  EXPECT_EQ(sent[0].payload().size(), kHeader + 3u);
  EXPECT_EQ(fresh.worker.counters().pp_inserted, 1u);
}

// The header timer gives up (spec proxy-protocol.md TCP item 5): the RST to the client must land
// in its view of the backend's sequence space, RCV.NXT = cookie + 1 (RFC 5961 section 3.2), not
// the backend's s + 1.
TEST(WorkerSynProxy, GiveUpResetReachesTheClientInItsOwnSpace) {
  Harness h;
  const Proxied p = complete_handshake(h);
  h.io.take_sent();
  std::vector<Seen> resets;
  for (std::int64_t ms = 200; ms <= 60'000 && resets.empty(); ms += 100) {
    h.worker.advance(kStart + 2 * kMs + ms * kMs);
    for (Seen& frame : h.sent()) {
      if ((frame.flags() & 0x04) != 0) resets.push_back(frame);
    }
  }
  ASSERT_EQ(resets.size(), 2u) << "one RST to each side";
  const Seen& to_client = resets[0].port == kFront ? resets[0] : resets[1];
  const Seen& to_backend = resets[0].port == kFront ? resets[1] : resets[0];
  EXPECT_EQ(to_client.port, kFront);
  EXPECT_EQ(to_client.seq(), p.cookie + 1);
  EXPECT_EQ(to_client.ack(), kClientIsn + 1);
  EXPECT_EQ(to_backend.port, kBack);
  EXPECT_EQ(to_backend.seq(), kClientIsn + 1);
  EXPECT_EQ(to_backend.ack(), kBackendIsn + 1);
  EXPECT_EQ(h.worker.counters().pp_given_up, 1u);
  EXPECT_EQ(h.worker.flow_count(), 0u);
}

// An 802.1Q-tagged SYN is answered on its VLAN, to the MAC it came from (not the neighbour's).
TEST(WorkerSynProxy, TaggedSynIsAnsweredOnItsVlanToItsSourceMac) {
  Harness h;
  pt::EthernetSpec l2{pt::mac(kFrontMac), pt::mac("02:00:00:00:01:99"), std::uint16_t{0x2064}, {}};
  pt::Ipv4Spec l3;
  l3.src = pt::ip("10.10.0.2");
  l3.dst = pt::ip("10.10.0.100");
  pt::TcpSpec tcp;
  tcp.seq = kClientIsn;
  tcp.flags = 0x02;
  tcp.options = pt::mss_option(1460);
  EXPECT_EQ(h.feed(pt::build_frame(l2, l3, tcp), kFront, kStart), "consumed");
  const auto sent = h.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(net::MacAddress({sent[0].bytes[0], sent[0].bytes[1], sent[0].bytes[2], sent[0].bytes[3],
                             sent[0].bytes[4], sent[0].bytes[5]}),
            pt::mac("02:00:00:00:01:99"));
  EXPECT_EQ(pt::be16(sent[0].bytes, 12), 0x8100);
  EXPECT_EQ(pt::be16(sent[0].bytes, 14), 0x2064) << "the whole TCI: priority 1, VLAN 100";
  EXPECT_EQ(pt::be16(sent[0].bytes, 16), 0x0800);
  EXPECT_TRUE(sent[0].parsed.has_vlan);
  EXPECT_EQ(sent[0].flags(), 0x12);
}

TEST(WorkerSynProxy, AutoEngagesOnlyUnderEmbryonicPressure) {
  Harness h;
  // max_embryonic 8: SYNs 1-4 take flows (0..3 embryonic < half), the 5th is answered.
  for (std::uint16_t i = 0; i < 4; ++i) {
    Segment syn;
    syn.src_port = static_cast<std::uint16_t>(41000 + i);
    syn.dst_port = 82;
    syn.seq = 1000;
    syn.flags = 0x02;
    syn.options = pt::mss_option(1460);
    EXPECT_EQ(h.feed(from_client(syn), kFront, kStart), "forward") << i;
    const auto sent = h.sent();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].port, kBack);
    EXPECT_EQ(sent[0].flags(), 0x02);
  }
  EXPECT_EQ(h.worker.counters().embryonic_active, 4u);
  Segment syn;
  syn.src_port = 41004;
  syn.dst_port = 82;
  syn.seq = 1000;
  syn.flags = 0x02;
  EXPECT_EQ(h.feed(from_client(syn), kFront, kStart), "consumed");
  auto sent = h.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].port, kFront);
  EXPECT_EQ(sent[0].flags(), 0x12);
  EXPECT_EQ(h.worker.counters().syn_cookies_sent, 1u);
  EXPECT_EQ(h.worker.flow_count(), 4u);
  // Its ACK completes although the pressure may be gone by then: a cookie sent is checked.
  Segment ack;
  ack.src_port = 41004;
  ack.dst_port = 82;
  ack.seq = 1001;
  ack.ack = sent[0].seq() + 1;
  ack.flags = 0x10;
  EXPECT_EQ(h.feed(from_client(ack), kFront, kStart + kMs), "forward");
  sent = h.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].flags(), 0x02);
  EXPECT_EQ(sent[0].options(), (pt::Bytes{2, 4, 0x02, 0x18})) << "no MSS option: 536, nothing else";
  EXPECT_EQ(h.worker.counters().syn_cookies_validated, 1u);
}

TEST(WorkerSynProxy, OffForwardsTheSynAsBefore) {
  Harness h;
  Segment syn;
  syn.dst_port = 83;
  syn.seq = kClientIsn;
  syn.flags = 0x02;
  syn.window = 64240;
  syn.options = syn_options(kClientTsval);
  const pt::Bytes in = from_client(syn);
  EXPECT_EQ(h.feed(in, kFront, kStart), "forward");
  const auto sent = h.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].port, kBack);
  EXPECT_EQ(sent[0].flags(), 0x02);
  EXPECT_EQ(sent[0].seq(), kClientIsn);
  // Options and payload unchanged (only addresses, ports, TTL and checksums move).
  const auto original = packet::parse_frame(in.data(), in.size());
  ASSERT_TRUE(original.ok());
  EXPECT_EQ(sent[0].options(), pt::Bytes(in.begin() + 34 + 20, in.begin() + original.frame().payload_offset));
  EXPECT_EQ(h.worker.counters().syn_cookies_sent, 0u);
  EXPECT_EQ(h.worker.flow_count(), 1u);
}

}  // namespace
}  // namespace sluice::testing
