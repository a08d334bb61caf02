#include "dataplane/insertion/engine.hpp"

#include <algorithm>
#include <cstddef>

namespace sluice::insertion {
namespace {

// Serial-arithmetic maximum (RFC 1982): keeps the most advanced of two sequence numbers (the
// shared rule, tcp_rules.h: the XDP program records its positions with it too).
void advance_to(TcpSeq& current, TcpSeq candidate) noexcept {
  current = TcpSeq(sl_seq_advance(current.value(), candidate.value()));
}

bool carries_stream_bytes(const SegmentDescription& segment) noexcept {
  return segment.stream_length() > 0;
}

}  // namespace

InsertionEngine::InsertionEngine(InsertionMode mode, std::uint16_t header_length,
                                 TcpSeq client_isn) noexcept
    : client_isn_(client_isn),
      client_seq_next_(client_isn + 1),
      header_length_(header_length) {
  if (mode == InsertionMode::kWithData) set(kWithDataMode);
}

// ---------------------------------------------------------------------------------------------
// Client -> backend

ClientDecision InsertionEngine::on_client_segment(const SegmentDescription& segment,
                                                  const EgressPath& egress,
                                                  Nanoseconds now) noexcept {
  if (segment.syn()) return client_syn(segment);

  ClientDecision decision;
  if (segment.rst()) {
    // An RST translates like any segment (spec TCP item 4) and never carries or triggers the
    // header: a connection being aborted needs no PROXY header. Nor does it stop the header
    // timer: if the backend never got the header, its RCV.NXT is still c+1 and it answers the
    // translated RST with a challenge ACK (RFC 5961 section 3.2); the resent header moves
    // RCV.NXT to where the client's next RST lands.
    decision.seq = forwarded_client_seq(segment);
    return decision;
  }
  if (const std::optional<InsertionDrop> drop = client_acceptance(segment)) {
    decision.verdict = Verdict::kDrop;
    decision.drop = *drop;
    decision.seq = segment.seq;
    return decision;
  }

  const bool first_time = header_due_first_time(segment);
  // Judged against the client's SND.NXT *before* this segment: only bytes already seen at
  // c+1 make this one a retransmission.
  const bool retransmission = !first_time && is_client_retransmission_at_stream_start(segment);
  record_client_segment(segment);
  if (first_time) mark_sent(now);

  decision.seq = forwarded_client_seq(segment);
  if (first_time || retransmission) {
    place_header(decision, segment, egress);
    if (retransmission) decision.resend = ResendCause::kClientRetransmission;
  }
  return decision;
}

ClientDecision InsertionEngine::client_syn(const SegmentDescription& segment) const noexcept {
  ClientDecision decision;
  decision.seq = segment.seq;  // the SYN's slot precedes the header: never shifted
  if (segment.ack_flag()) {
    // A client has no SYN-ACK to send to a listening backend; simultaneous open is not
    // something a load-balanced service does.
    decision.verdict = Verdict::kDrop;
    decision.drop = InsertionDrop::kClientSynAck;
  } else if (segment.seq != client_isn_) {
    // Another ISN on the same 4-tuple is a new connection: conntrack must decide (recycle
    // the flow or not); forwarding it would desynchronize every translation of this one.
    decision.verdict = Verdict::kDrop;
    decision.drop = InsertionDrop::kClientSynIsnMismatch;
  } else {
    // SYN retransmission or the first SYN. TCP Fast Open data is stripped by the pipeline
    // (spec TCP item 1) and never counted: the client resends it after the handshake.
    decision.strip_syn_payload = segment.payload_length > 0;
  }
  return decision;
}

std::optional<InsertionDrop> InsertionEngine::client_acceptance(
    const SegmentDescription& segment) const noexcept {
  // The shared acceptance rule (tcp_rules.h, docs/resequencing.md "Robustness"), which the XDP
  // program applies too: not synchronized, missing ACK, first ACK not for the SYN-ACK, ack of
  // unsent data, payload straddling c+1.
  const int drop = sl_client_segment_drop(client_isn_.value(), server_isn_.value(), backend_seq_next_.value(),
                                          has(kSynAckSeen) ? 1 : 0, has(kClientSynchronized) ? 1 : 0,
                                          segment.flags, segment.seq.value(), segment.ack.value(),
                                          segment.stream_length());
  if (drop != 0) return static_cast<InsertionDrop>(drop);
  return std::nullopt;
}

void InsertionEngine::record_client_segment(const SegmentDescription& segment) noexcept {
  advance_to(client_seq_next_, segment.stream_end());
  if (!has(kClientSynchronized)) {
    client_ack_latest_ = segment.ack;
    set(kClientSynchronized);
  } else {
    advance_to(client_ack_latest_, segment.ack);
  }
}

bool InsertionEngine::header_due_first_time(const SegmentDescription& segment) const noexcept {
  if (header_state_ != HeaderState::kPending) return false;
  // on-connect: the segment completing the handshake, data or not (it passed acceptance, so it
  // acknowledges the SYN-ACK). A lost handshake ACK makes the next such segment the trigger.
  if (!has(kWithDataMode)) return true;
  // with-data: the first segment carrying stream bytes past c+1. A FIN counts: the header
  // must precede the end of the stream so the backend still learns who the client was.
  return carries_stream_bytes(segment) && segment.stream_end() > map().stream_start();
}

bool InsertionEngine::is_client_retransmission_at_stream_start(
    const SegmentDescription& segment) const noexcept {
  return awaiting_ack() && segment.seq == map().stream_start() &&
         carries_stream_bytes(segment) && client_seq_next_ > map().stream_start();
}

TcpSeq InsertionEngine::forwarded_client_seq(const SegmentDescription& segment) const noexcept {
  // Before the header exists in the backend's space, a zero-length segment at c+1 (with-data:
  // the handshake ACK and ACKs of a server's banner; either mode: an early RST) is sent at c+1
  // itself. c+1 is the backend's RCV.NXT then: exact for RSTs (RFC 5961 section 3.2) and for
  // SYN-cookie validation (which reads the ISN from seq - 1 of the completing ACK).
  if (header_state_ == HeaderState::kPending && segment.stream_length() == 0 &&
      segment.seq == map().stream_start()) {
    return segment.seq;
  }
  return map().translate_client_seq(segment.seq);
}

void InsertionEngine::place_header(ClientDecision& decision, const SegmentDescription& segment,
                                   const EgressPath& egress) const noexcept {
  // Growing means the header occupies c+1..c+H of this very segment, so only a segment that
  // starts at c+1 can be grown; anything else gets a standalone header in front.
  if (segment.seq == map().stream_start() &&
      header_fits_in_front(segment, header_length_, egress, backend_mss_)) {
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
  for (std::size_t i = 0; i < blocks; ++i) {
    decision.sack[i] = map().translate_sack_block(segment.sack[i]);
  }

  if (segment.syn()) return backend_syn(segment, decision);

  if (segment.rst()) {
    // The backend aborted: no one will acknowledge the header any more. Stop owning its
    // delivery (no timer, no resend); the RST itself reaches the client translated. An RST
    // before the SYN-ACK (closed port) is forwarded too: its ack c+1 translates to itself.
    if (has(kSynAckSeen)) record_backend_segment(segment);
    set(kDeliveryStopped);
    clear(kTimerArmed);
    return decision;
  }
  if (!has(kSynAckSeen)) {
    decision.verdict = Verdict::kDrop;
    decision.drop = InsertionDrop::kBackendNotSynchronized;
    return decision;
  }
  record_backend_segment(segment);
  if (!segment.ack_flag() || header_state_ != HeaderState::kSent) return decision;

  // An acknowledgement of c+1+H or more before the header was ever sent acknowledges bytes
  // that do not exist; only after sending does it prove delivery (header_state_ is kSent).
  if (segment.ack >= map().header_end()) {
    mark_acked();
    decision.header_acked_now = true;
    return decision;
  }
  if (!awaiting_ack() || !has(kFastResendArmed)) return decision;
  decision.resend = header_missing_signal(segment);
  if (decision.resend != ResendCause::kNone) {
    // One backend-triggered resend per timer round, like one fast retransmit per window
    // (RFC 6582): a burst of duplicate ACKs must not become a burst of headers.
    clear(kFastResendArmed);
    decision.header_segment = header_segment_with_ack(client_ack_latest_);
  }
  return decision;
}

BackendDecision InsertionEngine::backend_syn(const SegmentDescription& segment,
                                             BackendDecision decision) noexcept {
  const auto refuse = [&decision](InsertionDrop why) {
    decision.verdict = Verdict::kDrop;
    decision.drop = why;
    return decision;
  };
  // A listening backend answers with SYN-ACK only; a bare SYN would be a simultaneous open.
  if (!segment.ack_flag()) return refuse(InsertionDrop::kBackendSynWithoutAck);
  // A SYN-ACK that does not acknowledge c+1 is not an answer to this client's SYN.
  if (segment.ack != map().stream_start()) return refuse(InsertionDrop::kBackendSynAckMismatch);

  // A SYN-ACK with another ISN before the client completed the handshake: the backend dropped
  // its half-open connection (SYN queue overflow, a reset, a lost first SYN-ACK followed by the
  // client's SYN retransmission) and answers afresh. Nothing of the old ISN reached the
  // stream yet, so the new one is adopted (RFC 9293 section 3.5); refusing it would stall the
  // connection for good.
  const bool backend_restarted_handshake =
      has(kSynAckSeen) && segment.seq != server_isn_ && !has(kClientSynchronized);
  if (!has(kSynAckSeen) || backend_restarted_handshake) {
    server_isn_ = segment.seq;
    backend_mss_ = segment.mss_option != 0 ? segment.mss_option : kDefaultBackendMss;
    backend_seq_next_ = server_isn_ + 1;
    backend_ack_latest_ = map().stream_start();
    client_ack_latest_ = server_isn_ + 1;
    set(kSynAckSeen);
  } else if (segment.seq != server_isn_) {
    // RFC 9293 section 3.4.1: the ISN of a connection does not change. Forwarding another one
    // would leave the client and our checks on different backend sequence spaces.
    return refuse(InsertionDrop::kBackendSynAckMismatch);
  } else if (awaiting_ack()) {
    // The backend retransmits its SYN-ACK only while it has not received the segment that
    // completes its handshake; every header segment carries that ACK, so the header is lost.
    // Not rate-limited: the backend's own SYN-ACK backoff (1 s, 2 s, ...) already is.
    decision.resend = ResendCause::kBackendSynAckRetransmission;
    decision.header_segment = header_segment_with_ack(client_ack_latest_);
  }

  if (has(kWithDataMode) && segment.mss_option != 0) {
    // spec "send = with-data": lower the client's MSS by H so a full-sized first segment,
    // header prepended, still fits. Without an option the client assumes 536 and a full
    // first segment simply gets a standalone header.
    decision.client_mss = client_facing_mss(backend_mss_, header_length_);
  }
  return decision;
}

void InsertionEngine::record_backend_segment(const SegmentDescription& segment) noexcept {
  advance_to(backend_seq_next_, segment.stream_end());
  if (segment.ack_flag()) advance_to(backend_ack_latest_, segment.ack);
}

ResendCause InsertionEngine::header_missing_signal(const SegmentDescription& segment) const noexcept {
  // The shared rule (tcp_rules.h, docs/resequencing.md "Every resend trigger"): partial ack,
  // SACK above c+1 (with or without data), duplicate ACK.
  const TcpSeq ack = segment.ack;
  bool sack_above = false;
  const std::size_t blocks = std::min<std::size_t>(segment.sack_count, kMaxSackBlocks);
  for (std::size_t i = 0; i < blocks; ++i) {
    if (sl_sack_block_above(segment.sack[i].left.value(), segment.sack[i].right.value(), ack.value()) != 0) {
      sack_above = true;
    }
  }
  return static_cast<ResendCause>(
      sl_header_missing_signal(client_isn_.value(), ack.value(), segment.flags, segment.payload_length, sack_above ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Header delivery state and timer

void InsertionEngine::mark_sent(Nanoseconds now) noexcept {
  header_state_ = HeaderState::kSent;
  if (has(kDeliveryStopped)) return;  // the backend already reset: nothing to own
  timer_resends_ = 0;
  deadline_ns_ = (now + header_rto(0)).count();
  set(kTimerArmed);
  set(kFastResendArmed);
}

void InsertionEngine::mark_acked() noexcept {
  header_state_ = HeaderState::kAcked;
  clear(kTimerArmed);
  clear(kFastResendArmed);
}

std::optional<Nanoseconds> InsertionEngine::next_deadline() const noexcept {
  if (!has(kTimerArmed)) return std::nullopt;
  return Nanoseconds(deadline_ns_);
}

TimerDecision InsertionEngine::on_timer(Nanoseconds now) noexcept {
  TimerDecision decision;
  if (!has(kTimerArmed) || now.count() < deadline_ns_) return decision;

  if (timer_resends_ >= kMaxTimerResends) {
    // The header cannot be delivered: the stream would stall forever. Reset both sides with
    // numbers each will accept (RFC 5961 section 3.2: seq must equal the receiver's RCV.NXT,
    // which is the latest acknowledgement it sent).
    clear(kTimerArmed);
    set(kDeliveryStopped);
    decision.action = TimerAction::kGiveUp;
    decision.to_client = ResetSegment{client_ack_latest_, client_seq_next_};
    decision.to_backend = ResetSegment{backend_ack_latest_, backend_seq_next_};
    return decision;
  }
  ++timer_resends_;
  deadline_ns_ = (now + header_rto(timer_resends_)).count();
  set(kFastResendArmed);
  decision.action = TimerAction::kResend;
  decision.header_segment = header_segment_with_ack(client_ack_latest_);
  return decision;
}

}  // namespace sluice::insertion
