#pragma once
// A small table language for insertion-engine scenarios: each case is a description and a list
// of steps (who sends what, when) with the decisions expected. Only the fields an expectation
// names are checked. The same tables can drive the pipeline's byte-level fixtures later: every
// step is one frame (or one timer tick) with its expected sequence numbers.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/insertion/engine.hpp"

namespace sluice::insertion::test {

namespace flag = packet::tcp_flag;

// Fluent construction of a segment description.
struct Seg {
  SegmentDescription d;
  Seg& payload(std::uint32_t bytes) { d.payload_length = bytes; return *this; }
  Seg& tcp_header(std::uint16_t bytes) { d.tcp_header_length = bytes; return *this; }
  Seg& fin() { d.flags = static_cast<std::uint8_t>(d.flags | flag::kFin); return *this; }
  Seg& mss(std::uint16_t value) { d.mss_option = value; return *this; }
  Seg& coalesced() { d.coalesced = true; return *this; }
  Seg& sack(std::uint32_t left, std::uint32_t right) {
    d.sack[d.sack_count] = SackBlock{TcpSeq(left), TcpSeq(right)};
    ++d.sack_count;
    return *this;
  }
};

inline Seg segment(std::uint8_t flags, std::uint32_t seq, std::uint32_t ack) {
  Seg s;
  s.d.flags = flags;
  s.d.seq = TcpSeq(seq);
  s.d.ack = TcpSeq(ack);
  return s;
}
inline Seg syn(std::uint32_t seq) { return segment(flag::kSyn, seq, 0); }
inline Seg syn_ack(std::uint32_t seq, std::uint32_t ack) {
  return segment(flag::kSyn | flag::kAck, seq, ack);
}
inline Seg ack(std::uint32_t seq, std::uint32_t ack_number) {
  return segment(flag::kAck, seq, ack_number);
}
inline Seg data(std::uint32_t seq, std::uint32_t ack_number, std::uint32_t bytes) {
  return segment(flag::kAck | flag::kPsh, seq, ack_number).payload(bytes);
}
inline Seg fin_ack(std::uint32_t seq, std::uint32_t ack_number) {
  return segment(flag::kFin | flag::kAck, seq, ack_number);
}
inline Seg rst(std::uint32_t seq) { return segment(flag::kRst, seq, 0); }
inline Seg rst_ack(std::uint32_t seq, std::uint32_t ack_number) {
  return segment(flag::kRst | flag::kAck, seq, ack_number);
}

// Fluent expectations. Unset fields are not checked.
struct Expect {
  std::optional<Verdict> verdict;
  std::optional<InsertionDrop> drop;
  std::optional<std::uint32_t> seq;
  std::optional<std::uint32_t> ack;
  std::optional<HeaderPlacement> header;
  std::optional<ResendCause> resend;
  std::optional<HeaderSegment> header_segment;
  std::optional<bool> strip_syn_payload;
  std::optional<std::uint16_t> client_mss;
  std::optional<std::vector<std::optional<SackBlock>>> sack;
  std::optional<bool> header_acked_now;
  std::optional<TimerAction> timer;
  std::optional<ResetSegment> to_client;
  std::optional<ResetSegment> to_backend;
  // After the step.
  std::optional<HeaderState> state;
  std::optional<std::optional<double>> deadline_ms;  // nullopt inside: timer not armed

  Expect& forward() { verdict = Verdict::kForward; drop = InsertionDrop::kNone; return *this; }
  Expect& dropped(InsertionDrop why) { verdict = Verdict::kDrop; drop = why; return *this; }
  Expect& with_seq(std::uint32_t value) { seq = value; return *this; }
  Expect& with_ack(std::uint32_t value) { ack = value; return *this; }
  Expect& no_header() {
    header = HeaderPlacement::kNone;
    resend = ResendCause::kNone;
    return *this;
  }
  Expect& grown() { header = HeaderPlacement::kGrow; return *this; }
  Expect& standalone(std::uint32_t seq_number, std::uint32_t ack_number) {
    header = HeaderPlacement::kStandaloneBefore;
    header_segment = HeaderSegment{TcpSeq(seq_number), TcpSeq(ack_number)};
    return *this;
  }
  Expect& first_insertion() { resend = ResendCause::kNone; return *this; }
  Expect& resent(ResendCause cause) { resend = cause; return *this; }
  Expect& resent(ResendCause cause, std::uint32_t seq_number, std::uint32_t ack_number) {
    resend = cause;
    header_segment = HeaderSegment{TcpSeq(seq_number), TcpSeq(ack_number)};
    return *this;
  }
  Expect& strips_syn_payload(bool value) { strip_syn_payload = value; return *this; }
  Expect& with_client_mss(std::uint16_t value) { client_mss = value; return *this; }
  Expect& with_sack(std::vector<std::optional<SackBlock>> blocks) {
    sack = std::move(blocks);
    return *this;
  }
  Expect& acked_now(bool value = true) { header_acked_now = value; return *this; }
  Expect& timer_nothing() { timer = TimerAction::kNothing; return *this; }
  Expect& timer_resend(std::uint32_t seq_number, std::uint32_t ack_number) {
    timer = TimerAction::kResend;
    header_segment = HeaderSegment{TcpSeq(seq_number), TcpSeq(ack_number)};
    return *this;
  }
  Expect& give_up(ResetSegment client, ResetSegment backend) {
    timer = TimerAction::kGiveUp;
    to_client = client;
    to_backend = backend;
    return *this;
  }
  Expect& then_state(HeaderState value) { state = value; return *this; }
  Expect& then_deadline_ms(double ms) { deadline_ms = std::optional<double>(ms); return *this; }
  Expect& then_no_deadline() { deadline_ms = std::optional<double>(); return *this; }
};

inline Expect expect() { return Expect{}; }
inline SackBlock block(std::uint32_t left, std::uint32_t right) {
  return SackBlock{TcpSeq(left), TcpSeq(right)};
}

enum class Who : std::uint8_t { kClient, kBackend, kTimer };

struct Step {
  Who who;
  double at_ms;
  SegmentDescription segment;  // unused for kTimer
  Expect expected;
  EgressPath egress{};
  std::string note;
};

inline Step client(double at_ms, const Seg& s, Expect e, std::string note = {}) {
  return Step{Who::kClient, at_ms, s.d, std::move(e), EgressPath{}, std::move(note)};
}
inline Step client_via(double at_ms, const Seg& s, EgressPath egress, Expect e,
                       std::string note = {}) {
  return Step{Who::kClient, at_ms, s.d, std::move(e), egress, std::move(note)};
}
inline Step backend(const Seg& s, Expect e, std::string note = {}) {
  return Step{Who::kBackend, 0, s.d, std::move(e), EgressPath{}, std::move(note)};
}
inline Step timer(double at_ms, Expect e, std::string note = {}) {
  return Step{Who::kTimer, at_ms, SegmentDescription{}, std::move(e), EgressPath{},
              std::move(note)};
}

struct Scenario {
  std::string name;  // a GoogleTest parameter name: [A-Za-z0-9_]
  std::string description;
  InsertionMode mode;
  std::uint16_t header_length;
  std::uint32_t client_isn;
  std::vector<Step> steps;
};

// GoogleTest prints a failing parameter with this: its name, not its bytes.
void PrintTo(const Scenario& scenario, std::ostream* os);

// Runs the steps on a fresh engine, checking every named expectation.
void run_scenario(const Scenario& scenario);

}  // namespace sluice::insertion::test
