// The XDP header timer's pure part (dataplane/xdp/header_timer.hpp), without the kernel:
//   - its decisions against the C++ InsertionEngine's own on_timer, the engine driven through
//     the same connection and the sl_xdp_flow written as the program leaves it, at every
//     instant around each deadline up to the give-up;
//   - the flows it must leave alone (acknowledged, backend reset, UDP, no header);
//   - its frames against pipeline::write_tcp_segment given the endpoints as text, so the
//     map's byte orders (ports network order, window host order, timestamps option) are
//     checked independently of the adapter.
// The byte-for-byte comparison with the C++ pipeline's frames is the fixture replay's
// (tests/bpf/xdp_fixture_test.cpp, the four give-up cases of tcp_loss.json).
#include "dataplane/xdp/header_timer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <vector>

#include "dataplane/insertion/engine.hpp"
#include "dataplane/packet/parser.hpp"
#include "dataplane/packet/protocols.hpp"

namespace sluice::xdp {
namespace {

using insertion::Nanoseconds;
using std::chrono::milliseconds;
namespace flag = packet::tcp_flag;

constexpr std::uint32_t kClientIsn = 0xFFFFFF00u;  // c: the stream start wraps past zero
constexpr std::uint32_t kServerIsn = 0x10203040u;  // s
constexpr std::uint16_t kHeaderLength = 28;
const Nanoseconds kSentAt = milliseconds(1000);

net::IpAddress ip(const char* text) { return *net::IpAddress::parse(text); }

void put_address(std::uint8_t* to, const char* text) {
  const net::IpAddress address = ip(text);
  std::memset(to, 0, 16);
  std::memcpy(to, address.data(), address.size());
}

std::uint16_t network_port(std::uint16_t port) { return static_cast<std::uint16_t>((port >> 8) | (port << 8)); }

// The flow as the program leaves it after: SYN, SYN-ACK, the client's ACK (the on-connect
// header sent at kSentAt), 100 client bytes, 50 backend bytes at ack c+1 (the header did not
// arrive), the client's ACK of them. IPv6 client, IPv4 backend.
sl_xdp_flow sent_flow() {
  sl_xdp_flow f{};
  put_address(f.client, "2001:db8::10");
  put_address(f.vip, "2001:db8::100");
  put_address(f.backend, "10.0.0.2");
  put_address(f.snat, "10.0.0.1");
  f.client_port = network_port(40000);
  f.vip_port = network_port(80);
  f.backend_port = network_port(8080);
  f.snat_port = network_port(1024);
  f.client_family = SL_FAMILY_V6;
  f.backend_family = SL_FAMILY_V4;
  f.protocol = 6;
  f.state = SL_TCP_ESTABLISHED;
  f.ins.client_isn = kClientIsn;
  f.ins.server_isn = kServerIsn;
  f.ins.client_snd_nxt = kClientIsn + 1 + 100;
  f.ins.client_last_ack = kServerIsn + 1 + 50;
  f.ins.backend_snd_nxt = kServerIsn + 1 + 50;
  f.ins.backend_last_ack = kClientIsn + 1;
  f.ins.deadline_ns = static_cast<std::uint64_t>((kSentAt + milliseconds(200)).count());
  f.ins.header_len = kHeaderLength;
  f.ins.backend_mss = 1460;
  f.ins.header_state = SL_HDR_SENT;
  f.ins.flags = SL_INS_SYNACK_SEEN | SL_INS_CLIENT_SYNC | SL_INS_TIMER_ARMED | SL_INS_FAST_RESEND;
  f.last_client_window = 0x1f6e;
  f.last_client_ts_len = 10;
  const std::uint8_t ts[10] = {8, 10, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
  std::memcpy(f.last_client_ts, ts, sizeof ts);
  f.client_mtu = 1500;
  f.backend_mtu = 1500;
  return f;
}

insertion::SegmentDescription segment(std::uint32_t seq, std::uint32_t ack, std::uint8_t flags,
                                      std::uint32_t payload = 0) {
  insertion::SegmentDescription s;
  s.seq = TcpSeq(seq);
  s.ack = TcpSeq(ack);
  s.flags = flags;
  s.payload_length = payload;
  return s;
}

// The same connection through the C++ engine.
insertion::InsertionEngine sent_engine() {
  insertion::InsertionEngine engine(insertion::InsertionMode::kOnConnect, kHeaderLength, TcpSeq(kClientIsn));
  const insertion::EgressPath egress{1500, 20};
  engine.on_client_segment(segment(kClientIsn, 0, flag::kSyn), egress, Nanoseconds(0));
  auto synack = segment(kServerIsn, kClientIsn + 1, flag::kSyn | flag::kAck);
  synack.mss_option = 1460;
  engine.on_backend_segment(synack);
  engine.on_client_segment(segment(kClientIsn + 1, kServerIsn + 1, flag::kAck), egress, kSentAt);
  engine.on_client_segment(segment(kClientIsn + 1, kServerIsn + 1, flag::kAck | flag::kPsh, 100), egress,
                           kSentAt + milliseconds(1));
  engine.on_backend_segment(segment(kServerIsn + 1, kClientIsn + 1, flag::kAck | flag::kPsh, 50));
  engine.on_client_segment(segment(kClientIsn + 1 + 100, kServerIsn + 1 + 50, flag::kAck), egress,
                           kSentAt + milliseconds(2));
  return engine;
}

TEST(HeaderTimer, DecidesAsTheInsertionEngineAtEveryInstantUntilTheGiveUp) {
  insertion::InsertionEngine engine = sent_engine();
  sl_xdp_flow flow = sent_flow();
  ASSERT_EQ(engine.header_state(), insertion::HeaderState::kSent);
  ASSERT_EQ(engine.next_deadline()->count(), static_cast<std::int64_t>(flow.ins.deadline_ns));

  // Around each deadline: 1 ns before, at, and 1 ns after (a second call at the same instant
  // must not fire twice); the schedule 200, 600, 1400, 3000, 6200, 12600, give up at 25400 ms.
  std::vector<Nanoseconds> instants;
  for (const std::int64_t ms : {200, 600, 1400, 3000, 6200, 12600, 25400}) {
    const Nanoseconds at = kSentAt + milliseconds(ms);
    instants.insert(instants.end(), {at - Nanoseconds(1), at, at, at + Nanoseconds(1)});
  }
  instants.push_back(kSentAt + milliseconds(60000));
  int resends = 0;
  int give_ups = 0;
  for (const Nanoseconds now : instants) {
    SCOPED_TRACE("at " + std::to_string((now - kSentAt).count()) + " ns after the send");
    const insertion::TimerDecision want = engine.on_timer(now);
    const insertion::TimerDecision got = on_header_timer(flow, now);
    ASSERT_EQ(got.action, want.action);
    if (want.action == insertion::TimerAction::kResend) {
      ++resends;
      EXPECT_EQ(got.header_segment, want.header_segment);
    }
    if (want.action == insertion::TimerAction::kGiveUp) {
      ++give_ups;
      EXPECT_EQ(got.to_client, want.to_client);
      EXPECT_EQ(got.to_backend, want.to_backend);
    }
    EXPECT_EQ(flow.ins.timer_resends, engine.timer_resends());
    EXPECT_EQ(header_timer_armed(flow), engine.next_deadline().has_value());
    if (engine.next_deadline()) {
      EXPECT_EQ(static_cast<std::int64_t>(flow.ins.deadline_ns), engine.next_deadline()->count());
    }
    EXPECT_EQ((flow.ins.flags & SL_INS_STOPPED) != 0, engine.delivery_stopped());
  }
  EXPECT_EQ(resends, insertion::kMaxTimerResends);
  EXPECT_EQ(give_ups, 1);
}

// A scan comes up to one period late: the next deadline counts from the scan, not from the
// missed deadline, as the engine's does from its (late) timer call.
TEST(HeaderTimer, LateScansScheduleFromTheScanAsTheEngine) {
  insertion::InsertionEngine engine = sent_engine();
  sl_xdp_flow flow = sent_flow();
  int steps = 0;
  while (const auto deadline = engine.next_deadline()) {
    const Nanoseconds now = *deadline + milliseconds(37);
    const insertion::TimerDecision want = engine.on_timer(now);
    const insertion::TimerDecision got = on_header_timer(flow, now);
    ASSERT_EQ(got.action, want.action);
    EXPECT_EQ(got.header_segment, want.header_segment);
    EXPECT_EQ(got.to_client, want.to_client);
    EXPECT_EQ(got.to_backend, want.to_backend);
    EXPECT_EQ(header_timer_armed(flow), engine.next_deadline().has_value());
    if (engine.next_deadline()) {
      EXPECT_EQ(static_cast<std::int64_t>(flow.ins.deadline_ns), engine.next_deadline()->count());
    }
    ASSERT_LT(++steps, 10);
  }
  EXPECT_EQ(steps, insertion::kMaxTimerResends + 1);
}

TEST(HeaderTimer, ResendNumbersAreTheStreamStartAndTheClientsLatestAck) {
  sl_xdp_flow flow = sent_flow();
  const auto decision = on_header_timer(flow, kSentAt + milliseconds(200));
  ASSERT_EQ(decision.action, insertion::TimerAction::kResend);
  EXPECT_EQ(decision.header_segment.seq, TcpSeq(kClientIsn + 1));  // wraps to 0xFFFFFF01
  EXPECT_EQ(decision.header_segment.ack, TcpSeq(kServerIsn + 51));
  // A resend re-arms the one backend-triggered resend of the round, changes nothing else.
  sl_xdp_flow expected = sent_flow();
  expected.ins.timer_resends = 1;
  expected.ins.deadline_ns = static_cast<std::uint64_t>((kSentAt + milliseconds(600)).count());
  EXPECT_EQ(std::memcmp(&flow, &expected, sizeof flow), 0);
  flow.ins.flags = static_cast<std::uint8_t>(flow.ins.flags & ~SL_INS_FAST_RESEND);
  on_header_timer(flow, kSentAt + milliseconds(600));
  EXPECT_NE(flow.ins.flags & SL_INS_FAST_RESEND, 0);
}

TEST(HeaderTimer, LeavesFlowsWithoutARunningTimerAlone) {
  const Nanoseconds late = kSentAt + milliseconds(30000);
  auto untouched = [&](sl_xdp_flow flow) {
    const sl_xdp_flow before = flow;
    const auto decision = on_header_timer(flow, late);
    return decision.action == insertion::TimerAction::kNothing && std::memcmp(&flow, &before, sizeof flow) == 0;
  };
  sl_xdp_flow acked = sent_flow();
  acked.ins.header_state = SL_HDR_ACKED;
  acked.ins.flags = static_cast<std::uint8_t>(acked.ins.flags & ~SL_INS_TIMER_ARMED);
  EXPECT_TRUE(untouched(acked));
  // The program sets STOPPED on a backend RST without clearing TIMER_ARMED.
  sl_xdp_flow reset = sent_flow();
  reset.ins.flags |= SL_INS_STOPPED;
  EXPECT_TRUE(untouched(reset));
  sl_xdp_flow pending = sent_flow();
  pending.ins.header_state = SL_HDR_PENDING;
  EXPECT_TRUE(untouched(pending));
  sl_xdp_flow udp = sent_flow();
  udp.protocol = 17;
  EXPECT_TRUE(untouched(udp));
  sl_xdp_flow no_header = sent_flow();
  no_header.ins.header_len = 0;
  EXPECT_TRUE(untouched(no_header));
  sl_xdp_flow early = sent_flow();
  EXPECT_FALSE(header_timer_due(early, kSentAt + milliseconds(200) - Nanoseconds(1)));
  EXPECT_TRUE(header_timer_due(early, kSentAt + milliseconds(200)));
}

struct Frame {
  std::array<std::uint8_t, 2048> storage{};
  packet::PacketBuffer buffer{storage.data(), static_cast<std::uint32_t>(storage.size()), 0, 0};
  std::vector<std::uint8_t> bytes() const { return {buffer.data(), buffer.data() + buffer.length()}; }
};

const pipeline::L2Addresses kL2{net::MacAddress({2, 0, 0, 0, 0, 1}), net::MacAddress({2, 0, 0, 0, 0, 2})};

TEST(HeaderTimer, HeaderSegmentIsThePipelinesStandaloneSegment) {
  const sl_xdp_flow flow = sent_flow();
  std::array<std::uint8_t, kHeaderLength> header{};
  for (std::size_t i = 0; i < header.size(); ++i) header[i] = static_cast<std::uint8_t>(0xA0 + i);
  const insertion::HeaderSegment numbers{TcpSeq(kClientIsn + 1), TcpSeq(kServerIsn + 51)};
  Frame got;
  ASSERT_TRUE(write_header_resend(got.buffer, flow, numbers, header, kL2));

  pipeline::TcpSegmentSpec spec;  // what Worker::send_header_segment fills for this flow
  spec.l2 = kL2;
  spec.source = *net::Endpoint::parse("10.0.0.1:1024");
  spec.destination = *net::Endpoint::parse("10.0.0.2:8080");
  spec.seq = numbers.seq;
  spec.ack = numbers.ack;
  spec.flags = flag::kAck | flag::kPsh;
  spec.window = 0x1f6e;
  const std::uint8_t timestamps[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
  spec.timestamps = timestamps;
  spec.payload = header;
  Frame want;
  ASSERT_TRUE(pipeline::write_tcp_segment(want.buffer, spec));
  EXPECT_EQ(got.bytes(), want.bytes());
  EXPECT_EQ(got.buffer.length(), 14u + 20u + 32u + kHeaderLength);
  EXPECT_TRUE(packet::parse_frame(got.buffer.data(), got.buffer.length()).ok());

  // Without timestamps from the client: no options, as the pipeline's.
  sl_xdp_flow plain = flow;
  plain.last_client_ts_len = 0;
  Frame got_plain;
  ASSERT_TRUE(write_header_resend(got_plain.buffer, plain, numbers, header, kL2));
  spec.timestamps = nullptr;
  Frame want_plain;
  ASSERT_TRUE(pipeline::write_tcp_segment(want_plain.buffer, spec));
  EXPECT_EQ(got_plain.bytes(), want_plain.bytes());
}

TEST(HeaderTimer, GiveUpResetsAreThePipelinesInEachSidesFamily) {
  const sl_xdp_flow flow = sent_flow();
  const insertion::ResetSegment to_client{TcpSeq(kServerIsn + 51), TcpSeq(kClientIsn + 101)};
  const insertion::ResetSegment to_backend{TcpSeq(kClientIsn + 1), TcpSeq(kServerIsn + 51)};
  auto pipeline_reset = [](const char* source, const char* destination, const insertion::ResetSegment& numbers) {
    pipeline::TcpSegmentSpec spec;  // what Worker::send_resets fills
    spec.l2 = kL2;
    spec.source = *net::Endpoint::parse(source);
    spec.destination = *net::Endpoint::parse(destination);
    spec.seq = numbers.seq;
    spec.ack = numbers.ack;
    spec.flags = flag::kRst | flag::kAck;
    Frame frame;
    EXPECT_TRUE(pipeline::write_tcp_segment(frame.buffer, spec));
    return frame.bytes();
  };
  Frame client;
  ASSERT_TRUE(write_give_up_reset(client.buffer, flow, ResetTarget::kClient, to_client, kL2));
  EXPECT_EQ(client.bytes(), pipeline_reset("[2001:db8::100]:80", "[2001:db8::10]:40000", to_client));
  EXPECT_EQ(client.buffer.length(), 14u + 40u + 20u);
  Frame backend;
  ASSERT_TRUE(write_give_up_reset(backend.buffer, flow, ResetTarget::kBackend, to_backend, kL2));
  EXPECT_EQ(backend.bytes(), pipeline_reset("10.0.0.1:1024", "10.0.0.2:8080", to_backend));
  EXPECT_EQ(backend.buffer.length(), 14u + 20u + 20u);
}

}  // namespace
}  // namespace sluice::xdp
