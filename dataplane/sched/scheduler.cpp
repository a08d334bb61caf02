#include "dataplane/sched/scheduler.hpp"

namespace sluice::sched {

std::optional<BackendIndex> Scheduler::pick(const BackendSet& set, const PickKey& key) noexcept {
  if (set.eligible().empty()) return std::nullopt;
  if (set.generation() != generation_) adopt(set);

  switch (set.kind()) {
    case SchedulerKind::kRoundRobin:
      return pick_round_robin(set);
    case SchedulerKind::kWeightedRoundRobin:
      return pick_weighted_round_robin(set);
    case SchedulerKind::kMaglev:
      return set.maglev_lookup(key.flow_hash);
    case SchedulerKind::kSourceHash:
      // The maglev table keyed by the client address only: every connection of a client lands
      // on the same backend, and a set change moves only ~1/N of the clients.
      return set.maglev_lookup(key.client_hash);
    case SchedulerKind::kLeastConnections:
      return pick_least_connections(set);
  }
  return std::nullopt;
}

void Scheduler::adopt(const BackendSet& set) noexcept {
  generation_ = set.generation();
  const std::size_t eligible = set.eligible().size();
  rr_cursor_ = eligible == 0 ? 0 : static_cast<std::uint32_t>(worker_index_ % eligible);
  for (std::size_t i = 0; i < eligible; ++i) wrr_current_[i] = 0;
}

BackendIndex Scheduler::pick_round_robin(const BackendSet& set) noexcept {
  const auto eligible = set.eligible();
  const BackendIndex chosen = eligible[rr_cursor_];
  rr_cursor_ = rr_cursor_ + 1 == eligible.size() ? 0 : rr_cursor_ + 1;
  return chosen;
}

// nginx's smooth weighted round robin: every eligible backend gains its weight, the largest
// current weight wins (first one on ties) and pays the total back. Weights 5,1,1 give
// a a b a c a a: heavy backends are interleaved, never sent a burst.
BackendIndex Scheduler::pick_weighted_round_robin(const BackendSet& set) noexcept {
  const auto eligible = set.eligible();
  std::size_t best = 0;
  for (std::size_t i = 0; i < eligible.size(); ++i) {
    wrr_current_[i] += set.backend(eligible[i]).weight;
    if (wrr_current_[i] > wrr_current_[best]) best = i;
  }
  wrr_current_[best] -= static_cast<std::int64_t>(set.eligible_weight_total());
  return eligible[best];
}

// Fewest active flows relative to weight, counting the flow about to be placed:
// minimise (active + 1) / weight, compared by cross-multiplication in 64 bits (both factors are
// below 2^32). The "+ 1" (as in HAProxy's leastconn) makes idle backends fill in weight
// proportion instead of all taking one flow each first. First eligible backend wins ties.
BackendIndex Scheduler::pick_least_connections(const BackendSet& set) const noexcept {
  const auto eligible = set.eligible();
  BackendIndex best = eligible[0];
  std::uint64_t best_load = std::uint64_t{active_[set.backend(best).slot.value]} + 1;
  std::uint64_t best_weight = set.backend(best).weight;
  for (std::size_t i = 1; i < eligible.size(); ++i) {
    const Backend& backend = set.backend(eligible[i]);
    const std::uint64_t load = std::uint64_t{active_[backend.slot.value]} + 1;
    if (load * best_weight < best_load * backend.weight) {
      best = eligible[i];
      best_load = load;
      best_weight = backend.weight;
    }
  }
  return best;
}

void Scheduler::on_flow_created(BackendSlot slot) noexcept {
  if (slot.value >= active_.size()) {
    ++counters_.invalid_slots;
    return;
  }
  ++active_[slot.value];
  ++created_[slot.value];
  ++active_sum_;
}

void Scheduler::on_flow_destroyed(BackendSlot slot) noexcept {
  if (slot.value >= active_.size()) {
    ++counters_.invalid_slots;
    return;
  }
  if (active_[slot.value] == 0) {
    ++counters_.active_underflows;
    return;
  }
  --active_[slot.value];
  --active_sum_;
}

std::uint32_t Scheduler::active_flows(BackendSlot slot) const noexcept {
  return slot.value < active_.size() ? active_[slot.value] : 0;
}

std::uint64_t Scheduler::created_flows(BackendSlot slot) const noexcept {
  return slot.value < created_.size() ? created_[slot.value] : 0;
}

}  // namespace sluice::sched
