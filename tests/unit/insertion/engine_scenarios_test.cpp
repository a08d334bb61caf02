// Whole-flow scenarios for the insertion engine, as tables (see scenario.hpp). Unless a case
// says otherwise: client ISN c = 1000 (stream starts at c+1 = 1001), backend ISN s = 5000,
// H = 28 (a v2 header for IPv4 without TLVs), so the header occupies 1001..1028 in the
// backend's space and client byte k sits at k+28. Egress MTU 1500 with a 20-byte IP header.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/insertion/scenario.hpp"

namespace sluice::insertion::test {
namespace {

constexpr auto kOnConnect = InsertionMode::kOnConnect;
constexpr auto kWithData = InsertionMode::kWithData;
using S = HeaderState;
using R = ResendCause;
using D = InsertionDrop;

// The common opening: client SYN at t=0 and the backend's SYN-ACK (MSS 1460).
std::vector<Step> handshake(std::vector<Step> rest, std::uint16_t backend_mss = 1460) {
  std::vector<Step> steps{
      client(0, syn(1000), expect().forward().with_seq(1000).strips_syn_payload(false)
                               .then_state(S::kPending).then_no_deadline(), "SYN untouched"),
      backend(syn_ack(5000, 1001).mss(backend_mss),
              expect().forward().with_ack(1001).no_header().then_state(S::kPending),
              "SYN-ACK acks c+1"),
  };
  steps.insert(steps.end(), rest.begin(), rest.end());
  return steps;
}

// on-connect: the handshake ACK (t=1 ms) becomes the header segment; timer due at 201 ms.
std::vector<Step> on_connect_header_sent(std::vector<Step> rest) {
  std::vector<Step> steps{client(1, ack(1001, 5001),
                                 expect().forward().grown().with_seq(1001).first_insertion()
                                     .then_state(S::kSent).then_deadline_ms(201),
                                 "handshake ACK grown into the header segment")};
  steps.insert(steps.end(), rest.begin(), rest.end());
  return handshake(std::move(steps));
}

std::vector<Scenario> scenarios() {
  return {
      // ---------------------------------------------------------------- happy paths
      {"on_connect_data_both_ways", "on-connect: header at the handshake ACK, data both ways, close",
       kOnConnect, 28, 1000,
       on_connect_header_sent({
           client(2, data(1001, 5001, 100), expect().forward().with_seq(1029).no_header(),
                  "first data shifted by H"),
           backend(ack(5001, 1129), expect().forward().with_ack(1101).acked_now()
                                       .then_state(S::kAcked).then_no_deadline(),
                   "backend acks header + 100 bytes"),
           backend(data(5001, 1129, 50), expect().forward().with_ack(1101).no_header(),
                   "backend data: seq untouched, ack -H"),
           client(4, ack(1101, 5051), expect().forward().with_seq(1129).no_header()),
           client(5, fin_ack(1101, 5051), expect().forward().with_seq(1129).no_header(),
                  "client FIN translated"),
           backend(fin_ack(5051, 1130), expect().forward().with_ack(1102)),
           client(6, ack(1102, 5052), expect().forward().with_seq(1130)),
           timer(500, expect().timer_nothing().then_no_deadline(), "nothing to resend"),
       })},
      {"on_connect_handshake_ack_with_data", "on-connect: the handshake ACK carries data and is grown",
       kOnConnect, 28, 1000,
       handshake({
           client(1, data(1001, 5001, 200), expect().forward().grown().with_seq(1001)
                                                .first_insertion().then_state(S::kSent)),
           client(2, data(1201, 5001, 100), expect().forward().with_seq(1229).no_header()),
           backend(ack(5001, 1329), expect().with_ack(1301).acked_now().then_state(S::kAcked)),
       })},
      {"on_connect_handshake_ack_lost", "on-connect: handshake ACK lost, the first data segment plays its role",
       kOnConnect, 28, 1000,
       handshake({
           client(3, data(1001, 5001, 10), expect().forward().grown().with_seq(1001)
                                               .then_state(S::kSent).then_deadline_ms(203)),
       })},
      {"on_connect_first_segments_lost", "on-connect: handshake ACK and first data lost upstream, "
       "header goes standalone in front of the later segment",
       kOnConnect, 28, 1000,
       handshake({
           client(3, data(1101, 5001, 100), expect().forward().standalone(1001, 5001)
                                                .with_seq(1129).then_state(S::kSent)),
           client(4, data(1001, 5001, 100), expect().forward().grown().with_seq(1001)
                                                .resent(R::kClientRetransmission),
                  "the lost c+1 segment, resent by the client, carries the header again"),
       })},
      {"with_data_data_both_ways", "with-data: MSS lowered, pure ACKs untouched until the first data",
       kWithData, 28, 1000,
       {
           client(0, syn(1000), expect().forward().with_seq(1000)),
           backend(syn_ack(5000, 1001).mss(1460), expect().forward().with_ack(1001)
                                                      .with_client_mss(1432)),
           client(1, ack(1001, 5001), expect().forward().with_seq(1001).no_header()
                                          .then_state(S::kPending).then_no_deadline(),
                  "handshake ACK at c+1 itself: the header is not there yet"),
           backend(data(5001, 1001, 20), expect().forward().with_ack(1001),
                   "backend speaks first anyway"),
           client(2, ack(1001, 5021), expect().forward().with_seq(1001).no_header()),
           client(3, data(1001, 5021, 100), expect().forward().grown().with_seq(1001)
                                                .first_insertion().then_state(S::kSent)
                                                .then_deadline_ms(203)),
           backend(ack(5021, 1129), expect().with_ack(1101).acked_now().then_state(S::kAcked)),
           client(4, data(1101, 5021, 100), expect().forward().with_seq(1129).no_header()),
           client(5, ack(1201, 5021), expect().forward().with_seq(1229)),
       }},
      {"with_data_no_mss_option", "with-data: SYN-ACK without MSS option is left alone",
       kWithData, 28, 1000,
       {
           client(0, syn(1000), expect().forward()),
           backend(syn_ack(5000, 1001), expect().forward().with_client_mss(0)),
           client(1, data(1001, 5001, 536), expect().forward().standalone(1001, 5001)
                                                .with_seq(1029),
                  "536 + 28 exceeds the assumed backend MSS of 536"),
           client(2, data(1001, 5001, 508), expect().forward().grown().with_seq(1001)
                                                .resent(R::kClientRetransmission),
                  "508 + 28 = 536 fits exactly"),
       }},

      // ---------------------------------------------------------------- header loss
      {"lost_header_dup_ack", "header lost: first duplicate ACK at c+1 resends, once per timer round",
       kOnConnect, 28, 1000,
       on_connect_header_sent({
           client(2, data(1001, 5001, 100), expect().forward().with_seq(1029)),
           backend(ack(5001, 1001), expect().forward().with_ack(1001)
                                        .resent(R::kBackendDuplicateAck, 1001, 5001)
                                        .then_state(S::kSent).then_deadline_ms(201),
                   "dup ACK at c+1: resend, timer unchanged"),
           backend(ack(5001, 1001), expect().with_ack(1001).resent(R::kNone),
                   "further dup ACKs wait for the timer"),
           timer(201, expect().timer_resend(1001, 5001).then_deadline_ms(601)),
           backend(ack(5001, 1001), expect().resent(R::kBackendDuplicateAck),
                   "re-armed by the timer"),
           backend(ack(5001, 1129), expect().with_ack(1101).acked_now().resent(R::kNone)
                                        .then_state(S::kAcked).then_no_deadline()),
           backend(ack(5001, 1001), expect().with_ack(1001).resent(R::kNone),
                   "stale ACK after acked: nothing"),
       })},
      {"lost_header_sack", "header lost: SACK above the header while the ack is c+1",
       kOnConnect, 28, 1000,
       on_connect_header_sent({
           client(2, data(1001, 5001, 100), expect().with_seq(1029)),
           backend(ack(5001, 1001).sack(1029, 1129),
                   expect().with_ack(1001).resent(R::kBackendSack, 1001, 5001)
                       .with_sack({block(1001, 1101)})),
       })},
      {"lost_header_partial_ack", "backend acknowledged part of the header only",
       kOnConnect, 28, 1000,
       on_connect_header_sent({
           backend(ack(5001, 1010), expect().with_ack(1001).resent(R::kBackendPartialAck, 1001, 5001)
                                        .then_state(S::kSent)),
       })},
      {"lost_header_client_retransmission", "client retransmits its segment at c+1: header in front again",
       kOnConnect, 28, 1000,
       on_connect_header_sent({
           client(2, data(1001, 5001, 100), expect().with_seq(1029).no_header()),
           client(150, data(1001, 5001, 100), expect().forward().grown().with_seq(1001)
                                                  .resent(R::kClientRetransmission)
                                                  .then_deadline_ms(201),
                  "retransmission: grown again, timer unchanged"),
           client(160, data(1001, 5001, 1460), expect().forward().standalone(1001, 5001)
                                                   .with_seq(1029)
                                                   .resent(R::kClientRetransmission),
                  "repacketized full-size retransmission: standalone in front"),
           client(170, data(1101, 5001, 100), expect().with_seq(1129).no_header(),
                  "later segments are not at c+1"),
           backend(ack(5001, 1129), expect().acked_now().then_state(S::kAcked)),
           client(300, data(1001, 5001, 100), expect().with_seq(1029).no_header(),
                  "after the ack a retransmission at c+1 is plain"),
       })},
      {"lost_header_timer_backoff_give_up", "timer: 200 ms doubling, 6 resends, then RST both sides",
       kOnConnect, 28, 1000,
       handshake({
           client(0, ack(1001, 5001), expect().grown().then_deadline_ms(200)),
           client(1, data(1001, 5001, 100), expect().with_seq(1029)),
           backend(data(5001, 1001, 40), expect().with_ack(1001).resent(R::kNone),
                   "banner racing the header is no loss signal"),
           client(2, ack(1101, 5041), expect().with_seq(1129)),
           timer(199.5, expect().timer_nothing().then_deadline_ms(200), "not due"),
           timer(200, expect().timer_resend(1001, 5041).then_deadline_ms(600)),
           timer(600, expect().timer_resend(1001, 5041).then_deadline_ms(1400)),
           timer(1400, expect().timer_resend(1001, 5041).then_deadline_ms(3000)),
           timer(3000, expect().timer_resend(1001, 5041).then_deadline_ms(6200)),
           timer(6200, expect().timer_resend(1001, 5041).then_deadline_ms(12600)),
           timer(12600, expect().timer_resend(1001, 5041).then_deadline_ms(25400)),
           timer(25399, expect().timer_nothing()),
           timer(25400, expect().give_up(ResetSegment{TcpSeq(5041), TcpSeq(1101)},
                                         ResetSegment{TcpSeq(1001), TcpSeq(5041)})
                            .then_state(S::kSent).then_no_deadline(),
                 "client RST at its RCV.NXT 5041; backend RST at its RCV.NXT c+1"),
           timer(60000, expect().timer_nothing().then_no_deadline()),
           backend(ack(5041, 1001), expect().resent(R::kNone), "no resend after giving up"),
       })},
      {"late_timer_measures_from_now", "a late timer tick schedules the next one from the tick",
       kOnConnect, 28, 1000,
       on_connect_header_sent({
           timer(250, expect().timer_resend(1001, 5001).then_deadline_ms(650)),
       })},
      {"header_acked_stops_resends", "ack of exactly c+1+H acknowledges the header",
       kOnConnect, 28, 1000,
       on_connect_header_sent({
           backend(ack(5001, 1029), expect().with_ack(1001).acked_now().then_state(S::kAcked)
                                        .then_no_deadline()),
           timer(201, expect().timer_nothing()),
           backend(ack(5001, 1029), expect().with_ack(1001).acked_now(false).resent(R::kNone)),
           client(300, ack(1001, 5001), expect().with_seq(1029).no_header()),
       })},
      {"syn_ack_retransmission_after_header", "SYN-ACK again after the header: the header segment was lost",
       kOnConnect, 28, 1000,
       on_connect_header_sent({
           backend(syn_ack(5000, 1001).mss(1460),
                   expect().forward().with_ack(1001).resent(R::kBackendSynAckRetransmission, 1001, 5001)),
           client(1000, ack(1001, 5001), expect().forward().with_seq(1029).no_header(),
                  "client answers the SYN-ACK: pure ACK shifted"),
       })},

      // ---------------------------------------------------------------- SACK and D-SACK
      {"sack_edges_translate", "SACK blocks after the header is acked; D-SACK of a resent header removed",
       kOnConnect, 28, 1000,
       on_connect_header_sent({
           backend(ack(5001, 1129).sack(1229, 1329).sack(1429, 1529),
                   expect().with_ack(1101).acked_now()
                       .with_sack({block(1201, 1301), block(1401, 1501)})),
           backend(ack(5001, 1129).sack(1001, 1029).sack(1229, 1329),
                   expect().with_ack(1101).with_sack({std::nullopt, block(1201, 1301)}),
                   "D-SACK of header bytes only: removed"),
           backend(ack(5001, 1329).sack(1129, 1229),
                   expect().with_ack(1301).with_sack({block(1101, 1201)}), "D-SACK of client data"),
           backend(ack(5001, 1329).sack(1010, 1229),
                   expect().with_sack({block(1001, 1201)}), "left edge inside the header -> c+1"),
       })},

      // ---------------------------------------------------------------- wraparound, odd H
      {"wraparound", "c near 2^32: the header crosses zero",
       kOnConnect, 28, 0xFFFFFFF0u,
       {
           client(0, syn(0xFFFFFFF0u), expect().forward().with_seq(0xFFFFFFF0u)),
           backend(syn_ack(5000, 0xFFFFFFF1u), expect().with_ack(0xFFFFFFF1u)),
           client(1, ack(0xFFFFFFF1u, 5001), expect().grown().with_seq(0xFFFFFFF1u)),
           client(2, data(0xFFFFFFF1u, 5001, 100), expect().with_seq(0x0000000Du)),
           backend(ack(5001, 0x00000005u), expect().with_ack(0xFFFFFFF1u)
                                               .resent(R::kBackendPartialAck),
                   "ack inside the wrapped header"),
           backend(ack(5001, 0x00000071u), expect().with_ack(0x00000055u).acked_now()
                                               .then_state(S::kAcked)),
           client(3, data(0x00000055u, 5001, 10), expect().with_seq(0x00000071u)),
       }},
      {"odd_header_length", "v1-style odd H = 45",
       kOnConnect, 45, 1000,
       handshake({
           client(1, ack(1001, 5001), expect().grown().with_seq(1001)),
           client(2, data(1001, 5001, 7), expect().with_seq(1046)),
           backend(ack(5001, 1023), expect().with_ack(1001).resent(R::kBackendPartialAck)),
           backend(ack(5001, 1046), expect().with_ack(1001).acked_now()),
           backend(ack(5001, 1053), expect().with_ack(1008)),
       })},

      // ---------------------------------------------------------------- with-data specifics
      {"with_data_full_mss_segment_fits_lowered_mss", "full segment at the lowered MSS is grown; one byte more is not",
       kWithData, 28, 1000,
       {
           client(0, syn(1000), expect().forward()),
           backend(syn_ack(5000, 1001).mss(1460), expect().with_client_mss(1432)),
           client(1, data(1001, 5001, 1432), expect().grown().with_seq(1001),
                  "1432 + 28 = 1460 = MSS; 20+20+1460 = 1500 = MTU"),
           client(2, data(1001, 5001, 1433), expect().standalone(1001, 5001).with_seq(1029)
                                                 .resent(R::kClientRetransmission),
                  "one byte over"),
           client(3, data(1001, 5001, 1420).tcp_header(32),
                  expect().grown().with_seq(1001).resent(R::kClientRetransmission),
                  "with timestamps: 1420 + 28 + 12 option bytes = 1460"),
       }},
      {"with_data_full_segment_unlowered", "full 1460-byte first segment (MSS not lowered) goes standalone",
       kWithData, 28, 1000,
       {
           client(0, syn(1000), expect().forward()),
           backend(syn_ack(5000, 1001).mss(1460), expect().forward()),
           client(1, data(1001, 5001, 1460), expect().standalone(1001, 5001).with_seq(1029)
                                                 .first_insertion().then_state(S::kSent)),
       }},
      {"with_data_retransmission_until_acked", "retransmissions at c+1 carry the header until acked",
       kWithData, 28, 1000,
       handshake({
           client(1, ack(1001, 5001), expect().with_seq(1001).no_header()),
           client(2, data(1001, 5001, 100), expect().grown().first_insertion()),
           client(100, data(1001, 5001, 100), expect().grown().with_seq(1001)
                                                  .resent(R::kClientRetransmission)),
           client(101, ack(1101, 5001), expect().with_seq(1129).no_header(), "pure ACK shifted now"),
           backend(ack(5001, 1129), expect().acked_now()),
           client(400, data(1001, 5001, 100), expect().with_seq(1029).no_header()),
       })},
      {"with_data_first_data_not_at_stream_start", "first data segment at c+101 (c+1 lost upstream)",
       kWithData, 28, 1000,
       handshake({
           client(1, data(1101, 5001, 100), expect().standalone(1001, 5001).with_seq(1129)
                                                .first_insertion().then_state(S::kSent)),
           client(2, data(1001, 5001, 100), expect().grown().with_seq(1001)
                                                .resent(R::kClientRetransmission),
                  "the client's resend of the c+1 segment carries the header again"),
       })},
      {"with_data_fin_first", "client closes without data: header grown onto the FIN",
       kWithData, 28, 1000,
       handshake({
           client(1, fin_ack(1001, 5001), expect().grown().with_seq(1001).then_state(S::kSent)),
           backend(ack(5001, 1030), expect().with_ack(1002).acked_now()),
       })},
      {"with_data_rst_pending", "client RST before any data: at c+1 itself",
       kWithData, 28, 1000,
       handshake({
           client(1, rst(1001), expect().forward().with_seq(1001).no_header()
                                    .then_state(S::kPending)),
       })},

      // ---------------------------------------------------------------- server first, FIN, RST
      {"server_speaks_first", "on-connect: banner flows before any client data",
       kOnConnect, 28, 1000,
       on_connect_header_sent({
           backend(data(5001, 1029, 30), expect().forward().with_ack(1001).acked_now()
                                             .then_state(S::kAcked),
                   "banner acknowledges the header"),
           client(2, ack(1001, 5031), expect().with_seq(1029)),
       })},
      {"server_fin_first", "backend closes first, before and after the header is acked",
       kOnConnect, 28, 1000,
       on_connect_header_sent({
           backend(fin_ack(5001, 1001), expect().with_ack(1001).resent(R::kNone),
                   "FIN at ack c+1 is no duplicate ACK"),
           backend(fin_ack(5001, 1029), expect().with_ack(1001).acked_now()),
           client(2, ack(1001, 5002), expect().with_seq(1029)),
           client(3, fin_ack(1001, 5002), expect().with_seq(1029)),
           backend(ack(5002, 1030), expect().with_ack(1002)),
       })},
      {"client_rst", "client RST translates and keeps the header timer",
       kOnConnect, 28, 1000,
       on_connect_header_sent({
           client(2, data(1001, 5001, 100), expect().with_seq(1029)),
           client(3, rst_ack(1101, 5001), expect().forward().with_seq(1129).no_header()
                                              .then_state(S::kSent).then_deadline_ms(201)),
       })},
      {"backend_rst", "backend RST translates and ends header delivery",
       kOnConnect, 28, 1000,
       on_connect_header_sent({
           backend(rst_ack(5001, 1001), expect().forward().with_ack(1001).then_state(S::kSent)
                                            .then_no_deadline()),
           timer(201, expect().timer_nothing()),
           client(150, data(1001, 5001, 10), expect().with_seq(1029)),
           client(160, data(1001, 5001, 10), expect().no_header().with_seq(1029),
                  "no resend for a reset backend"),
       })},
      {"backend_rst_to_syn", "closed backend port: RST|ACK to the SYN reaches the client",
       kOnConnect, 28, 1000,
       {
           client(0, syn(1000), expect().forward()),
           backend(rst_ack(0, 1001), expect().forward().with_ack(1001)),
           client(1, rst(1001), expect().forward().with_seq(1001), "client RST before sync"),
       }},

      // ---------------------------------------------------------------- MTU / MSS / super-frames
      {"super_frame_never_grown", "GSO/LRO super-frames get a standalone header",
       kWithData, 28, 1000,
       handshake({
           client(1, data(1001, 5001, 2896).coalesced(), expect().standalone(1001, 5001)
                                                             .with_seq(1029)),
           client(2, data(1001, 5001, 100).coalesced(), expect().standalone(1001, 5001)
                                                            .resent(R::kClientRetransmission),
                  "marked coalesced: never grown even when small"),
           client(3, data(1001, 5001, 1461), expect().standalone(1001, 5001),
                  "larger than the MTU already"),
       })},
      {"mtu_below_mss", "egress MTU 1400 below the backend MSS: exactly at the limit, one over",
       kWithData, 28, 1000,
       handshake({
           client_via(1, data(1001, 5001, 1332), EgressPath{1400, 20},
                      expect().grown().with_seq(1001), "20+20+1332+28 = 1400"),
           client_via(2, data(1001, 5001, 1333), EgressPath{1400, 20},
                      expect().standalone(1001, 5001).resent(R::kClientRetransmission)),
           client_via(3, data(1001, 5001, 1312), EgressPath{1400, 40},
                      expect().grown().resent(R::kClientRetransmission),
                      "IPv6 backend: 40+20+1312+28 = 1400"),
       })},
      {"backend_mss_small", "backend MSS 536: a 508-byte segment grows, 509 does not",
       kOnConnect, 28, 1000,
       handshake({
           client(1, data(1001, 5001, 509), expect().standalone(1001, 5001).with_seq(1029)),
           client(2, data(1001, 5001, 508), expect().grown().resent(R::kClientRetransmission)),
       }, 536)},

      // ---------------------------------------------------------------- adversarial input
      {"client_data_before_syn_ack", "client data before the handshake completes is dropped",
       kOnConnect, 28, 1000,
       {
           client(0, syn(1000).payload(100), expect().forward().with_seq(1000)
                                                 .strips_syn_payload(true),
                  "TFO SYN: forwarded without data"),
           client(1, data(1001, 0, 100), expect().dropped(D::kNotSynchronized)),
           client(2, syn(1000), expect().forward().with_seq(1000), "SYN retransmission"),
           client(3, syn(7777), expect().dropped(D::kClientSynIsnMismatch)),
           client(4, syn_ack(1000, 1), expect().dropped(D::kClientSynAck)),
           backend(data(5001, 1001, 10), expect().dropped(D::kBackendNotSynchronized)),
           backend(syn(5000), expect().dropped(D::kBackendSynWithoutAck)),
           backend(syn_ack(5000, 1002), expect().dropped(D::kBackendSynAckMismatch),
                   "does not acknowledge c+1"),
           backend(syn_ack(5000, 1001).mss(1460), expect().forward()),
           backend(syn_ack(6000, 1001), expect().forward(),
                   "another ISN before the client's ACK: the backend restarted, adopted"),
           backend(syn_ack(5000, 1001), expect().forward().resent(R::kNone),
                   "and another: adopted again, no header to resend yet"),
           client(5, segment(flag::kPsh, 1001, 0).payload(10), expect().dropped(D::kClientMissingAck)),
           client(6, ack(1001, 5002), expect().dropped(D::kClientAckNotForSynAck),
                  "acknowledges more than the SYN-ACK"),
           client(7, ack(1001, 5000), expect().dropped(D::kClientAckNotForSynAck)),
           client(8, ack(1001, 5001), expect().forward().grown().then_state(S::kSent)),
           backend(syn_ack(6000, 1001), expect().dropped(D::kBackendSynAckMismatch),
                   "another ISN once the client synchronized: refused"),
           client(9, data(1001, 9999, 10), expect().dropped(D::kClientAckOfUnsentData)),
           client(10, data(1000, 5001, 10), expect().dropped(D::kClientStraddlesStreamStart),
                  "payload over the header's place"),
           client(11, ack(1000, 5001), expect().forward().with_seq(1000), "keepalive probe"),
           client(12, data(1000, 5001, 1), expect().forward().with_seq(1000),
                  "keepalive with one garbage byte"),
       }},
      {"backend_ack_beyond_before_header", "with-data: an ack of c+1+H before the header exists is not an ack of it",
       kWithData, 28, 1000,
       handshake({
           backend(ack(5001, 1029), expect().forward().with_ack(1001).acked_now(false)
                                        .then_state(S::kPending)),
           client(1, data(1001, 5001, 10), expect().grown().then_state(S::kSent)),
       })},
  };
}

class EngineScenario : public ::testing::TestWithParam<Scenario> {};

TEST_P(EngineScenario, Runs) { run_scenario(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Insertion, EngineScenario, ::testing::ValuesIn(scenarios()),
                         [](const ::testing::TestParamInfo<Scenario>& param) {
                           return param.param.name;
                         });

}  // namespace
}  // namespace sluice::insertion::test
