#include "dataplane/sched/scheduler_kind.hpp"

#include <array>
#include <utility>

namespace sluice::sched {
namespace {

constexpr std::array<std::pair<std::string_view, SchedulerKind>, 5> kNames{{
    {"rr", SchedulerKind::kRoundRobin},
    {"wrr", SchedulerKind::kWeightedRoundRobin},
    {"maglev", SchedulerKind::kMaglev},
    {"source-hash", SchedulerKind::kSourceHash},
    {"least-conn", SchedulerKind::kLeastConnections},
}};

}  // namespace

std::optional<SchedulerKind> parse_scheduler_kind(std::string_view name) noexcept {
  for (const auto& [text, kind] : kNames) {
    if (text == name) return kind;
  }
  return std::nullopt;
}

std::string_view to_string(SchedulerKind kind) noexcept {
  for (const auto& [text, candidate] : kNames) {
    if (candidate == kind) return text;
  }
  return "?";
}

}  // namespace sluice::sched
