#include "dataplane/conntrack/snat_ports.hpp"

#include <bit>
#include <stdexcept>
#include <string>

namespace sluice::conntrack {
namespace {

// 16 lanes per power-of-two step keeps a non-power-of-two split within 1/16 of even.
constexpr std::uint32_t kLanesPerWorkerWhenUneven = 16;

std::uint32_t lane_count_for(std::uint32_t worker_count) noexcept {
  const std::uint32_t power_of_two = std::bit_ceil(worker_count);
  return power_of_two == worker_count ? worker_count : power_of_two * kLanesPerWorkerWhenUneven;
}

}  // namespace

SnatPortPartition::SnatPortPartition(PortRange range, std::uint32_t worker_count)
    : range_(range), worker_count_(worker_count) {
  if (range.first > range.last) throw std::invalid_argument("SNAT port range is empty");
  if (worker_count == 0 || worker_count > kMaxWorkers) {
    throw std::invalid_argument("SNAT port partition needs 1 to " + std::to_string(kMaxWorkers) +
                                " workers");
  }
  const std::uint32_t lanes = lane_count_for(worker_count);
  lane_owner_.resize(lanes);
  for (std::uint32_t lane = 0; lane < lanes; ++lane) {
    lane_owner_[lane] = static_cast<std::uint16_t>(lane % worker_count);
  }
  port_counts_.assign(worker_count, 0);
  for (std::uint32_t port = range.first; port <= range.last; ++port) {
    ++port_counts_[lane_owner_[port & (lanes - 1)]];
  }
  for (const std::size_t count : port_counts_) {
    if (count == 0) {
      throw std::invalid_argument("SNAT port range " + std::to_string(range.first) + "-" +
                                  std::to_string(range.last) + " is too small for " +
                                  std::to_string(worker_count) + " workers");
    }
  }
}

SnatPortAllocator::SnatPortAllocator(const SnatPortPartition& partition, std::uint32_t worker,
                                     std::size_t start)
    : partition_(partition), worker_(worker), in_use_(65536 / kBitsPerWord, 0) {
  if (worker >= partition.worker_count()) {
    throw std::invalid_argument("SNAT port allocator for a worker outside the partition");
  }
  free_ring_.reserve(partition.port_count(worker));
  const PortRange range = partition.range();
  for (std::uint32_t port = range.first; port <= range.last; ++port) {
    if (partition.owner_worker(static_cast<std::uint16_t>(port)) == worker) {
      free_ring_.push_back(static_cast<std::uint16_t>(port));
    }
  }
  free_count_ = free_ring_.size();
  free_head_ = free_ring_.empty() ? 0 : start % free_ring_.size();
}

std::optional<std::uint16_t> SnatPortAllocator::allocate() noexcept {
  if (free_count_ == 0) {
    ++counters_.exhaustions;
    return std::nullopt;
  }
  const std::uint16_t port = free_ring_[free_head_];
  free_head_ = free_head_ + 1 == free_ring_.size() ? 0 : free_head_ + 1;
  --free_count_;
  in_use_[port / kBitsPerWord] |= std::uint64_t{1} << (port % kBitsPerWord);
  ++counters_.allocations;
  return port;
}

SnatPortAllocator::ReleaseResult SnatPortAllocator::release(std::uint16_t port) noexcept {
  if (partition_.owner_worker(port) != worker_) {
    ++counters_.foreign_frees;
    return ReleaseResult::kNotOwned;
  }
  if (!in_use(port)) {
    ++counters_.double_frees;
    return ReleaseResult::kNotInUse;
  }
  in_use_[port / kBitsPerWord] &= ~(std::uint64_t{1} << (port % kBitsPerWord));
  // The port was in use, so the ring has a free slot: free_count_ < capacity().
  std::size_t tail = free_head_ + free_count_;
  if (tail >= free_ring_.size()) tail -= free_ring_.size();
  free_ring_[tail] = port;
  ++free_count_;
  return ReleaseResult::kReleased;
}

bool SnatPortAllocator::in_use(std::uint16_t port) const noexcept {
  return (in_use_[port / kBitsPerWord] >> (port % kBitsPerWord)) & 1U;
}

}  // namespace sluice::conntrack
