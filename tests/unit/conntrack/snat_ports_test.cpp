#include "dataplane/conntrack/snat_ports.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>
#include <stdexcept>
#include <vector>

namespace sluice::conntrack {
namespace {

using Release = SnatPortAllocator::ReleaseResult;

constexpr PortRange kDefaultRange{};  // 1024-65535: 64512 ports

// Drains an allocator, asserting every port is fresh, owned by its worker and in the range.
std::vector<std::uint16_t> allocate_all(SnatPortAllocator& allocator,
                                        const SnatPortPartition& partition) {
  std::vector<std::uint16_t> ports;
  std::set<std::uint16_t> seen;
  while (const std::optional<std::uint16_t> port = allocator.allocate()) {
    EXPECT_TRUE(seen.insert(*port).second) << "port " << *port << " handed out twice";
    EXPECT_EQ(partition.owner_worker(*port), allocator.worker()) << *port;
    EXPECT_TRUE(allocator.in_use(*port));
    ports.push_back(*port);
  }
  return ports;
}

TEST(SnatPortPartition, OneWorkerOwnsTheWholeRange) {
  const SnatPortPartition partition(kDefaultRange, 1);
  EXPECT_EQ(partition.lane_count(), 1u);
  EXPECT_EQ(partition.port_count(0), 64512u);
  EXPECT_EQ(partition.owner_worker(1024), 0u);
  EXPECT_EQ(partition.owner_worker(40000), 0u);
  EXPECT_EQ(partition.owner_worker(65535), 0u);
  EXPECT_EQ(partition.owner_worker(1023), std::nullopt);
  EXPECT_EQ(partition.owner_worker(0), std::nullopt);
}

TEST(SnatPortPartition, TwoAndFourWorkersSplitByLowBits) {
  const SnatPortPartition two(kDefaultRange, 2);
  EXPECT_EQ(two.lane_count(), 2u);
  EXPECT_EQ(two.lane_mask(), 1u);
  EXPECT_EQ(two.owner_worker(1024), 0u);
  EXPECT_EQ(two.owner_worker(1025), 1u);
  EXPECT_EQ(two.owner_worker(65535), 1u);
  EXPECT_EQ(two.port_count(0), 32256u);
  EXPECT_EQ(two.port_count(1), 32256u);

  const SnatPortPartition four(kDefaultRange, 4);
  EXPECT_EQ(four.lane_count(), 4u);
  EXPECT_EQ(four.lane_mask(), 3u);
  EXPECT_EQ(four.owner_worker(1024), 0u);
  EXPECT_EQ(four.owner_worker(1025), 1u);
  EXPECT_EQ(four.owner_worker(1026), 2u);
  EXPECT_EQ(four.owner_worker(1027), 3u);
  EXPECT_EQ(four.owner_worker(50001), 1u);  // 50001 = 4 * 12500 + 1
  EXPECT_EQ(four.owner_worker(1000), std::nullopt);
  for (std::uint32_t worker = 0; worker < 4; ++worker) EXPECT_EQ(four.port_count(worker), 16128u);
}

TEST(SnatPortPartition, ThreeWorkersUseSixtyFourLanes) {
  // 64 lanes: worker 0 owns lanes 0,3,..,63 (22), workers 1 and 2 own 21 each. The range is
  // 1008 whole turns of 64 ports.
  const SnatPortPartition three(kDefaultRange, 3);
  EXPECT_EQ(three.lane_count(), 64u);
  EXPECT_EQ(three.lane_owner(63), 0u);
  EXPECT_EQ(three.lane_owner(62), 2u);
  EXPECT_EQ(three.owner_worker(1024 + 63), 0u);
  EXPECT_EQ(three.owner_worker(1024 + 64), 0u);
  EXPECT_EQ(three.owner_worker(1024 + 65), 1u);
  EXPECT_EQ(three.port_count(0), 22u * 1008u);
  EXPECT_EQ(three.port_count(1), 21u * 1008u);
  EXPECT_EQ(three.port_count(2), 21u * 1008u);
}

TEST(SnatPortPartition, RejectsImpossibleConfigurations) {
  EXPECT_THROW(SnatPortPartition(PortRange{2000, 1999}, 1), std::invalid_argument);
  EXPECT_THROW(SnatPortPartition(kDefaultRange, 0), std::invalid_argument);
  EXPECT_THROW(SnatPortPartition(kDefaultRange, SnatPortPartition::kMaxWorkers + 1),
               std::invalid_argument);
  EXPECT_NO_THROW(SnatPortPartition(kDefaultRange, SnatPortPartition::kMaxWorkers));
  // Four ports, four workers: one each. Eight workers: some would get none.
  const SnatPortPartition tight(PortRange{5000, 5003}, 4);
  for (std::uint32_t worker = 0; worker < 4; ++worker) EXPECT_EQ(tight.port_count(worker), 1u);
  EXPECT_THROW(SnatPortPartition(PortRange{5000, 5003}, 8), std::invalid_argument);
  EXPECT_THROW(SnatPortAllocator(tight, 4), std::invalid_argument);
}

TEST(SnatPortAllocator, RangesAreDisjointAndCoverTheRange) {
  for (const std::uint32_t workers : {1u, 2u, 3u, 4u, 8u}) {
    const SnatPortPartition partition(kDefaultRange, workers);
    std::vector<int> owner_of(65536, -1);
    std::size_t total = 0;
    for (std::uint32_t worker = 0; worker < workers; ++worker) {
      auto allocator = std::make_unique<SnatPortAllocator>(partition, worker);
      const std::vector<std::uint16_t> ports = allocate_all(*allocator, partition);
      EXPECT_EQ(ports.size(), partition.port_count(worker));
      for (const std::uint16_t port : ports) {
        EXPECT_EQ(owner_of[port], -1) << "port " << port << " owned twice";
        owner_of[port] = static_cast<int>(worker);
      }
      total += ports.size();
    }
    EXPECT_EQ(total, kDefaultRange.size()) << workers << " workers";
    for (std::uint32_t port = 0; port < 65536; ++port) {
      EXPECT_EQ(owner_of[port] != -1, kDefaultRange.contains(static_cast<std::uint16_t>(port)));
    }
  }
}

TEST(SnatPortAllocator, HandsOutAscendingPortsFirst) {
  const SnatPortPartition partition(kDefaultRange, 2);
  SnatPortAllocator worker1(partition, 1);
  EXPECT_EQ(worker1.capacity(), 32256u);
  EXPECT_EQ(worker1.allocate(), 1025);
  EXPECT_EQ(worker1.allocate(), 1027);
  EXPECT_EQ(worker1.allocate(), 1029);
  EXPECT_EQ(worker1.in_use_count(), 3u);
  EXPECT_EQ(worker1.available(), 32253u);
  EXPECT_EQ(worker1.counters().allocations, 3u);
}

TEST(SnatPortAllocator, ExhaustionIsCountedAndRecoversAfterRelease) {
  const SnatPortPartition partition(PortRange{20000, 20099}, 4);
  SnatPortAllocator allocator(partition, 2);
  const std::vector<std::uint16_t> ports = allocate_all(allocator, partition);
  ASSERT_EQ(ports.size(), 25u);
  EXPECT_EQ(ports.front(), 20002);
  EXPECT_EQ(ports.back(), 20098);
  EXPECT_EQ(allocator.counters().exhaustions, 1u);  // the allocate() that ended allocate_all
  EXPECT_EQ(allocator.allocate(), std::nullopt);
  EXPECT_EQ(allocator.counters().exhaustions, 2u);
  EXPECT_EQ(allocator.available(), 0u);

  EXPECT_EQ(allocator.release(20050), Release::kReleased);
  EXPECT_FALSE(allocator.in_use(20050));
  EXPECT_EQ(allocator.allocate(), 20050);
  EXPECT_TRUE(allocator.in_use(20050));
  EXPECT_EQ(allocator.allocate(), std::nullopt);
  EXPECT_EQ(allocator.counters().exhaustions, 3u);
}

TEST(SnatPortAllocator, ReleasedPortsAreReusedLast) {
  const SnatPortPartition partition(PortRange{30000, 30009}, 1);
  SnatPortAllocator allocator(partition, 0);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(allocator.allocate());  // 30000..30003
  EXPECT_EQ(allocator.release(30001), Release::kReleased);
  EXPECT_EQ(allocator.release(30000), Release::kReleased);
  // The never-used ports come first, then the released ones in release order.
  std::vector<std::uint16_t> order;
  while (const auto port = allocator.allocate()) order.push_back(*port);
  const std::vector<std::uint16_t> expected{30004, 30005, 30006, 30007, 30008, 30009, 30001, 30000};
  EXPECT_EQ(order, expected);
}

TEST(SnatPortAllocator, DoubleAndForeignFreesAreRejectedAndCounted) {
  const SnatPortPartition partition(kDefaultRange, 2);
  SnatPortAllocator allocator(partition, 0);
  const std::uint16_t port = allocator.allocate().value();
  EXPECT_EQ(allocator.release(port), Release::kReleased);
  EXPECT_EQ(allocator.release(port), Release::kNotInUse);
  EXPECT_EQ(allocator.release(1026), Release::kNotInUse);  // ours, never handed out
  EXPECT_EQ(allocator.counters().double_frees, 2u);
  EXPECT_EQ(allocator.release(1025), Release::kNotOwned);  // worker 1's
  EXPECT_EQ(allocator.release(80), Release::kNotOwned);    // outside the range
  EXPECT_EQ(allocator.counters().foreign_frees, 2u);
  // None of that put a port in the ring twice: exactly capacity() distinct ports come out.
  EXPECT_EQ(allocator.available(), allocator.capacity());
  EXPECT_EQ(allocate_all(allocator, partition).size(), allocator.capacity());
}

TEST(SnatPortAllocator, RandomChurnNeverDuplicates) {
  const SnatPortPartition partition(PortRange{40000, 40999}, 4);
  SnatPortAllocator allocator(partition, 3);
  std::set<std::uint16_t> held;
  std::mt19937 random(12345);
  for (int step = 0; step < 200000; ++step) {
    if (random() % 2 == 0) {
      const std::optional<std::uint16_t> port = allocator.allocate();
      if (held.size() == allocator.capacity()) {
        EXPECT_FALSE(port.has_value());
        continue;
      }
      ASSERT_TRUE(port.has_value());
      ASSERT_TRUE(held.insert(*port).second) << "duplicate " << *port;
      ASSERT_EQ(partition.owner_worker(*port), 3u);
    } else if (!held.empty()) {
      auto it = held.begin();
      std::advance(it, static_cast<std::ptrdiff_t>(random() % held.size()));
      ASSERT_EQ(allocator.release(*it), Release::kReleased);
      held.erase(it);
    }
    ASSERT_EQ(allocator.in_use_count(), held.size());
  }
  EXPECT_EQ(allocator.counters().double_frees, 0u);
}

}  // namespace
}  // namespace sluice::conntrack

namespace sluice::conntrack {
namespace {

TEST(SnatPortAllocator, StartRotatesTheFirstAllocationAndWrapsAround) {
  const SnatPortPartition partition(PortRange{2000, 2009}, 1);
  SnatPortAllocator from_zero(partition, 0);
  EXPECT_EQ(from_zero.allocate(), std::optional<std::uint16_t>(2000));
  SnatPortAllocator rotated(partition, 0, 13);  // 13 mod 10 = 3
  std::vector<std::uint16_t> order;
  while (auto port = rotated.allocate()) order.push_back(*port);
  const std::vector<std::uint16_t> expected{2003, 2004, 2005, 2006, 2007,
                                            2008, 2009, 2000, 2001, 2002};
  EXPECT_EQ(order, expected);
  EXPECT_EQ(rotated.release(2005), SnatPortAllocator::ReleaseResult::kReleased);
  EXPECT_EQ(rotated.allocate(), std::optional<std::uint16_t>(2005));
}

}  // namespace
}  // namespace sluice::conntrack
