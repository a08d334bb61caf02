#pragma once
// The worker's ARP/NDP cache: static entries from the config, entries learnt from ARP replies
// and requests, neighbour advertisements and solicitations, and a small queue of frames waiting
// for a resolution (RFC 1122 section 2.3.2.2: "SHOULD save at least one packet"). Learning
// inserts into a hash map, which allocates — that happens per neighbour, not per packet; the
// per-packet lookup never allocates.
#include <array>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "dataplane/net/address.hpp"
#include "dataplane/pipeline/frame_io.hpp"
#include "dataplane/pipeline/tables.hpp"

namespace sluice::pipeline {

struct IpAddressHash {
  std::size_t operator()(const net::IpAddress& address) const noexcept;
};

struct NeighborEntry {
  net::MacAddress mac;
  PortId port = kNoPort;
  bool is_static = false;
  std::int64_t learnt_ns = 0;
};

class NeighborTable {
 public:
  // Frames held per worker while their next hop resolves; beyond it, new ones are dropped.
  static constexpr std::size_t kPendingCapacity = 32;
  // How long a queued frame waits for an answer before it is released (and counted).
  static constexpr std::int64_t kPendingTimeoutNs = 1'000'000'000;

  explicit NeighborTable(const std::vector<StaticNeighbor>& static_entries);

  const NeighborEntry* find(const net::IpAddress& address) const noexcept;
  // A static entry from a reloaded configuration (replaces a learnt one; allocates once).
  void add_static(const StaticNeighbor& entry);
  // Changes whenever an entry is added or its MAC or port changes (a refresh with the same
  // answer does not): what a flow's NeighborCache is checked against. Never 0.
  std::uint32_t generation() const noexcept { return generation_; }
  // Learns or refreshes a dynamic entry (static ones are never overwritten) and returns the
  // queued frames now deliverable through `transmit_ready`.
  template <class Ready>
  void learn(const net::IpAddress& address, const net::MacAddress& mac, PortId port,
             std::int64_t now_ns, Ready&& transmit_ready) {
    auto [it, inserted] = entries_.try_emplace(address, NeighborEntry{mac, port, false, now_ns});
    if (inserted) {
      ++generation_;
    } else if (!it->second.is_static) {
      if (it->second.mac != mac || it->second.port != port) ++generation_;
      it->second = NeighborEntry{mac, port, false, now_ns};
    }
    for (Pending& pending : pending_) {
      if (pending.used && pending.next_hop == address) {
        pending.used = false;
        --pending_count_;
        transmit_ready(pending.frame, it->second);
      }
    }
  }

  // Queues a frame for `next_hop`. False when the queue is full (the caller drops the frame).
  // `first_for_hop` tells the caller whether to send a request (one per hop in flight).
  bool enqueue(const net::IpAddress& next_hop, PortId port, Frame frame, std::int64_t now_ns,
               bool& first_for_hop) noexcept;

  // Releases queued frames older than kPendingTimeoutNs; returns how many.
  template <class Release>
  std::size_t expire(std::int64_t now_ns, Release&& release) {
    std::size_t expired = 0;
    for (Pending& pending : pending_) {
      if (pending.used && now_ns - pending.queued_ns >= kPendingTimeoutNs) {
        pending.used = false;
        --pending_count_;
        release(pending.frame);
        ++expired;
      }
    }
    return expired;
  }

  std::size_t pending_count() const noexcept { return pending_count_; }
  const std::unordered_map<net::IpAddress, NeighborEntry, IpAddressHash>& entries() const noexcept {
    return entries_;
  }

 private:
  struct Pending {
    bool used = false;
    net::IpAddress next_hop;
    PortId port = kNoPort;
    Frame frame;
    std::int64_t queued_ns = 0;
  };

  std::unordered_map<net::IpAddress, NeighborEntry, IpAddressHash> entries_;
  std::array<Pending, kPendingCapacity> pending_{};
  std::size_t pending_count_ = 0;
  std::uint32_t generation_ = 1;
};

}  // namespace sluice::pipeline
