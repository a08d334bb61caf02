#include "dataplane/insertion/engine.hpp"

#include <algorithm>
#include <cstddef>

// The typed shell around the shared state machine (dataplane/shared/tcp_insertion.h): it turns
// a SegmentDescription into the C function's arguments and the C results into decisions. Each
// rule, and why, is commented where it lives, once, in the shared header.

namespace sluice::insertion {
namespace {

std::uint64_t nanoseconds_since_epoch(Nanoseconds now) noexcept {
  return now.count() > 0 ? static_cast<std::uint64_t>(now.count()) : 0;
}

Verdict verdict_of(int drop) noexcept { return drop != 0 ? Verdict::kDrop : Verdict::kForward; }

}  // namespace

InsertionEngine::InsertionEngine(InsertionMode mode, std::uint16_t header_length,
                                 TcpSeq client_isn) noexcept {
  sl_ins_init(&state_, client_isn.value(), header_length, mode == InsertionMode::kWithData ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------
// Client -> backend

ClientDecision InsertionEngine::on_client_segment(const SegmentDescription& segment,
                                                  const EgressPath& egress,
                                                  Nanoseconds now) noexcept {
  ClientDecision decision;
  decision.seq = segment.seq;
  if (segment.syn()) {
    const int drop = sl_ins_client_syn(&state_, segment.flags, segment.seq.value());
    decision.verdict = verdict_of(drop);
    decision.drop = static_cast<InsertionDrop>(drop);
    // TCP Fast Open data is stripped by the pipeline (spec TCP item 1) and never counted: the
    // client resends it after the handshake.
    decision.strip_syn_payload = drop == 0 && segment.payload_length > 0;
    return decision;
  }
  const std::uint32_t seq = segment.seq.value();
  const std::uint32_t stream_length = segment.stream_length();
  if (segment.rst()) {
    // An RST translates like any segment (spec TCP item 4) and never carries or triggers the
    // header. Nor does it stop the header timer: if the backend never got the header, its
    // RCV.NXT is still c+1 and it answers the translated RST with a challenge ACK (RFC 5961
    // section 3.2); the resent header moves RCV.NXT to where the client's next RST lands.
    decision.seq = TcpSeq(sl_ins_forwarded_client_seq(&state_, seq, stream_length));
    return decision;
  }
  if (const int drop = sl_ins_client_accept(&state_, segment.flags, seq, segment.ack.value(), stream_length)) {
    decision.verdict = Verdict::kDrop;
    decision.drop = static_cast<InsertionDrop>(drop);
    return decision;
  }

  const bool first_time = sl_ins_header_due_first_time(&state_, seq, stream_length) != 0;
  const bool retransmission = !first_time && sl_ins_client_retransmission(&state_, seq, stream_length) != 0;
  sl_ins_record_client_seq(&state_, segment.stream_end().value());
  sl_ins_record_client_ack(&state_, segment.ack.value());
  if (first_time) sl_ins_mark_sent(&state_, nanoseconds_since_epoch(now));

  decision.seq = TcpSeq(sl_ins_forwarded_client_seq(&state_, seq, stream_length));
  if (first_time || retransmission) {
    place_header(decision, segment, egress);
    if (retransmission) decision.resend = ResendCause::kClientRetransmission;
  }
  return decision;
}

void InsertionEngine::place_header(ClientDecision& decision, const SegmentDescription& segment,
                                   const EgressPath& egress) const noexcept {
  // Growing means the header occupies c+1..c+H of this very segment, so only a segment that
  // starts at c+1 can be grown; anything else gets a standalone header in front.
  if (segment.seq == map().stream_start() &&
      header_fits_in_front(segment, state_.header_len, egress, state_.backend_mss)) {
    decision.header = HeaderPlacement::kGrow;
    decision.seq = map().stream_start();
    return;
  }
  decision.header = HeaderPlacement::kStandaloneBefore;
  decision.header_segment = header_segment_with_ack(segment.ack);
}

// ---------------------------------------------------------------------------------------------
// Backend -> client

BackendDecision InsertionEngine::on_backend_segment(const SegmentDescription& segment) noexcept {
  BackendDecision decision;
  decision.ack = segment.ack_flag() ? map().translate_server_ack(segment.ack) : segment.ack;
  const std::size_t blocks = std::min<std::size_t>(segment.sack_count, kMaxSackBlocks);
  bool sack_above = false;
  for (std::size_t i = 0; i < blocks; ++i) {
    decision.sack[i] = map().translate_sack_block(segment.sack[i]);
    sack_above = sack_above || sl_sack_block_above(segment.sack[i].left.value(), segment.sack[i].right.value(),
                                                   segment.ack.value()) != 0;
  }

  const sl_ins_backend_result result =
      sl_ins_backend_segment(&state_, segment.flags, segment.seq.value(), segment.ack.value(),
                             segment.payload_length, segment.mss_option, sack_above ? 1 : 0);
  decision.verdict = verdict_of(result.drop);
  decision.drop = static_cast<InsertionDrop>(result.drop);
  decision.resend = static_cast<ResendCause>(result.resend);
  decision.header_acked_now = result.acked_now != 0;
  if (decision.resend != ResendCause::kNone) decision.header_segment = header_segment_with_latest_client_ack();

  if (segment.syn() && decision.verdict == Verdict::kForward && has(SL_INS_WITH_DATA) && segment.mss_option != 0) {
    // spec "send = with-data": lower the client's MSS by H so a full-sized first segment,
    // header prepended, still fits. Without an option the client assumes 536 and a full
    // first segment simply gets a standalone header.
    decision.client_mss = client_facing_mss(state_.backend_mss, state_.header_len);
  }
  return decision;
}

// ---------------------------------------------------------------------------------------------
// Header timer

std::optional<Nanoseconds> InsertionEngine::next_deadline() const noexcept {
  if (!has(SL_INS_TIMER_ARMED)) return std::nullopt;
  return Nanoseconds(static_cast<std::int64_t>(state_.deadline_ns));
}

TimerDecision InsertionEngine::on_timer(Nanoseconds now) noexcept {
  return timer_decision(state_, sl_ins_on_timer(&state_, nanoseconds_since_epoch(now)));
}

}  // namespace sluice::insertion
