#pragma once
// The scheduler names of the configuration (spec/config.md, `services.scheduler`).
#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::sched {

enum class SchedulerKind : std::uint8_t {
  kRoundRobin,          // "rr"
  kWeightedRoundRobin,  // "wrr"
  kMaglev,              // "maglev"
  kSourceHash,          // "source-hash"
  kLeastConnections,    // "least-conn"
};

// Exact, case-sensitive match of the configuration names; nullopt for anything else.
std::optional<SchedulerKind> parse_scheduler_kind(std::string_view name) noexcept;
std::string_view to_string(SchedulerKind kind) noexcept;

// Maglev and source-hash both look up a maglev table; the other kinds never build one.
constexpr bool uses_maglev_table(SchedulerKind kind) noexcept {
  return kind == SchedulerKind::kMaglev || kind == SchedulerKind::kSourceHash;
}

}  // namespace sluice::sched
