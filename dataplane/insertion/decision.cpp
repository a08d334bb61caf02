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
    case InsertionDrop::kClientSynIsnMismatch: return "client_syn_isn_mismatch";
    case InsertionDrop::kClientSynAck: return "client_syn_ack";
    case InsertionDrop::kNotSynchronized: return "client_not_synchronized";
    case InsertionDrop::kClientMissingAck: return "client_missing_ack";
    case InsertionDrop::kClientAckNotForSynAck: return "client_ack_not_for_syn_ack";
    case InsertionDrop::kClientAckOfUnsentData: return "client_ack_of_unsent_data";
    case InsertionDrop::kClientStraddlesStreamStart: return "client_straddles_stream_start";
    case InsertionDrop::kBackendSynWithoutAck: return "backend_syn_without_ack";
    case InsertionDrop::kBackendSynAckMismatch: return "backend_syn_ack_mismatch";
    case InsertionDrop::kBackendNotSynchronized: return "backend_not_synchronized";
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
