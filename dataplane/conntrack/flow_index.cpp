#include "dataplane/conntrack/flow_index.hpp"

#include <bit>
#include <new>

namespace sluice::conntrack {

FlowIndex::FlowIndex(std::uint32_t max_keys) : max_keys_(max_keys) {
  const std::size_t wanted = std::size_t{max_keys} * 2 < 16 ? 16 : std::size_t{max_keys} * 2;
  const std::size_t count = std::bit_ceil(wanted);
  memory_ = std::make_unique<ZeroedMemory>(count * sizeof(Slot));
  slots_ = static_cast<Slot*>(memory_->data());
  mask_ = count - 1;
}

bool FlowIndex::erase(std::uint64_t hash, std::uint32_t handle) noexcept {
  const std::uint32_t tag = tag_of(hash);
  std::size_t hole = tag & mask_;
  for (;; hole = (hole + 1) & mask_) {
    const Slot& slot = slots_[hole];
    if (slot.tag == kEmpty) return false;
    if (slot.tag == tag && slot.handle == handle) break;
  }
  // Backward-shift deletion (Knuth 6.4, algorithm R): move later members of the probe run
  // into the hole when their home slot does not lie cyclically in (hole, next].
  for (std::size_t next = (hole + 1) & mask_;; next = (next + 1) & mask_) {
    const Slot& candidate = slots_[next];
    if (candidate.tag == kEmpty) break;
    const std::size_t home = candidate.tag & mask_;
    const bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
    if (!stays) {
      slots_[hole] = candidate;
      hole = next;
    }
  }
  slots_[hole] = Slot{kEmpty, 0};
  --size_;
  return true;
}

void FlowIndex::clear() noexcept {
  for (std::size_t i = 0; i <= mask_; ++i) slots_[i] = Slot{kEmpty, 0};
  size_ = 0;
}

}  // namespace sluice::conntrack
