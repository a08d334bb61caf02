#include "dataplane/pipeline/neighbor_table.hpp"

#include <span>

#include "dataplane/sched/xxhash64.hpp"

namespace sluice::pipeline {

std::size_t IpAddressHash::operator()(const net::IpAddress& address) const noexcept {
  return static_cast<std::size_t>(
      sched::xxhash64(std::span<const std::uint8_t>(address.data(), address.size()), 0));
}

NeighborTable::NeighborTable(const std::vector<StaticNeighbor>& static_entries) {
  entries_.reserve(256);
  for (const StaticNeighbor& entry : static_entries) {
    entries_[entry.address] = NeighborEntry{entry.mac, entry.port, true, 0};
  }
}

void NeighborTable::add_static(const StaticNeighbor& entry) {
  entries_[entry.address] = NeighborEntry{entry.mac, entry.port, true, 0};
  ++generation_;  // flows' cached MACs are checked against it (a reload may change one)
}

const NeighborEntry* NeighborTable::find(const net::IpAddress& address) const noexcept {
  const auto it = entries_.find(address);
  return it == entries_.end() ? nullptr : &it->second;
}

bool NeighborTable::enqueue(const net::IpAddress& next_hop, PortId port, Frame frame,
                            std::int64_t now_ns, bool& first_for_hop) noexcept {
  first_for_hop = true;
  Pending* free_slot = nullptr;
  for (Pending& pending : pending_) {
    if (!pending.used) {
      if (free_slot == nullptr) free_slot = &pending;
    } else if (pending.next_hop == next_hop) {
      first_for_hop = false;
    }
  }
  if (free_slot == nullptr) return false;
  *free_slot = Pending{true, next_hop, port, frame, now_ns};
  ++pending_count_;
  return true;
}

}  // namespace sluice::pipeline
