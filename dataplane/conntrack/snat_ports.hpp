#pragma once
// SNAT source ports for full-NAT: every flow leaves towards its backend from SNAT_ADDR:port, and
// the backend's replies come back to that port. The port alone must tell which worker owns the
// flow, because the reply arrives on whatever RX queue the NIC picks and only the owning worker
// holds the flow's state (no shared tables, no locks).
//
// Partition (the scheme of DPVS's sa_pool): the low bits of the port select a *lane*, and each
// lane belongs to one worker:
//     lane  = port & (lane_count - 1)          lane_count a power of two
//     owner = lane mod worker_count
// A NIC can steer on exactly this — an rte_flow/flow-director rule "destination port & mask ==
// lane -> queue of owner" per lane — whereas contiguous port ranges would need range matches
// few NICs offer. Software steering (a worker handing a packet to the owner's ring) uses
// owner_worker() directly. With a power-of-two worker count, lane_count = worker_count and the
// split is exact; otherwise lane_count is 16 times the next power of two, so the largest share
// exceeds the smallest by at most 1/16 of a share (e.g. 3 workers: lanes 22/21/21 of 64).
//
// One partition serves every (SNAT address, protocol) pair: ports of different addresses or
// protocols are independent flows for the backend, so each worker keeps one SnatPortAllocator
// per pair, all built from the same partition.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace sluice::conntrack {

// Inclusive port range. The default leaves the well-known ports alone.
struct PortRange {
  std::uint16_t first = 1024;
  std::uint16_t last = 65535;
  std::size_t size() const noexcept { return std::size_t{last} - first + 1; }
  bool contains(std::uint16_t port) const noexcept { return port >= first && port <= last; }
};

class SnatPortPartition {
 public:
  static constexpr std::uint32_t kMaxWorkers = 128;  // DPDK's default RTE_MAX_LCORE

  // Throws std::invalid_argument when first > last, worker_count is 0 or above kMaxWorkers, or
  // the range is too small to give every worker a port.
  SnatPortPartition(PortRange range, std::uint32_t worker_count);

  PortRange range() const noexcept { return range_; }
  std::uint32_t worker_count() const noexcept { return worker_count_; }
  std::uint32_t lane_count() const noexcept { return static_cast<std::uint32_t>(lane_owner_.size()); }
  std::uint16_t lane_mask() const noexcept { return static_cast<std::uint16_t>(lane_count() - 1); }

  // The worker that allocated `port` (so the one reply packets to it must reach); nullopt for a
  // port outside the range, which no worker hands out. One compare and one table load.
  std::optional<std::uint32_t> owner_worker(std::uint16_t port) const noexcept {
    if (!range_.contains(port)) return std::nullopt;
    return lane_owner_[port & lane_mask()];
  }
  // Owner of a lane, for building per-lane NIC steering rules.
  std::uint32_t lane_owner(std::uint32_t lane) const noexcept { return lane_owner_[lane]; }
  // How many ports of the range `worker` owns.
  std::size_t port_count(std::uint32_t worker) const noexcept { return port_counts_[worker]; }

 private:
  PortRange range_;
  std::uint32_t worker_count_;
  std::vector<std::uint16_t> lane_owner_;
  std::vector<std::size_t> port_counts_;
};

// The ports one worker hands out for one (SNAT address, protocol). Built on the control thread
// (the only allocation), then used by its worker alone.
//
// Free ports wait in a FIFO ring: a released port goes to the back, so it is reused as late as
// possible. That keeps a new flow from reusing the 4-tuple of a connection the backend may still
// hold in TIME_WAIT. A bitmap over all 65536 ports records what is in use, which makes double
// and foreign frees detectable in O(1).
class SnatPortAllocator {
 public:
  enum class ReleaseResult : std::uint8_t {
    kReleased,
    kNotInUse,     // double free, or a port never handed out: ignored and counted
    kNotOwned,     // another worker's port or outside the range: ignored and counted
  };

  struct Counters {
    std::uint64_t allocations = 0;
    std::uint64_t exhaustions = 0;    // allocate() found no free port
    std::uint64_t double_frees = 0;   // ReleaseResult::kNotInUse
    std::uint64_t foreign_frees = 0;  // ReleaseResult::kNotOwned
  };

  // `start` rotates where the first allocation begins in this worker's share (modulo its
  // size). A run that always started at the lowest port would reuse the previous run's
  // 4-tuples, which backends may still hold in TIME_WAIT: the shell passes a random start per
  // run, the fixtures 0 (ascending from the range's first port).
  SnatPortAllocator(const SnatPortPartition& partition, std::uint32_t worker,
                    std::size_t start = 0);

  // O(1). nullopt (and exhaustions + 1) when every port of this worker is in use.
  std::optional<std::uint16_t> allocate() noexcept;
  // O(1). Only a port this allocator handed out and that is still in use is released.
  ReleaseResult release(std::uint16_t port) noexcept;

  bool in_use(std::uint16_t port) const noexcept;
  std::size_t capacity() const noexcept { return free_ring_.size(); }
  std::size_t available() const noexcept { return free_count_; }
  std::size_t in_use_count() const noexcept { return capacity() - free_count_; }
  std::uint32_t worker() const noexcept { return worker_; }
  const Counters& counters() const noexcept { return counters_; }

 private:
  static constexpr std::size_t kBitsPerWord = 64;

  SnatPortPartition partition_;
  std::uint32_t worker_;
  std::vector<std::uint16_t> free_ring_;  // capacity() slots, free_count_ of them valid
  std::size_t free_head_ = 0;             // next port to hand out
  std::size_t free_count_ = 0;
  std::vector<std::uint64_t> in_use_;     // bit per port number 0..65535
  Counters counters_;
};

}  // namespace sluice::conntrack
