#pragma once
// A fixed-capacity pool of flow entries addressed by 32-bit indices (the conntrack
// max_entries). Allocation is O(1): a recycled index from the free list, or else the next
// never-used one. No allocation after construction. A full pool refuses new flows; the caller
// counts the drop and established flows keep working.
//
// The storage is reserved up front but an entry is constructed only when its index is first
// handed out, so a table sized for a million flows costs address space, not memory or
// start-up time, until traffic fills it. Entries are never moved (they may embed timer nodes
// the wheel points at): allocate() hands out a slot as its previous user left it, and the
// caller initialises it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <optional>
#include <vector>

#include "dataplane/conntrack/zeroed_memory.hpp"

namespace sluice::conntrack {

template <class Entry>
class EntryPool {
  static_assert(alignof(Entry) <= 4096, "page alignment is enough");

 public:
  explicit EntryPool(std::uint32_t capacity)
      : memory_(sizeof(Entry) * std::size_t{capacity}),
        storage_(static_cast<Entry*>(memory_.data())),
        capacity_(capacity),
        in_use_(capacity, false) {
    free_.reserve(capacity);
  }
  ~EntryPool() {
    for (std::uint32_t i = 0; i < constructed_; ++i) storage_[i].~Entry();
  }
  EntryPool(const EntryPool&) = delete;
  EntryPool& operator=(const EntryPool&) = delete;

  std::optional<std::uint32_t> allocate() noexcept {
    std::uint32_t index;
    if (!free_.empty()) {
      index = free_.back();
      free_.pop_back();
    } else if (constructed_ < capacity_) {
      index = constructed_++;
      new (&storage_[index]) Entry();
    } else {
      return std::nullopt;
    }
    in_use_[index] = true;
    ++used_;
    return index;
  }

  // False (and nothing changes) for an index that is not allocated: a double free is a bug the
  // caller counts, never memory corruption.
  bool release(std::uint32_t index) noexcept {
    if (index >= capacity_ || !in_use_[index]) return false;
    in_use_[index] = false;
    free_.push_back(index);  // capacity reserved: never reallocates
    --used_;
    return true;
  }

  bool in_use(std::uint32_t index) const noexcept { return index < capacity_ && in_use_[index]; }
  Entry& operator[](std::uint32_t index) noexcept { return storage_[index]; }
  const Entry& operator[](std::uint32_t index) const noexcept { return storage_[index]; }
  // The index of an entry of this pool (the timer wheel hands back entries, not indices).
  std::uint32_t index_of(const Entry& entry) const noexcept {
    return static_cast<std::uint32_t>(&entry - storage_);
  }
  std::uint32_t capacity() const noexcept { return capacity_; }
  std::uint32_t used() const noexcept { return used_; }
  // Indices below this have been constructed; iterate to here, not to capacity().
  std::uint32_t high_water() const noexcept { return constructed_; }

 private:
  ZeroedMemory memory_;
  Entry* storage_;
  std::uint32_t capacity_;
  std::uint32_t constructed_ = 0;
  std::uint32_t used_ = 0;
  std::vector<bool> in_use_;
  std::vector<std::uint32_t> free_;
};

}  // namespace sluice::conntrack
