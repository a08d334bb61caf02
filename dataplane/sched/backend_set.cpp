#include "dataplane/sched/backend_set.hpp"

#include <atomic>
#include <bitset>
#include <map>
#include <stdexcept>

namespace sluice::sched {
namespace {

std::uint64_t next_generation() noexcept {
  static std::atomic<std::uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

bool is_eligible(const BackendSpec& spec) noexcept {
  return spec.weight > 0 && spec.admin_enabled && spec.health_up;
}

}  // namespace

BackendSet::BackendSet(SchedulerKind kind, std::span<const BackendSpec> specs,
                       const BackendSet* previous)
    : kind_(kind), generation_(next_generation()) {
  if (specs.size() > kMaxBackends) {
    throw std::invalid_argument("too many backends in one service (max 1024)");
  }
  backends_.reserve(specs.size());
  std::map<net::Endpoint, std::size_t> seen;
  for (const BackendSpec& spec : specs) {
    if (!seen.emplace(spec.endpoint, backends_.size()).second) {
      throw std::invalid_argument("backend " + spec.endpoint.to_string() + " listed twice");
    }
    const bool eligible = is_eligible(spec);
    if (eligible) {
      eligible_.push_back(BackendIndex{static_cast<std::uint32_t>(backends_.size())});
      eligible_weight_total_ += spec.weight;
    }
    backends_.push_back(Backend{spec.endpoint, spec.weight, eligible, BackendSlot{}});
  }
  assign_slots(previous);

  if (uses_maglev_table(kind_)) {
    std::vector<MaglevCandidate> candidates;
    candidates.reserve(eligible_.size());
    for (const BackendIndex index : eligible_) {
      const Backend& backend = backends_[index.value];
      candidates.push_back(
          MaglevCandidate{backend.endpoint, backend.weight, static_cast<std::uint16_t>(index.value)});
    }
    maglev_table_ = build_maglev_table(candidates, kMaglevTableSize);
  }
}

void BackendSet::assign_slots(const BackendSet* previous) {
  std::map<net::Endpoint, BackendSlot> previous_slots;
  std::bitset<kSlotCount> taken;  // by this set or by the previous one
  if (previous != nullptr) {
    for (const Backend& backend : previous->backends_) {
      previous_slots.emplace(backend.endpoint, backend.slot);
      taken.set(backend.slot.value);
    }
  }
  // Survivors first: they keep their slot.
  std::bitset<kSlotCount> used_here;
  std::vector<Backend*> newcomers;
  for (Backend& backend : backends_) {
    const auto found = previous_slots.find(backend.endpoint);
    if (found == previous_slots.end()) {
      newcomers.push_back(&backend);
      continue;
    }
    backend.slot = found->second;
    used_here.set(backend.slot.value);
  }
  // Newcomers take the lowest slot neither set uses; there is always one since each set holds at
  // most kMaxBackends = kSlotCount / 2 backends.
  std::uint32_t candidate = 0;
  for (Backend* backend : newcomers) {
    while (taken.test(candidate) || used_here.test(candidate)) ++candidate;
    backend->slot = BackendSlot{candidate};
    used_here.set(candidate);
  }
}

}  // namespace sluice::sched
