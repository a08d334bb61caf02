#pragma once
// The per-worker half of scheduling: picks a backend for a new flow from the service's current
// BackendSet snapshot. One Scheduler per (worker, service), owned by that worker's lcore: no
// locks, no atomics, no allocation. State that must survive between picks (round-robin cursor,
// smooth-WRR current weights, least-conn active counts) lives here, sized for the largest set
// up front.
//
// Per-pick cost (only on a flow's first packet, never for established flows):
//   rr, maglev, source-hash: O(1)        wrr, least-conn: O(eligible backends)
#include <array>
#include <cstdint>
#include <optional>

#include "dataplane/sched/backend_set.hpp"
#include "dataplane/sched/flow_hash.hpp"

namespace sluice::sched {

class Scheduler {
 public:
  struct Counters {
    std::uint64_t active_underflows = 0;  // on_flow_destroyed without a matching create
    std::uint64_t invalid_slots = 0;      // a slot outside [0, kSlotCount)
  };

  // worker_index staggers the round-robin start so that N workers do not all send their first
  // flow to the same backend.
  explicit Scheduler(std::uint32_t worker_index = 0) noexcept : worker_index_(worker_index) {}

  // The backend for a new flow, or nullopt when the set has no eligible backend (the pipeline
  // drops and counts). `set` may differ from the previous call's: a new generation resets the
  // rr cursor and the wrr weights (as nginx does on reconfiguration), not the active counts.
  std::optional<BackendIndex> pick(const BackendSet& set, const PickKey& key) noexcept;

  // Least-conn bookkeeping, called by the pipeline when a flow assigned to the backend with
  // this slot is created and destroyed. Kept for every scheduler kind so that a switch to
  // least-conn starts from true counts. A destroy without create is counted, never wraps.
  void on_flow_created(BackendSlot slot) noexcept;
  void on_flow_destroyed(BackendSlot slot) noexcept;
  std::uint32_t active_flows(BackendSlot slot) const noexcept;
  // Flows ever assigned to the slot by this worker (`show backends` "total").
  std::uint64_t created_flows(BackendSlot slot) const noexcept;
  // Active flows of every slot together (`show services` "active").
  std::uint64_t active_sum() const noexcept { return active_sum_; }

  const Counters& counters() const noexcept { return counters_; }

 private:
  void adopt(const BackendSet& set) noexcept;
  BackendIndex pick_round_robin(const BackendSet& set) noexcept;
  BackendIndex pick_weighted_round_robin(const BackendSet& set) noexcept;
  BackendIndex pick_least_connections(const BackendSet& set) const noexcept;

  std::uint32_t worker_index_;
  std::uint64_t generation_ = 0;  // of the set the cursors below belong to; 0 = none yet
  std::uint32_t rr_cursor_ = 0;   // position in set.eligible()
  // Smooth WRR "current_weight" per eligible position (nginx ngx_http_upstream_get_peer).
  std::array<std::int64_t, BackendSet::kMaxBackends> wrr_current_{};
  std::array<std::uint32_t, BackendSet::kSlotCount> active_{};
  std::array<std::uint64_t, BackendSet::kSlotCount> created_{};
  std::uint64_t active_sum_ = 0;
  Counters counters_;
};

}  // namespace sluice::sched
