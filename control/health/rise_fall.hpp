#pragma once
// The rise/fall state machine of one health-check target (spec config.md, [services.health]):
// `fall` consecutive failed checks take an up backend down, `rise` consecutive successful ones
// bring a down backend back. Pure: no clock, no I/O; HealthChecker feeds it probe results.
//
// A new target starts up and "unconfirmed" (docs/health.md, "Initial state"): the datapath
// already sends it flows, so starting down would cut a healthy service off for rise * interval
// after every start or reload; but while no check has succeeded yet, a single failure is enough
// to take it down, so a backend that is dead at start-up leaves the rotation after one check,
// not after `fall` of them.
#include <cstdint>
#include <optional>

namespace sluice::health {

struct Transition {
  bool up = false;           // the new state
  std::uint32_t checks = 0;  // consecutive results that caused it
};

class RiseFall {
 public:
  RiseFall(std::uint8_t rise, std::uint8_t fall) noexcept;

  // Records one check result; returns the transition it causes, if any.
  std::optional<Transition> record(bool success) noexcept;
  // New thresholds on reload; the state and the current streak are kept.
  void set_thresholds(std::uint8_t rise, std::uint8_t fall) noexcept;

  bool up() const noexcept { return up_; }
  bool confirmed() const noexcept { return confirmed_; }
  // Consecutive results against the current state (failures while up, successes while down).
  std::uint32_t streak() const noexcept { return streak_; }

 private:
  std::uint8_t rise_;
  std::uint8_t fall_;
  bool up_ = true;
  bool confirmed_ = false;  // a check has succeeded since the target was created
  std::uint32_t streak_ = 0;
};

}  // namespace sluice::health
