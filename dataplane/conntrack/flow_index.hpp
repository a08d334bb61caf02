#pragma once
// The flow lookup index: open addressing with linear probing over 8-byte slots
// {tag, handle}. The key itself lives in the flow entry (the caller's key_of(handle) returns it),
// so a slot costs 8 bytes and a probe usually touches one cache line; the entry is needed
// anyway once found. Deletion shifts the following run back (no tombstones), so lookups stay
// short under churn. Capacity is fixed at construction: no allocation after it.
#include <cstdint>
#include <optional>
#include <cstdlib>
#include <memory>

#include "dataplane/conntrack/flow_key.hpp"
#include "dataplane/conntrack/zeroed_memory.hpp"

namespace sluice::conntrack {

class FlowIndex {
 public:
  // Room for max_keys keys at a load factor of at most 1/2.
  explicit FlowIndex(std::uint32_t max_keys);

  std::size_t slot_count() const noexcept { return mask_ + 1; }
  std::uint32_t size() const noexcept { return size_; }

  template <class KeyOf>
  std::optional<std::uint32_t> find(const FlowKey& key, std::uint64_t hash,
                                    KeyOf&& key_of) const noexcept {
    const std::uint32_t tag = tag_of(hash);
    for (std::size_t i = tag & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.tag == kEmpty) return std::nullopt;
      if (slot.tag == tag && key_of(slot.handle) == key) return slot.handle;
    }
  }

  // False when the key is already present or the index is full.
  template <class KeyOf>
  bool insert(const FlowKey& key, std::uint64_t hash, std::uint32_t handle,
              KeyOf&& key_of) noexcept {
    if (size_ >= max_keys_) return false;
    const std::uint32_t tag = tag_of(hash);
    for (std::size_t i = tag & mask_;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.tag == kEmpty) {
        slot = Slot{tag, handle};
        ++size_;
        return true;
      }
      if (slot.tag == tag && key_of(slot.handle) == key) return false;
    }
  }

  // Starts loading the cache line of the key's home slot (a hint: no effect on results).
  void prefetch(std::uint64_t hash) const noexcept {
    __builtin_prefetch(&slots_[tag_of(hash) & mask_]);
  }
  // Removes the slot holding exactly this handle for this key (false if absent).
  bool erase(std::uint64_t hash, std::uint32_t handle) noexcept;

  void clear() noexcept;

 private:
  struct Slot {
    std::uint32_t tag;
    std::uint32_t handle;
  };
  static constexpr std::uint32_t kEmpty = 0;

  // The low bits of the tag choose the home slot; all 32 bits filter before a key compare.
  static std::uint32_t tag_of(std::uint64_t hash) noexcept {
    const auto tag = static_cast<std::uint32_t>(hash ^ (hash >> 32));
    return tag == kEmpty ? 1u : tag;
  }

  // An empty slot is all zeros, and untouched pages cost no memory (zeroed_memory.hpp).
  std::unique_ptr<ZeroedMemory> memory_;
  Slot* slots_ = nullptr;
  std::size_t mask_ = 0;
  std::uint32_t max_keys_ = 0;
  std::uint32_t size_ = 0;
};

}  // namespace sluice::conntrack
