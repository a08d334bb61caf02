// PacketBuffer: the mbuf-like window arithmetic and the gap operations, including every
// refusal (nothing may change when an operation returns false).
#include "dataplane/packet/packet_buffer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <numeric>

namespace sluice::packet {
namespace {

class PacketBufferTest : public ::testing::Test {
 protected:
  // 16 bytes of storage: 4 headroom, 8 data (values 1..8), 4 tailroom.
  void SetUp() override {
    storage.fill(0);
    std::iota(storage.begin() + 4, storage.begin() + 12, std::uint8_t{1});
  }
  std::array<std::uint8_t, 16> storage{};
  PacketBuffer buffer{storage.data(), 16, 4, 8};

  std::vector<int> frame() const {
    return std::vector<int>(buffer.data(), buffer.data() + buffer.length());
  }
  void expect_unchanged() const {
    EXPECT_EQ(buffer.data_offset(), 4u);
    EXPECT_EQ(buffer.length(), 8u);
    EXPECT_EQ(frame(), (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8}));
  }
};

TEST_F(PacketBufferTest, ReportsGeometry) {
  EXPECT_EQ(buffer.base(), storage.data());
  EXPECT_EQ(buffer.data(), storage.data() + 4);
  EXPECT_EQ(buffer.capacity(), 16u);
  EXPECT_EQ(buffer.headroom(), 4u);
  EXPECT_EQ(buffer.tailroom(), 4u);
  expect_unchanged();
}

TEST_F(PacketBufferTest, InvalidGeometryIsClampedToAnEmptyFrame) {
  const PacketBuffer too_long(storage.data(), 16, 4, 13);
  EXPECT_EQ(too_long.length(), 0u);
  EXPECT_EQ(too_long.data_offset(), 4u);
  const PacketBuffer offset_beyond(storage.data(), 16, 20, 0);
  EXPECT_EQ(offset_beyond.data_offset(), 16u);
  EXPECT_EQ(offset_beyond.tailroom(), 0u);
}

TEST_F(PacketBufferTest, PrependAndAdjustFront) {
  EXPECT_FALSE(buffer.prepend(5));
  expect_unchanged();
  ASSERT_TRUE(buffer.prepend(4));
  EXPECT_EQ(buffer.headroom(), 0u);
  EXPECT_EQ(buffer.length(), 12u);
  EXPECT_EQ(buffer.data(), storage.data());
  EXPECT_FALSE(buffer.adjust_front(13));
  ASSERT_TRUE(buffer.adjust_front(6));
  EXPECT_EQ(buffer.length(), 6u);
  EXPECT_EQ(frame(), (std::vector<int>{3, 4, 5, 6, 7, 8}));
  ASSERT_TRUE(buffer.adjust_front(6));
  EXPECT_EQ(buffer.length(), 0u);
}

TEST_F(PacketBufferTest, AppendAndTrim) {
  EXPECT_FALSE(buffer.append(5));
  expect_unchanged();
  ASSERT_TRUE(buffer.append(4));
  EXPECT_EQ(buffer.tailroom(), 0u);
  EXPECT_EQ(buffer.length(), 12u);
  EXPECT_FALSE(buffer.trim(13));
  ASSERT_TRUE(buffer.trim(7));
  EXPECT_EQ(frame(), (std::vector<int>{1, 2, 3, 4, 5}));
}

TEST_F(PacketBufferTest, InsertGapMovesTheFrontIntoHeadroom) {
  const std::uint8_t* const tail_before = buffer.data() + 3;
  ASSERT_TRUE(buffer.insert_gap(3, 2));
  EXPECT_EQ(buffer.data_offset(), 2u);
  EXPECT_EQ(buffer.length(), 10u);
  EXPECT_EQ(buffer.data() + 5, tail_before);  // the tail did not move
  buffer.data()[3] = 0xA;
  buffer.data()[4] = 0xB;
  EXPECT_EQ(frame(), (std::vector<int>{1, 2, 3, 0xA, 0xB, 4, 5, 6, 7, 8}));
}

TEST_F(PacketBufferTest, InsertGapFallsBackToMovingTheTail) {
  // 1 byte of headroom, 4 of tailroom: frame bytes [1, 12) of storage = 0,0,0,1..8.
  PacketBuffer tight(storage.data(), 16, 1, 11);
  ASSERT_TRUE(tight.insert_gap(5, 3));
  EXPECT_EQ(tight.data_offset(), 1u);
  EXPECT_EQ(tight.length(), 14u);
  EXPECT_EQ(tight.data()[4], 2);
  EXPECT_EQ(tight.data()[8], 3);   // old offset 5 moved by 3
  EXPECT_EQ(tight.data()[13], 8);
}

TEST_F(PacketBufferTest, InsertGapRefusesWithoutRoomOrBeyondTheFrame) {
  EXPECT_FALSE(buffer.insert_gap(9, 1));  // offset past the end
  EXPECT_FALSE(buffer.insert_gap(2, 5));  // neither 4 headroom nor 4 tailroom suffice
  expect_unchanged();
  ASSERT_TRUE(buffer.insert_gap(8, 4));   // at the very end: front moves
  EXPECT_EQ(buffer.length(), 12u);
  EXPECT_EQ(buffer.data()[7], 8);
}

TEST_F(PacketBufferTest, RemoveGapMovesTheFrontForward) {
  ASSERT_TRUE(buffer.remove_gap(2, 3));
  EXPECT_EQ(buffer.data_offset(), 7u);
  EXPECT_EQ(frame(), (std::vector<int>{1, 2, 6, 7, 8}));
  EXPECT_FALSE(buffer.remove_gap(4, 2));
  EXPECT_FALSE(buffer.remove_gap(6, 0));
  ASSERT_TRUE(buffer.remove_gap(5, 0));
  EXPECT_EQ(frame(), (std::vector<int>{1, 2, 6, 7, 8}));
}

TEST_F(PacketBufferTest, InsertThenRemoveRestoresTheFrame) {
  ASSERT_TRUE(buffer.insert_gap(6, 4));
  ASSERT_TRUE(buffer.remove_gap(6, 4));
  expect_unchanged();
}

}  // namespace
}  // namespace sluice::packet
