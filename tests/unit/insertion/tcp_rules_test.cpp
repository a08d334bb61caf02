// The shared TCP rules (dataplane/shared/tcp_rules.h) on their own: the C functions both
// datapaths call. The engine's and the pipeline's tests cover them through the C++ side, the
// fixture replay through the XDP program; these cases pin the rules where the two copies used
// to differ (issue 13) and the edges no fixture reaches.
#include "dataplane/shared/tcp_insertion.h"
#include "dataplane/shared/tcp_rules.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace sluice {
namespace {

constexpr std::uint8_t kAck = SL_TCPF_ACK;
constexpr std::uint8_t kFinAck = SL_TCPF_FIN | SL_TCPF_ACK;

struct Tracked {
  std::uint8_t state = SL_TCP_ESTABLISHED;
  std::uint8_t track = 0;
  void segment(bool from_client, std::uint8_t flags) { sl_tcp_track(&state, &track, from_client ? 1 : 0, flags); }
};

TEST(TcpRules, LastAckMovesOnOnlyOnTheOtherSidesAck) {
  for (const bool client_first : {true, false}) {
    SCOPED_TRACE(client_first ? "client closes first" : "backend closes first");
    Tracked t;
    t.segment(client_first, kFinAck);
    EXPECT_EQ(t.state, client_first ? SL_TCP_FIN_WAIT : SL_TCP_CLOSE_WAIT);
    t.segment(!client_first, kFinAck);  // the last FIN, from the other side
    EXPECT_EQ(t.state, SL_TCP_LAST_ACK);
    t.segment(!client_first, kAck);  // a pure ACK from the last FIN's own sender
    EXPECT_EQ(t.state, SL_TCP_LAST_ACK);
    t.segment(client_first, kAck);  // the ACK of the last FIN
    EXPECT_EQ(t.state, SL_TCP_TIME_WAIT);
  }
}

TEST(TcpRules, RepeatedFinFromOneSideIsNotBothFins) {
  Tracked t;
  t.segment(true, kFinAck);
  t.segment(true, kFinAck);  // retransmitted
  EXPECT_EQ(t.state, SL_TCP_FIN_WAIT);
  t.segment(false, SL_TCPF_RST | SL_TCPF_ACK);
  EXPECT_EQ(t.state, SL_TCP_CLOSE);
}

TEST(TcpRules, PositionsOnlyMoveForwardAcrossTheWrap) {
  // A reordered old ACK (either side's) must not lower the recorded RCV.NXT.
  EXPECT_EQ(sl_seq_advance(0x00000010u, 0xFFFFFFF0u), 0x00000010u);
  EXPECT_EQ(sl_seq_advance(0xFFFFFFF0u, 0x00000010u), 0x00000010u);
  EXPECT_EQ(sl_seq_advance(1000u, 999u), 1000u);
}

TEST(TcpRules, SackAboveTheAckIsASignalWithOrWithoutData) {
  const std::uint32_t c = 0xFFFFFFF0u;  // c+1 .. c+1+H crosses 2^32
  const std::uint32_t start = c + 1;
  const int above = sl_sack_block_above(start + 28, start + 128, start);
  EXPECT_EQ(above, 1);
  EXPECT_EQ(sl_header_missing_signal(c, start, kAck, 0, above), SL_RESEND_BACKEND_SACK);
  EXPECT_EQ(sl_header_missing_signal(c, start, SL_TCPF_PSH | kAck, 512, above), SL_RESEND_BACKEND_SACK);
  // Without SACK, data at ack c+1 is a banner racing the header: no signal; empty, a dup ACK.
  EXPECT_EQ(sl_header_missing_signal(c, start, SL_TCPF_PSH | kAck, 512, 0), SL_RESEND_NONE);
  EXPECT_EQ(sl_header_missing_signal(c, start, kFinAck, 0, 0), SL_RESEND_NONE);
  EXPECT_EQ(sl_header_missing_signal(c, start, kAck, 0, 0), SL_RESEND_BACKEND_DUPLICATE_ACK);
  EXPECT_EQ(sl_header_missing_signal(c, start + 10, kAck, 0, 0), SL_RESEND_BACKEND_PARTIAL_ACK);
  EXPECT_EQ(sl_header_missing_signal(c, c, kAck, 0, 0), SL_RESEND_NONE);
  // A malformed block (left >= right) says nothing.
  EXPECT_EQ(sl_sack_block_above(start + 128, start + 28, start), 0);
}

TEST(TcpRules, FinCountsWhenASegmentStraddlesStreamStart) {
  // seq c, one byte, FIN: the FIN would occupy c+1, where the header sits (the program used to
  // count the payload only and forward it).
  const std::uint32_t c = 5000;
  EXPECT_EQ(sl_client_segment_drop(c, 9000, 9001, 1, 1, kFinAck, c, 9001, 2), SL_ID_CLIENT_STRADDLES_STREAM_START);
  // The keepalive probe (one garbage byte at c) ends at c+1: it passes, unshifted.
  EXPECT_EQ(sl_client_segment_drop(c, 9000, 9001, 1, 1, kAck, c, 9001, 1), 0);
}

TEST(TcpRules, IdleExpiryIsAtTheTimeoutAndNeverBeforeLastSeen) {
  EXPECT_EQ(sl_idle_expired(2'000, 1'000, 1'000), 1);  // exactly one timeout: expired
  EXPECT_EQ(sl_idle_expired(1'999, 1'000, 1'000), 0);
  EXPECT_EQ(sl_idle_expired(900, 1'000, 50), 0);  // last seen on another CPU, after our now
  EXPECT_EQ(sl_idle_timeout_ns(SL_TCP_SYN_RECV, 1, 2, 3, 4), 1u);
  EXPECT_EQ(sl_idle_timeout_ns(SL_TCP_ESTABLISHED, 1, 2, 3, 4), 2u);
  EXPECT_EQ(sl_idle_timeout_ns(SL_TCP_LAST_ACK, 1, 2, 3, 4), 3u);
  EXPECT_EQ(sl_idle_timeout_ns(SL_UDP_ACTIVE, 1, 2, 3, 4), 4u);
}

TEST(TcpRules, TranslationsWrap) {
  // The header c+1 .. c+28 crosses 2^32 (formerly static_asserts in sequence_map.hpp).
  const std::uint32_t c = 0xFFFFFFF0u;
  EXPECT_EQ(sl_translate_client_seq(c, 28, 0xFFFFFFF0u), 0xFFFFFFF0u);
  EXPECT_EQ(sl_translate_client_seq(c, 28, 0xFFFFFFF1u), 0x0000000Du);
  EXPECT_EQ(sl_translate_server_ack(c, 28, 0x0000000Du), 0xFFFFFFF1u);
  EXPECT_EQ(sl_translate_server_ack(c, 28, 0x00000005u), 0xFFFFFFF1u);
  EXPECT_EQ(sl_translate_server_ack(c, 28, 0x0000000Eu), 0xFFFFFFF2u);
  std::uint32_t left = 0xFFFFFFF1u, right = 0x0000000Du;  // header bytes only: removed
  EXPECT_EQ(sl_translate_sack_block(c, 28, &left, &right), 0);
}

TEST(TcpRules, HeaderTimerAndMssConstants) {
  EXPECT_EQ(sl_header_rto_ns(0), 200'000'000u);
  EXPECT_EQ(sl_header_rto_ns(SL_HEADER_MAX_TIMER_RESENDS), 12'800'000'000u);
  EXPECT_EQ(sl_client_facing_mss(1460, 28), 1432);
  EXPECT_EQ(sl_client_facing_mss(100, 28), SL_TCP_MIN_CLIENT_MSS);
  EXPECT_EQ(sl_client_facing_mss(80, 28), 80);  // never raised
}

}  // namespace
}  // namespace sluice
