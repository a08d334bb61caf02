#pragma once
// One worker's TCP flows in creation order, for the bounded-embryonic rules of
// dataplane/shared/embryonic.h: a ring of `size` slots, each naming a flow by its pool id and
// its serial (pool ids are reused, serials never are, so a slot whose flow is gone or was
// replaced simply does not match any more). Sized once at start; nothing allocates after.
#include <cstdint>
#include <vector>

#include "dataplane/shared/embryonic.h"

namespace sluice::conntrack {

struct EmbryonicSlot {
  std::uint32_t flow_id = 0;
  std::uint64_t serial = 0;  // 0: empty (flow serials start at 1)
};

class EmbryonicRing {
 public:
  explicit EmbryonicRing(std::uint32_t size) : slots_(size) {}

  std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(slots_.size()); }
  // The slot the next TCP flow takes: the flow created size() flows before it.
  const EmbryonicSlot& next() const noexcept { return slots_[sl_embryonic_slot(created_, size())]; }
  // Records the new flow in next()'s slot.
  void push(std::uint32_t flow_id, std::uint64_t serial) noexcept {
    if (slots_.empty()) return;
    slots_[sl_embryonic_slot(created_, size())] = EmbryonicSlot{flow_id, serial};
    ++created_;
  }
  // Calls fn(slot) on the filled slots from the oldest, at most `budget` of them, until fn
  // returns true; returns whether it did.
  template <typename Fn>
  bool find_oldest(std::uint32_t budget, Fn&& fn) const noexcept {
    const std::uint32_t ring = size();
    const std::uint32_t filled = sl_embryonic_filled(created_, ring);
    const std::uint32_t start = sl_embryonic_oldest_slot(created_, ring);
    for (std::uint32_t i = 0; i < filled && i < budget; ++i) {
      if (fn(slots_[(start + i) % ring])) return true;
    }
    return false;
  }

 private:
  std::vector<EmbryonicSlot> slots_;
  std::uint64_t created_ = 0;  // TCP flows recorded so far
};

}  // namespace sluice::conntrack
