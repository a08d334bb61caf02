#include "control/health/rise_fall.hpp"

#include <algorithm>

namespace sluice::health {

// The config layer guarantees 1 <= rise, fall; clamp anyway so a zero never means "never".
RiseFall::RiseFall(std::uint8_t rise, std::uint8_t fall) noexcept
    : rise_(std::max<std::uint8_t>(rise, 1)), fall_(std::max<std::uint8_t>(fall, 1)) {}

void RiseFall::set_thresholds(std::uint8_t rise, std::uint8_t fall) noexcept {
  rise_ = std::max<std::uint8_t>(rise, 1);
  fall_ = std::max<std::uint8_t>(fall, 1);
}

std::optional<Transition> RiseFall::record(bool success) noexcept {
  if (up_) {
    if (success) {
      confirmed_ = true;
      streak_ = 0;
      return std::nullopt;
    }
    ++streak_;
    if (confirmed_ && streak_ < fall_) return std::nullopt;
    const Transition transition{false, streak_};
    up_ = false;
    confirmed_ = true;
    streak_ = 0;
    return transition;
  }
  if (!success) {
    streak_ = 0;
    return std::nullopt;
  }
  ++streak_;
  if (streak_ < rise_) return std::nullopt;
  const Transition transition{true, streak_};
  up_ = true;
  streak_ = 0;
  return transition;
}

}  // namespace sluice::health
