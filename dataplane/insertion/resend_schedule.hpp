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

namespace sluice::insertion {

using Nanoseconds = std::chrono::nanoseconds;

inline constexpr Nanoseconds kInitialHeaderRto = std::chrono::milliseconds(200);
inline constexpr std::uint8_t kMaxTimerResends = 6;

// Timeout armed after the `resends_so_far`-th timer resend (0 after the first send).
constexpr Nanoseconds header_rto(std::uint8_t resends_so_far) noexcept {
  return kInitialHeaderRto * (std::int64_t{1} << resends_so_far);
}

static_assert(header_rto(0) == std::chrono::milliseconds(200));
static_assert(header_rto(kMaxTimerResends) == std::chrono::milliseconds(12800));

}  // namespace sluice::insertion
