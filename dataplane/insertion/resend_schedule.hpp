#pragma once
// The header's own retransmission timer (spec proxy-protocol.md, TCP item 5: "initial 200 ms,
// doubling, at least 6 tries"). Measured from each (re)send made by the timer:
//
//   send at T, timer resends at T+0.2, +0.6, +1.4, +3.0, +6.2, +12.6 s, give up at T+25.4 s
//
// Resends triggered by the backend or the client do not move this schedule (RFC 6298 section
// 5: only new acknowledgements restart a retransmission timer), so it bounds the header's
// lifetime whatever the peers do.
#include <chrono>
#include <cstdint>

#include "dataplane/shared/tcp_rules.h"

namespace sluice::insertion {

using Nanoseconds = std::chrono::nanoseconds;

// The schedule is the shared rule (dataplane/shared/tcp_rules.h), which the XDP header timer
// applies too.
inline constexpr Nanoseconds kInitialHeaderRto{static_cast<std::int64_t>(SL_HEADER_RTO_NS)};
inline constexpr std::uint8_t kMaxTimerResends = SL_HEADER_MAX_TIMER_RESENDS;

// Timeout armed after the `resends_so_far`-th timer resend (0 after the first send).
inline Nanoseconds header_rto(std::uint8_t resends_so_far) noexcept {
  return Nanoseconds(static_cast<std::int64_t>(sl_header_rto_ns(resends_so_far)));
}

static_assert(kInitialHeaderRto == std::chrono::milliseconds(200));

}  // namespace sluice::insertion
