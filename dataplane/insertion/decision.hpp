#pragma once
// What the insertion engine tells the pipeline to do with a segment or a timer expiry. Every
// field is a sequence-space fact; building and checksumming the bytes is the pipeline's job.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "dataplane/insertion/segment.hpp"
#include "dataplane/packet/tcp_seq.hpp"
#include "dataplane/shared/tcp_insertion.h"
#include "dataplane/shared/tcp_rules.h"

namespace sluice::insertion {

enum class InsertionMode : std::uint8_t {
  kOnConnect,  // header right after the handshake (config send = "on-connect", the default)
  kWithData,   // header prepended to the first client data (config send = "with-data")
};

// The header's delivery state, as `show conntrack` prints it (spec cli-console.md): the values of
// SL_HEADER_STATE_LIST (dataplane/shared/tcp_insertion.h), which the XDP flow stores too. An
// engine always has a header, so "none" is not among them.
enum class HeaderState : std::uint8_t {
  kPending = SL_HDR_PENDING,  // not sent yet
  kSent = SL_HDR_SENT,        // sent at least once, not acknowledged
  kAcked = SL_HDR_ACKED,      // the backend acknowledged c+1+H
};

enum class Verdict : std::uint8_t { kForward, kDrop };

// Why a segment is dropped; one counter each. docs/resequencing.md has the reasoning.
enum class InsertionDrop : std::uint8_t {
  kNone = 0,
#define SLUICE_INSERTION_DROP(c_name, cpp_name, value, text) cpp_name = value,
  SL_INSERTION_DROP_LIST(SLUICE_INSERTION_DROP)  // dataplane/shared/tcp_rules.h: one list for both
#undef SLUICE_INSERTION_DROP
};

// Where the header goes relative to the segment being forwarded.
enum class HeaderPlacement : std::uint8_t {
  kNone,
  kGrow,              // prepend the header to this segment's payload; its seq becomes c+1
  kStandaloneBefore,  // emit the header segment (see HeaderSegment) before this segment
};

// Why the header is being sent again (spec proxy-protocol.md, TCP item 5): one list for both
// datapaths (SL_RESEND_CAUSE_LIST, dataplane/shared/tcp_insertion.h).
enum class ResendCause : std::uint8_t {
#define SLUICE_RESEND_CAUSE(c_name, cpp_name, value, text) cpp_name = value,
  SL_RESEND_CAUSE_LIST(SLUICE_RESEND_CAUSE)
#undef SLUICE_RESEND_CAUSE
};

// The standalone header segment to the backend: flags ACK|PSH, payload = the header, window as
// the client last advertised it.
struct HeaderSegment {
  TcpSeq seq;  // always c+1
  TcpSeq ack;  // the segment's own ack when emitted in front of one, else the client's latest
  friend constexpr bool operator==(HeaderSegment, HeaderSegment) noexcept = default;
};

// One RST|ACK segment, numbers in the receiver's sequence space.
struct ResetSegment {
  TcpSeq seq;
  TcpSeq ack;
  friend constexpr bool operator==(ResetSegment, ResetSegment) noexcept = default;
};

struct ClientDecision {
  Verdict verdict = Verdict::kForward;
  InsertionDrop drop = InsertionDrop::kNone;
  TcpSeq seq;  // the sequence number to write into the forwarded (possibly grown) segment
  HeaderPlacement header = HeaderPlacement::kNone;
  ResendCause resend = ResendCause::kNone;  // kNone: first insertion (or no header at all)
  HeaderSegment header_segment;             // meaningful with kStandaloneBefore
  bool strip_syn_payload = false;           // SYN carrying data: forward it without (TFO)
};

struct BackendDecision {
  Verdict verdict = Verdict::kForward;
  InsertionDrop drop = InsertionDrop::kNone;
  TcpSeq ack;  // the acknowledgement number to write (unchanged without the ACK flag)
  // One entry per input SACK block, same index: the translated block, or nullopt to remove it.
  std::array<std::optional<SackBlock>, kMaxSackBlocks> sack{};
  ResendCause resend = ResendCause::kNone;  // != kNone: send `header_segment` to the backend now
  HeaderSegment header_segment;
  std::uint16_t client_mss = 0;  // != 0: rewrite the SYN-ACK's MSS option to this (with-data)
  bool header_acked_now = false;  // this segment moved the header to kAcked
};

// What a header timer expiry does (SL_TIMER_ACTION_LIST): kNothing (not due, or nothing to
// deliver), kResend (send `header_segment` to the backend), kGiveUp (reset both sides with
// `to_client` and `to_backend`, then drop the flow).
enum class TimerAction : std::uint8_t {
#define SLUICE_TIMER_ACTION(c_name, cpp_name, value, text) cpp_name = value,
  SL_TIMER_ACTION_LIST(SLUICE_TIMER_ACTION)
#undef SLUICE_TIMER_ACTION
};

struct TimerDecision {
  TimerAction action = TimerAction::kNothing;
  HeaderSegment header_segment;
  ResetSegment to_client;   // client's space: seq = what the client expects next from us
  ResetSegment to_backend;  // backend's space: seq = what the backend expects next
};

std::string_view to_string(HeaderState state) noexcept;
std::string_view to_string(InsertionMode mode) noexcept;
std::string_view to_string(InsertionDrop drop) noexcept;
std::string_view to_string(HeaderPlacement placement) noexcept;
std::string_view to_string(ResendCause cause) noexcept;
std::string_view to_string(TimerAction action) noexcept;

// The decision of a header timer expiry that sl_ins_on_timer answered with `action`, its numbers
// read from the state: the header segment (c+1, the client's latest ack) of a resend, the
// give-up resets (sl_ins_give_up_resets). One builder for the engine's on_timer and the XDP
// header timer, which run the same rule over the same struct.
TimerDecision timer_decision(const sl_tcp_insertion& state, std::uint8_t action) noexcept;

}  // namespace sluice::insertion
