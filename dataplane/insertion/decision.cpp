#include "dataplane/insertion/decision.hpp"

namespace sluice::insertion {

// The strings are stable: the console and the metrics exporter print them.

std::string_view to_string(HeaderState state) noexcept {
  switch (state) {
    case HeaderState::kPending: return "pending";
    case HeaderState::kSent: return "sent";
    case HeaderState::kAcked: return "acked";
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
    case ResendCause::kNone: return "none";
    case ResendCause::kClientRetransmission: return "client_retransmission";
    case ResendCause::kBackendPartialAck: return "backend_partial_ack";
    case ResendCause::kBackendSack: return "backend_sack";
    case ResendCause::kBackendDuplicateAck: return "backend_duplicate_ack";
    case ResendCause::kBackendSynAckRetransmission: return "backend_syn_ack_retransmission";
    case ResendCause::kTimer: return "timer";
  }
  return "unknown";
}

std::string_view to_string(TimerAction action) noexcept {
  switch (action) {
    case TimerAction::kNothing: return "nothing";
    case TimerAction::kResend: return "resend";
    case TimerAction::kGiveUp: return "give_up";
  }
  return "unknown";
}

}  // namespace sluice::insertion
