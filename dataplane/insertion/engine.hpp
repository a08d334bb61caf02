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
  TcpSeq translate_server_ack(TcpSeq ack) const noexcept { return map().translate_server_ack(ack); }
  std::optional<SackBlock> translate_sack_block(SackBlock block) const noexcept {
    return map().translate_sack_block(block);
  }

  HeaderState header_state() const noexcept { return header_state_; }
  InsertionMode mode() const noexcept {
    return has(kWithDataMode) ? InsertionMode::kWithData : InsertionMode::kOnConnect;
  }
  TcpSeq client_isn() const noexcept { return client_isn_; }
  std::uint16_t header_length() const noexcept { return header_length_; }
  std::uint8_t timer_resends() const noexcept { return timer_resends_; }
  // True once the engine stopped owning the header's delivery without an acknowledgement:
  // after giving up, or after the backend reset the connection.
  bool delivery_stopped() const noexcept { return has(kDeliveryStopped); }

 private:
  // One bit each; flags_ keeps them in a single byte (see the size note below).
  // The XDP flow's SL_INS_* bits (dataplane/shared/tcp_rules.h), same meaning.
  enum Flag : std::uint8_t {
    kWithDataMode = SL_INS_WITH_DATA,
    kSynAckSeen = SL_INS_SYNACK_SEEN,          // server_isn_ and backend_mss_ are valid
    kClientSynchronized = SL_INS_CLIENT_SYNC,  // a client segment acknowledged the SYN-ACK
    kTimerArmed = SL_INS_TIMER_ARMED,
    kFastResendArmed = SL_INS_FAST_RESEND,     // one backend-triggered resend allowed per timer round
    kDeliveryStopped = SL_INS_STOPPED,         // given up, or the backend reset: no more resends
  };
  bool has(Flag flag) const noexcept { return (flags_ & flag) != 0; }
  void set(Flag flag) noexcept { flags_ = static_cast<std::uint8_t>(flags_ | flag); }
  void clear(Flag flag) noexcept { flags_ = static_cast<std::uint8_t>(flags_ & ~flag); }

  SequenceMap map() const noexcept { return SequenceMap(client_isn_, header_length_); }
  bool awaiting_ack() const noexcept {
    return header_state_ == HeaderState::kSent && !has(kDeliveryStopped);
  }

  ClientDecision client_syn(const SegmentDescription& segment) const noexcept;
  std::optional<InsertionDrop> client_acceptance(const SegmentDescription& segment) const noexcept;
  void record_client_segment(const SegmentDescription& segment) noexcept;
  bool header_due_first_time(const SegmentDescription& segment) const noexcept;
  bool is_client_retransmission_at_stream_start(const SegmentDescription& segment) const noexcept;
  TcpSeq forwarded_client_seq(const SegmentDescription& segment) const noexcept;
  void place_header(ClientDecision& decision, const SegmentDescription& segment,
                    const EgressPath& egress) const noexcept;

  BackendDecision backend_syn(const SegmentDescription& segment, BackendDecision decision) noexcept;
  void record_backend_segment(const SegmentDescription& segment) noexcept;
  ResendCause header_missing_signal(const SegmentDescription& segment) const noexcept;

  void mark_sent(Nanoseconds now) noexcept;
  void mark_acked() noexcept;
  HeaderSegment header_segment_with_ack(TcpSeq ack) const noexcept {
    return HeaderSegment{map().stream_start(), ack};
  }

  // Sequence facts. The client-side ones are in the client's space, the backend-side ones in
  // the backend's space; the give-up resets are built from them.
  TcpSeq client_isn_;          // c
  TcpSeq server_isn_;          // s (valid with kSynAckSeen)
  TcpSeq client_seq_next_;     // highest client seq + length seen (client's SND.NXT)
  TcpSeq client_ack_latest_;   // highest client ack seen (client's RCV.NXT)
  TcpSeq backend_seq_next_;    // highest backend seq + length seen (backend's SND.NXT)
  TcpSeq backend_ack_latest_;  // highest backend ack seen (backend's RCV.NXT)
  std::int64_t deadline_ns_ = 0;  // valid with kTimerArmed
  std::uint16_t header_length_;   // H
  std::uint16_t backend_mss_ = kDefaultBackendMss;  // from the SYN-ACK
  std::uint8_t timer_resends_ = 0;
  HeaderState header_state_ = HeaderState::kPending;
  std::uint8_t flags_ = 0;
};

// The engine lives in every conntrack entry of a TCP flow with PROXY insertion, so a million
// flows cost 40 MB for it. Six sequence numbers (the two ISNs and each side's SND.NXT/RCV.NXT,
// needed for RSTs whose numbers the peers accept, RFC 5961 section 3), one 64-bit deadline,
// H, the backend's MSS and three bytes of state: 39 bytes, padded to 40.
static_assert(sizeof(InsertionEngine) <= 40, "InsertionEngine must stay small: see above");

}  // namespace sluice::insertion
