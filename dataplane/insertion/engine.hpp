#pragma once
// The per-flow TCP PROXY-header insertion engine: sequence-space decisions for every segment of
// a flow that carries a header (spec proxy-protocol.md, "TCP, send = ..."). Pure logic over
// SegmentDescription: no bytes, no clock (time is passed in), no allocation, no I/O.
//
// Use, per flow (one engine lives in each conntrack entry):
//   InsertionEngine engine(mode, header_length, syn.seq);     // from the client's SYN
//   client segment  -> on_client_segment(description, egress, now)  -> ClientDecision
//   backend segment -> on_backend_segment(description)              -> BackendDecision
//   timer wheel     -> next_deadline(), on_timer(now)               -> TimerDecision
// docs/resequencing.md explains every rule and every choice made where the spec is silent.
#include <cstdint>
#include <optional>

#include "dataplane/insertion/decision.hpp"
#include "dataplane/insertion/header_fit.hpp"
#include "dataplane/insertion/resend_schedule.hpp"
#include "dataplane/insertion/segment.hpp"
#include "dataplane/insertion/sequence_map.hpp"
#include "dataplane/packet/tcp_seq.hpp"
#include "dataplane/shared/tcp_insertion.h"

namespace sluice::insertion {

class InsertionEngine {
 public:
  // `header_length` is H, the encoded header's size (1..65535; the control plane keeps it well
  // below the smallest MSS so that the header always fits one segment, as the spec requires).
  InsertionEngine(InsertionMode mode, std::uint16_t header_length, TcpSeq client_isn) noexcept;

  ClientDecision on_client_segment(const SegmentDescription& segment, const EgressPath& egress,
                                   Nanoseconds now) noexcept;
  BackendDecision on_backend_segment(const SegmentDescription& segment) noexcept;

  // When on_timer() next has something to do; nullopt when the timer is not armed.
  std::optional<Nanoseconds> next_deadline() const noexcept;
  TimerDecision on_timer(Nanoseconds now) noexcept;

  // Pure translations (docs/resequencing.md, "The two spaces"); usable per SACK edge.
  TcpSeq translate_client_seq(TcpSeq seq) const noexcept { return map().translate_client_seq(seq); }
  // The seq a client segment without the header is forwarded with (sl_ins_forwarded_client_seq:
  // a zero-length segment at c+1 keeps c+1 while the header is pending).
  TcpSeq forwarded_client_seq(TcpSeq seq, std::uint32_t stream_length) const noexcept {
    return TcpSeq(sl_ins_forwarded_client_seq(&state_, seq.value(), stream_length));
  }
  TcpSeq translate_server_ack(TcpSeq ack) const noexcept { return map().translate_server_ack(ack); }
  std::optional<SackBlock> translate_sack_block(SackBlock block) const noexcept {
    return map().translate_sack_block(block);
  }

  HeaderState header_state() const noexcept { return static_cast<HeaderState>(state_.header_state); }
  InsertionMode mode() const noexcept {
    return has(SL_INS_WITH_DATA) ? InsertionMode::kWithData : InsertionMode::kOnConnect;
  }
  TcpSeq client_isn() const noexcept { return TcpSeq(state_.client_isn); }
  // The client's SND.NXT as seen so far, in the client's space (the SYN proxy's answer to a
  // retransmitted SYN-ACK acknowledges from there, translated).
  TcpSeq client_snd_nxt() const noexcept { return TcpSeq(state_.client_snd_nxt); }
  std::uint16_t header_length() const noexcept { return state_.header_len; }
  std::uint8_t timer_resends() const noexcept { return state_.timer_resends; }
  // True once the engine stopped owning the header's delivery without an acknowledgement:
  // after giving up, or after the backend reset the connection.
  bool delivery_stopped() const noexcept { return has(SL_INS_STOPPED); }

 private:
  bool has(unsigned flag) const noexcept { return (state_.flags & flag) != 0; }
  SequenceMap map() const noexcept { return SequenceMap(client_isn(), state_.header_len); }

  void place_header(ClientDecision& decision, const SegmentDescription& segment,
                    const EgressPath& egress) const noexcept;
  HeaderSegment header_segment_with_ack(TcpSeq ack) const noexcept {
    return HeaderSegment{map().stream_start(), ack};
  }
  HeaderSegment header_segment_with_latest_client_ack() const noexcept {
    return header_segment_with_ack(TcpSeq(state_.client_last_ack));
  }

  // The state machine itself is C, shared with the XDP program, which keeps the same struct in
  // its flow record (dataplane/shared/tcp_insertion.h: every rule and every field explained).
  sl_tcp_insertion state_;
};

// The engine lives in every conntrack entry of a TCP flow with PROXY insertion, so a million
// flows cost 40 MB for it (the struct's own note says what the 40 bytes hold).
static_assert(sizeof(InsertionEngine) <= 40, "InsertionEngine must stay small: see above");

}  // namespace sluice::insertion
