// The shared insertion state machine (dataplane/shared/tcp_insertion.h) on its own struct: the
// C functions that both the C++ engine and the XDP program run. The engine tests cover them
// through the typed wrapper and the fixture replay through the program; these cases pin the
// points where the XDP program's own copy of the state machine used to differ before it was
// replaced by these functions (issue 13), and the struct's layout.
#include "dataplane/shared/tcp_insertion.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace sluice {
namespace {

constexpr std::uint32_t kClientIsn = 0xfffffff0u;  // c+1+H wraps: serial arithmetic everywhere
constexpr std::uint32_t kServerIsn = 5000;
constexpr std::uint16_t kHeaderLength = 28;
constexpr std::uint8_t kAck = SL_TCPF_ACK;
constexpr std::uint8_t kSynAck = SL_TCPF_SYN | SL_TCPF_ACK;
constexpr std::uint8_t kRstAck = SL_TCPF_RST | SL_TCPF_ACK;
constexpr std::uint64_t kSentAt = 1'000'000'000;

// A flow whose header went out at kSentAt on the handshake-completing ACK (on-connect).
sl_tcp_insertion sent_flow() {
  sl_tcp_insertion s{};
  sl_ins_init(&s, kClientIsn, kHeaderLength, 0);
  const sl_ins_backend_result synack = sl_ins_backend_segment(&s, kSynAck, kServerIsn, kClientIsn + 1, 0, 1460, 0);
  EXPECT_EQ(synack.drop, 0);
  EXPECT_EQ(sl_ins_client_accept(&s, kAck, kClientIsn + 1, kServerIsn + 1, 0), 0);
  EXPECT_EQ(sl_ins_header_due_first_time(&s, kClientIsn + 1, 0), 1);
  sl_ins_record_client_seq(&s, kClientIsn + 1);
  sl_ins_record_client_ack(&s, kServerIsn + 1);
  sl_ins_mark_sent(&s, kSentAt);
  return s;
}

TEST(TcpInsertion, StructIsTheFortyBytesBothDatapathsStore) {
  EXPECT_EQ(sizeof(sl_tcp_insertion), 40u);
  EXPECT_EQ(SL_HEADER_STATE_COUNT, 4);
  EXPECT_EQ(SL_RESEND_CAUSE_COUNT, 7);
  EXPECT_EQ(SL_TIMER_ACTION_COUNT, 3);
}

TEST(TcpInsertion, InitIsPendingWithTheDefaultMss) {
  sl_tcp_insertion s{};
  sl_ins_init(&s, kClientIsn, kHeaderLength, 1);
  EXPECT_EQ(s.header_state, SL_HDR_PENDING);
  EXPECT_EQ(s.client_snd_nxt, kClientIsn + 1);
  EXPECT_EQ(s.backend_mss, SL_TCP_DEFAULT_MSS);
  EXPECT_EQ(s.flags, SL_INS_WITH_DATA);
}

TEST(TcpInsertion, BackendResetStopsTheTimer) {
  // The XDP copy set STOPPED but left TIMER_ARMED on, and went on to judge the RST's ack
  // against the header (an RST acking c+1+H marked it acknowledged).
  sl_tcp_insertion s = sent_flow();
  ASSERT_NE(s.flags & SL_INS_TIMER_ARMED, 0);
  const sl_ins_backend_result r =
      sl_ins_backend_segment(&s, kRstAck, kServerIsn + 1, kClientIsn + 1 + kHeaderLength, 0, 0, 0);
  EXPECT_EQ(r.drop, 0);
  EXPECT_EQ(r.acked_now, 0);
  EXPECT_EQ(s.header_state, SL_HDR_SENT);
  EXPECT_NE(s.flags & SL_INS_STOPPED, 0);
  EXPECT_EQ(s.flags & SL_INS_TIMER_ARMED, 0);
  EXPECT_EQ(sl_ins_on_timer(&s, kSentAt + 10'000'000'000ull), SL_TIMER_NOTHING);
}

TEST(TcpInsertion, ResetBeforeTheSynAckRecordsNothing) {
  // The XDP copy advanced the backend's SND.NXT from a closed port's RST (ISN unknown).
  sl_tcp_insertion s{};
  sl_ins_init(&s, kClientIsn, kHeaderLength, 0);
  const sl_ins_backend_result r = sl_ins_backend_segment(&s, kRstAck, 0, kClientIsn + 1, 0, 0, 0);
  EXPECT_EQ(r.drop, 0);
  EXPECT_EQ(s.backend_snd_nxt, 0u);
  EXPECT_EQ(s.backend_last_ack, 0u);
  EXPECT_NE(s.flags & SL_INS_STOPPED, 0);
}

TEST(TcpInsertion, HeaderSentAfterABackendResetArmsNoTimer) {
  // The XDP copy armed the timer anyway (its scan skipped STOPPED flows, so nothing was sent,
  // but the state differed from the engine's).
  sl_tcp_insertion s{};
  sl_ins_init(&s, kClientIsn, kHeaderLength, 0);
  sl_ins_backend_segment(&s, kSynAck, kServerIsn, kClientIsn + 1, 0, 1460, 0);
  sl_ins_backend_segment(&s, kRstAck, kServerIsn + 1, kClientIsn + 1, 0, 0, 0);
  sl_ins_mark_sent(&s, kSentAt);
  EXPECT_EQ(s.header_state, SL_HDR_SENT);
  EXPECT_EQ(s.flags & SL_INS_TIMER_ARMED, 0);
}

TEST(TcpInsertion, EarlyRstWithPayloadAtStreamStartIsTranslated) {
  // Only a zero-length segment at c+1 keeps c+1 before the header exists; the XDP copy kept
  // c+1 for any RST there, payload or not.
  sl_tcp_insertion s{};
  sl_ins_init(&s, kClientIsn, kHeaderLength, 1);
  EXPECT_EQ(sl_ins_forwarded_client_seq(&s, kClientIsn + 1, 0), kClientIsn + 1);
  EXPECT_EQ(sl_ins_forwarded_client_seq(&s, kClientIsn + 1, 5), kClientIsn + 1 + kHeaderLength);
}

TEST(TcpInsertion, AcknowledgedHeaderClearsEveryResendState) {
  sl_tcp_insertion s = sent_flow();
  s.flags = static_cast<std::uint8_t>(s.flags | SL_INS_RESEND_WANTED);
  const sl_ins_backend_result r =
      sl_ins_backend_segment(&s, kAck, kServerIsn + 1, kClientIsn + 1 + kHeaderLength, 0, 0, 0);
  EXPECT_EQ(r.acked_now, 1);
  EXPECT_EQ(s.header_state, SL_HDR_ACKED);
  EXPECT_EQ(s.flags & (SL_INS_TIMER_ARMED | SL_INS_FAST_RESEND | SL_INS_RESEND_WANTED), 0);
}

TEST(TcpInsertion, OneBackendTriggeredResendPerTimerRound) {
  sl_tcp_insertion s = sent_flow();
  const std::uint32_t start = kClientIsn + 1;
  EXPECT_EQ(sl_ins_backend_segment(&s, kAck, kServerIsn + 1, start, 0, 0, 0).resend, SL_RESEND_BACKEND_DUPLICATE_ACK);
  EXPECT_EQ(sl_ins_backend_segment(&s, kAck, kServerIsn + 1, start, 0, 0, 0).resend, SL_RESEND_NONE);
  EXPECT_EQ(sl_ins_on_timer(&s, kSentAt + 200'000'000), SL_TIMER_RESEND);
  // A SACK above c+1 on a data segment is a signal too (the XDP copy ignored it with data).
  EXPECT_EQ(sl_ins_backend_segment(&s, kAck, kServerIsn + 1, start, 100, 0, 1).resend, SL_RESEND_BACKEND_SACK);
}

TEST(TcpInsertion, SynAckRetransmissionWhileTheHeaderIsOutAsksForIt) {
  sl_tcp_insertion s = sent_flow();
  const std::uint32_t snd_nxt = s.backend_snd_nxt;
  const sl_ins_backend_result r = sl_ins_backend_segment(&s, kSynAck, kServerIsn, kClientIsn + 1, 0, 1200, 0);
  EXPECT_EQ(r.resend, SL_RESEND_BACKEND_SYN_ACK);
  EXPECT_EQ(s.backend_snd_nxt, snd_nxt);  // neither SND.NXT nor the MSS move
  EXPECT_EQ(s.backend_mss, 1460);
  // Another ISN once the client is synchronized is refused.
  EXPECT_EQ(sl_ins_backend_segment(&s, kSynAck, kServerIsn + 7, kClientIsn + 1, 0, 1460, 0).drop,
            SL_ID_BACKEND_SYN_ACK_MISMATCH);
}

TEST(TcpInsertion, TimerDoublesThenGivesUpWithTheLatestNumbers) {
  sl_tcp_insertion s = sent_flow();
  std::uint64_t now = kSentAt;
  for (std::uint32_t round = 0; round < SL_HEADER_MAX_TIMER_RESENDS; ++round) {
    EXPECT_EQ(sl_ins_on_timer(&s, now + sl_header_rto_ns(round) - 1), SL_TIMER_NOTHING);
    now += sl_header_rto_ns(round);
    EXPECT_EQ(sl_ins_on_timer(&s, now), SL_TIMER_RESEND);
  }
  sl_ins_record_client_ack(&s, kServerIsn + 1 + 300);
  sl_ins_record_client_ack(&s, kServerIsn + 1 + 100);  // reordered old ACK: RCV.NXT stays
  EXPECT_EQ(sl_ins_on_timer(&s, now + sl_header_rto_ns(SL_HEADER_MAX_TIMER_RESENDS)), SL_TIMER_GIVE_UP);
  EXPECT_NE(s.flags & SL_INS_STOPPED, 0);
  sl_ins_reset to_client{};
  sl_ins_reset to_backend{};
  sl_ins_give_up_resets(&s, &to_client, &to_backend);
  EXPECT_EQ(to_client.seq, kServerIsn + 1 + 300);
  EXPECT_EQ(to_client.ack, kClientIsn + 1);
  EXPECT_EQ(to_backend.seq, kClientIsn + 1);
  EXPECT_EQ(to_backend.ack, kServerIsn + 1);
}

}  // namespace
}  // namespace sluice
