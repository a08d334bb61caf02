#include "dataplane/conntrack/flow_index.hpp"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>
#include <vector>

#include "dataplane/conntrack/entry_pool.hpp"

namespace sluice::conntrack {
namespace {

FlowKey key_for(std::uint32_t n) {
  const auto src = net::IpAddress::v4({10, static_cast<std::uint8_t>(n >> 16),
                                       static_cast<std::uint8_t>(n >> 8),
                                       static_cast<std::uint8_t>(n)});
  const auto dst = *net::IpAddress::parse("10.10.0.100");
  return FlowKey::make(src, static_cast<std::uint16_t>(1024 + n % 50000), dst, 80, 6);
}

TEST(FlowKey, HashDependsOnEveryField) {
  const FlowKey base = key_for(7);
  FlowKey other = base;
  other.source_port = static_cast<std::uint16_t>(other.source_port + 1);
  EXPECT_NE(base.hash(1), other.hash(1));
  other = base;
  other.protocol = 17;
  EXPECT_NE(base.hash(1), other.hash(1));
  other = base;
  other.destination[3] ^= 1;
  EXPECT_NE(base.hash(1), other.hash(1));
  EXPECT_EQ(base.hash(1), key_for(7).hash(1));
  EXPECT_EQ(base.source_address().to_string(), "10.0.0.7");
}

TEST(FlowIndex, InsertFindEraseAgreeWithAReferenceMap) {
  constexpr std::uint32_t kKeys = 5000;
  FlowIndex index(kKeys);
  std::vector<FlowKey> keys(kKeys);
  auto key_of = [&](std::uint32_t handle) -> const FlowKey& { return keys[handle]; };
  std::unordered_map<std::uint32_t, bool> present;
  std::mt19937 rng(42);
  for (std::uint32_t i = 0; i < kKeys; ++i) keys[i] = key_for(i);

  for (int round = 0; round < 200000; ++round) {
    const auto h = static_cast<std::uint32_t>(rng() % kKeys);
    const std::uint64_t hash = keys[h].hash(9);
    if (rng() % 3 != 0) {
      const bool inserted = index.insert(keys[h], hash, h, key_of);
      EXPECT_EQ(inserted, !present[h]);
      present[h] = true;
    } else {
      EXPECT_EQ(index.erase(hash, h), present[h]);
      present[h] = false;
    }
  }
  std::uint32_t expected_size = 0;
  for (std::uint32_t h = 0; h < kKeys; ++h) {
    const auto found = index.find(keys[h], keys[h].hash(9), key_of);
    if (present[h]) {
      ++expected_size;
      ASSERT_TRUE(found) << h;
      EXPECT_EQ(*found, h);
    } else {
      EXPECT_FALSE(found) << h;
    }
  }
  EXPECT_EQ(index.size(), expected_size);
}

TEST(FlowIndex, RefusesBeyondCapacityAndDuplicates) {
  FlowIndex index(4);
  std::vector<FlowKey> keys;
  for (std::uint32_t i = 0; i < 6; ++i) keys.push_back(key_for(i));
  auto key_of = [&](std::uint32_t handle) -> const FlowKey& { return keys[handle]; };
  for (std::uint32_t i = 0; i < 4; ++i) EXPECT_TRUE(index.insert(keys[i], keys[i].hash(0), i, key_of));
  EXPECT_FALSE(index.insert(keys[4], keys[4].hash(0), 4, key_of));
  EXPECT_TRUE(index.erase(keys[0].hash(0), 0));
  EXPECT_FALSE(index.insert(keys[1], keys[1].hash(0), 1, key_of));  // duplicate
  EXPECT_TRUE(index.insert(keys[4], keys[4].hash(0), 4, key_of));
  EXPECT_EQ(index.size(), 4u);
  index.clear();
  EXPECT_EQ(index.size(), 0u);
  EXPECT_FALSE(index.find(keys[4], keys[4].hash(0), key_of));
}

TEST(FlowIndex, CollidingHomeSlotsSurviveDeletionInTheMiddleOfARun) {
  // Force every key to the same home slot with a constant hash: deletion must shift the run.
  FlowIndex index(8);
  std::vector<FlowKey> keys;
  for (std::uint32_t i = 0; i < 8; ++i) keys.push_back(key_for(i));
  auto key_of = [&](std::uint32_t handle) -> const FlowKey& { return keys[handle]; };
  constexpr std::uint64_t kSameHash = 0x1234;
  for (std::uint32_t i = 0; i < 8; ++i) ASSERT_TRUE(index.insert(keys[i], kSameHash, i, key_of));
  EXPECT_TRUE(index.erase(kSameHash, 3));
  EXPECT_FALSE(index.erase(kSameHash, 3));
  for (std::uint32_t i = 0; i < 8; ++i) {
    EXPECT_EQ(index.find(keys[i], kSameHash, key_of).has_value(), i != 3) << i;
  }
}

TEST(EntryPool, AllocatesUpToCapacityAndDetectsDoubleRelease) {
  EntryPool<int> pool(3);
  auto a = pool.allocate(), b = pool.allocate(), c = pool.allocate();
  ASSERT_TRUE(a && b && c);
  EXPECT_FALSE(pool.allocate());
  EXPECT_EQ(pool.used(), 3u);
  EXPECT_TRUE(pool.release(*b));
  EXPECT_FALSE(pool.release(*b));
  EXPECT_FALSE(pool.release(99));
  EXPECT_FALSE(pool.in_use(*b));
  auto again = pool.allocate();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *b);
}

}  // namespace
}  // namespace sluice::conntrack
