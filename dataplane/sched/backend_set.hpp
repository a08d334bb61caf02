#pragma once
// An immutable snapshot of one service's backends, built by the control thread whenever the
// configuration, an admin command or a health transition changes the set, then handed to the
// workers. Everything a worker needs to pick a backend is precomputed here (eligible list,
// weight total, maglev table), so the per-packet side allocates nothing.
//
// Two identities per backend:
//  - BackendIndex: position in this snapshot (the order of the specs); what pick() returns and
//    what maps to an endpoint. Only meaningful together with the snapshot it came from.
//  - BackendSlot: stable across snapshots for the same endpoint. Flows remember the slot so
//    least-conn counters stay right when the set changes under live flows (LVS keeps a pointer
//    to the long-lived destination object for the same reason).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dataplane/net/address.hpp"
#include "dataplane/sched/maglev.hpp"
#include "dataplane/sched/scheduler_kind.hpp"

namespace sluice::sched {

struct BackendIndex {
  std::uint32_t value = 0;
  friend constexpr bool operator==(BackendIndex, BackendIndex) noexcept = default;
};

struct BackendSlot {
  std::uint32_t value = 0;
  friend constexpr bool operator==(BackendSlot, BackendSlot) noexcept = default;
};

// What the control plane knows about a backend (config + console + health checks).
struct BackendSpec {
  net::Endpoint endpoint;
  std::uint32_t weight = 1;    // 0 = drain (spec/config.md): no new flows
  bool admin_enabled = true;   // console "disable" clears it
  bool health_up = true;       // health checks; always true without [services.health]
};

struct Backend {
  net::Endpoint endpoint;
  std::uint32_t weight = 0;
  bool eligible = false;  // weight > 0, enabled and up: may receive new flows
  BackendSlot slot;
};

class BackendSet {
 public:
  static constexpr std::size_t kMaxBackends = 1024;
  // Twice the backends: a snapshot can always give new endpoints slots that the previous
  // snapshot did not use, so a removed backend's draining flows never count against a newcomer.
  static constexpr std::size_t kSlotCount = 2 * kMaxBackends;

  // Throws std::invalid_argument for more than kMaxBackends specs or a repeated endpoint.
  // `previous` (the snapshot being replaced, if any) lets endpoints keep their slots.
  BackendSet(SchedulerKind kind, std::span<const BackendSpec> specs,
             const BackendSet* previous = nullptr);

  SchedulerKind kind() const noexcept { return kind_; }
  // Unique per snapshot built by this process (never 0): workers notice a new set by it.
  std::uint64_t generation() const noexcept { return generation_; }

  std::span<const Backend> backends() const noexcept { return backends_; }
  const Backend& backend(BackendIndex index) const noexcept { return backends_[index.value]; }
  std::size_t size() const noexcept { return backends_.size(); }

  // Eligible backends in spec order; empty means every pick returns none.
  std::span<const BackendIndex> eligible() const noexcept { return eligible_; }
  std::uint64_t eligible_weight_total() const noexcept { return eligible_weight_total_; }

  // kMaglevTableSize backend indices for maglev and source-hash sets with an eligible backend,
  // empty otherwise. Ineligible backends own no entry.
  std::span<const std::uint16_t> maglev_table() const noexcept { return maglev_table_; }
  // Precondition: maglev_table() is not empty.
  BackendIndex maglev_lookup(std::uint64_t hash) const noexcept {
    return BackendIndex{maglev_table_[hash % kMaglevTableSize]};
  }

 private:
  void assign_slots(const BackendSet* previous);

  SchedulerKind kind_;
  std::uint64_t generation_;
  std::vector<Backend> backends_;
  std::vector<BackendIndex> eligible_;
  std::uint64_t eligible_weight_total_ = 0;
  std::vector<std::uint16_t> maglev_table_;
};

}  // namespace sluice::sched
