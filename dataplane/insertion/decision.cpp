#include "dataplane/insertion/decision.hpp"

namespace sluice::insertion {

// The strings are stable: the console and the metrics exporter print them.

std::string_view to_string(HeaderState state) noexcept {
  switch (static_cast<std::uint8_t>(state)) {
#define SLUICE_HEADER_STATE(c_name, cpp_name, value, text) \
  case c_name: return text;
    SL_HEADER_STATE_LIST(SLUICE_HEADER_STATE)  // dataplane/shared/tcp_insertion.h
#undef SLUICE_HEADER_STATE
    default: break;
  }
  return "unknown";
}

std::string_view to_string(InsertionMode mode) noexcept {
  switch (mode) {
    case InsertionMode::kOnConnect: return "on-connect";
    case InsertionMode::kWithData: return "with-data";
  }
  return "unknown";
}

std::string_view to_string(InsertionDrop drop) noexcept {
  switch (drop) {
    case InsertionDrop::kNone: return "none";
#define SLUICE_INSERTION_DROP(c_name, cpp_name, value, text) \
  case InsertionDrop::cpp_name: return text;
    SL_INSERTION_DROP_LIST(SLUICE_INSERTION_DROP)  // dataplane/shared/tcp_rules.h
#undef SLUICE_INSERTION_DROP
  }
  return "unknown";
}

std::string_view to_string(HeaderPlacement placement) noexcept {
  switch (placement) {
    case HeaderPlacement::kNone: return "none";
    case HeaderPlacement::kGrow: return "grow";
    case HeaderPlacement::kStandaloneBefore: return "standalone";
  }
  return "unknown";
}

std::string_view to_string(ResendCause cause) noexcept {
  switch (cause) {
#define SLUICE_RESEND_CAUSE(c_name, cpp_name, value, text) \
  case ResendCause::cpp_name: return text;
    SL_RESEND_CAUSE_LIST(SLUICE_RESEND_CAUSE)  // dataplane/shared/tcp_insertion.h
#undef SLUICE_RESEND_CAUSE
  }
  return "unknown";
}

std::string_view to_string(TimerAction action) noexcept {
  switch (action) {
#define SLUICE_TIMER_ACTION(c_name, cpp_name, value, text) \
  case TimerAction::cpp_name: return text;
    SL_TIMER_ACTION_LIST(SLUICE_TIMER_ACTION)  // dataplane/shared/tcp_insertion.h
#undef SLUICE_TIMER_ACTION
  }
  return "unknown";
}

TimerDecision timer_decision(const sl_tcp_insertion& state, std::uint8_t action) noexcept {
  TimerDecision decision;
  decision.action = static_cast<TimerAction>(action);
  if (decision.action == TimerAction::kGiveUp) {
    sl_ins_reset to_client{};
    sl_ins_reset to_backend{};
    sl_ins_give_up_resets(&state, &to_client, &to_backend);
    decision.to_client = ResetSegment{TcpSeq(to_client.seq), TcpSeq(to_client.ack)};
    decision.to_backend = ResetSegment{TcpSeq(to_backend.seq), TcpSeq(to_backend.ack)};
  } else if (decision.action == TimerAction::kResend) {
    decision.header_segment = HeaderSegment{TcpSeq(sl_ins_stream_start(&state)), TcpSeq(state.client_last_ack)};
  }
  return decision;
}

}  // namespace sluice::insertion
