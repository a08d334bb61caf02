// RFC 1071 / RFC 1624 arithmetic: known vectors, and property tests (fixed-seed PRNG) that
// compare every fast or incremental path with the reference word loop in frame_builder.cpp.
#include "dataplane/packet/checksum.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "dataplane/packet/byte_order.hpp"
#include "tests/unit/packet/frame_builder.hpp"

namespace sluice::packet {
namespace {

using testing::Bytes;
using testing::reference_checksum;

Bytes random_bytes(std::mt19937& rng, std::size_t len) {
  std::uniform_int_distribution<int> byte(0, 255);
  Bytes out(len);
  for (auto& b : out) b = static_cast<std::uint8_t>(byte(rng));
  return out;
}

std::size_t random_index(std::mt19937& rng, std::size_t lo, std::size_t hi) {
  return std::uniform_int_distribution<std::size_t>(lo, hi)(rng);
}

TEST(Checksum, Rfc1071ExampleSum) {
  // RFC 1071 section 3: words 0001 f203 f4f5 f6f7 sum to ddf2 (checksum 220d).
  const std::uint8_t bytes[] = {0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7};
  EXPECT_EQ(ones_complement_sum(bytes, sizeof bytes), 0xDDF2);
  EXPECT_EQ(internet_checksum(bytes, sizeof bytes), 0x220D);
  // The same bytes at an odd address.
  std::uint8_t shifted[9] = {0xFF};
  std::copy(std::begin(bytes), std::end(bytes), shifted + 1);
  EXPECT_EQ(ones_complement_sum(shifted + 1, sizeof bytes), 0xDDF2);
  // Byte-swapped order gives the byte-swapped sum (RFC 1071 section 2(B)).
  const std::uint8_t swapped[] = {0x01, 0x00, 0x03, 0xF2, 0xF5, 0xF4, 0xF7, 0xF6};
  EXPECT_EQ(ones_complement_sum(swapped, sizeof swapped), 0xF2DD);
}

TEST(Checksum, OddLengthPadsWithZeroLowByte) {
  const std::uint8_t bytes[] = {0x12, 0x34, 0x56};
  EXPECT_EQ(ones_complement_sum(bytes, 3), 0x1234 + 0x5600);
  EXPECT_EQ(ones_complement_sum(bytes, 0), 0);
  EXPECT_EQ(ones_complement_sum(bytes, 1), 0x1200);
}

TEST(Checksum, EndAroundCarry) {
  const std::uint8_t bytes[] = {0xFF, 0xFF, 0x00, 0x02};
  EXPECT_EQ(ones_complement_sum(bytes, 4), 0x0002);  // 0xFFFF + 2 = 0x10001 -> 0x0002
  EXPECT_EQ(ones_add(0xFFFF, 0xFFFF), 0xFFFF);
  EXPECT_EQ(ones_add(0x8000, 0x8000), 0x0001);
}

TEST(Checksum, Ipv4HeaderKnownVector) {
  // A header whose checksum is well known: 0xB861.
  std::uint8_t header[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                           0xB8, 0x61, 0xC0, 0xA8, 0x00, 0x01, 0xC0, 0xA8, 0x00, 0xC7};
  EXPECT_EQ(ipv4_header_checksum(header, sizeof header), 0xB861);
  EXPECT_TRUE(ipv4_header_checksum_ok(header, sizeof header));
  header[8] = 0x3F;
  EXPECT_FALSE(ipv4_header_checksum_ok(header, sizeof header));
  EXPECT_EQ(ipv4_header_checksum(header, sizeof header), 0xB961);
}

TEST(Checksum, FastSumMatchesReferenceAtEveryAlignmentAndLength) {
  std::mt19937 rng(1071);
  for (int round = 0; round < 2000; ++round) {
    const Bytes data = random_bytes(rng, random_index(rng, 0, 300));
    const std::size_t start = data.empty() ? 0 : random_index(rng, 0, data.size());
    const Bytes piece(data.begin() + static_cast<std::ptrdiff_t>(start), data.end());
    ASSERT_EQ(internet_checksum(data.data() + start, piece.size()), reference_checksum(piece))
        << "round " << round;
  }
}

TEST(Checksum, AccumulatorOverOddPiecesMatchesWholeSum) {
  std::mt19937 rng(42);
  for (int round = 0; round < 1000; ++round) {
    const Bytes data = random_bytes(rng, random_index(rng, 1, 200));
    ChecksumAccumulator acc;
    std::size_t at = 0;
    while (at < data.size()) {
      const std::size_t len = random_index(rng, 0, std::min<std::size_t>(data.size() - at, 9));
      acc.add(data.data() + at, len);
      at += len;
    }
    ASSERT_EQ(acc.checksum(), reference_checksum(data)) << "round " << round;
    EXPECT_EQ(acc.at_odd_position(), data.size() % 2 == 1);
  }
}

TEST(Checksum, AccumulatorAdd16FollowsStreamPosition) {
  const std::uint8_t one[] = {0xAB};
  ChecksumAccumulator acc;
  acc.add(one, 1);
  acc.add16(0xCDEF);  // stream: AB CD EF -> words ABCD EF00
  EXPECT_EQ(acc.sum(), ones_add(0xABCD, 0xEF00));
  acc.add_sum(0x0001);
  EXPECT_EQ(acc.sum(), ones_add(ones_add(0xABCD, 0xEF00), 1));
}

// Incremental update == full recomputation, for random fields of any offset and length.
TEST(Checksum, IncrementalUpdateMatchesFullRecompute) {
  std::mt19937 rng(1624);
  for (int round = 0; round < 3000; ++round) {
    Bytes data = random_bytes(rng, random_index(rng, 4, 120));
    // A checksum field at an even offset, as in every real header.
    const std::size_t field = 2 * random_index(rng, 0, data.size() / 2 - 1);
    data[field] = data[field + 1] = 0;
    std::uint16_t checksum = reference_checksum(data);
    store_be16(data.data() + field, checksum);

    // A random range not overlapping the checksum field, any parity, any length.
    std::size_t offset;
    std::size_t len;
    do {
      offset = random_index(rng, 0, data.size() - 1);
      len = random_index(rng, 1, std::min<std::size_t>(data.size() - offset, 17));
    } while (offset < field + 2 && offset + len > field);
    const Bytes replacement = random_bytes(rng, len);

    checksum = checksum_update_bytes(checksum, offset, data.data() + offset,
                                     replacement.data(), len);
    std::copy(replacement.begin(), replacement.end(), data.begin() + static_cast<std::ptrdiff_t>(offset));
    data[field] = data[field + 1] = 0;
    ASSERT_EQ(checksum, reference_checksum(data)) << "round " << round << " offset " << offset
                                                  << " len " << len;
  }
}

TEST(Checksum, Update16And32MatchFullRecompute) {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    Bytes data = random_bytes(rng, 40);
    data[16] = data[17] = 0;
    const std::uint16_t before = reference_checksum(data);
    const std::size_t word = 2 * random_index(rng, 0, 19);
    if (word == 16) continue;
    if (round % 2 == 0) {
      const auto old_value = load_be16(data.data() + word);
      const auto new_value = static_cast<std::uint16_t>(rng());
      store_be16(data.data() + word, new_value);
      ASSERT_EQ(checksum_update16(before, old_value, new_value), reference_checksum(data));
    } else {
      if (word == 14 || word + 4 > data.size()) continue;
      const auto old_value = load_be32(data.data() + word);
      const auto new_value = static_cast<std::uint32_t>(rng());
      store_be32(data.data() + word, new_value);
      ASSERT_EQ(checksum_update32(before, old_value, new_value), reference_checksum(data));
    }
  }
}

TEST(Checksum, AddressReplacementForBothSizes) {
  std::mt19937 rng(99);
  for (const std::size_t size : {std::size_t{4}, std::size_t{16}}) {
    for (int round = 0; round < 200; ++round) {
      Bytes data = random_bytes(rng, 64);
      data[0] = data[1] = 0;
      const std::uint16_t before = reference_checksum(data);
      const Bytes new_address = random_bytes(rng, size);
      const std::uint16_t after =
          checksum_update_address(before, data.data() + 8, new_address.data(), size);
      std::copy(new_address.begin(), new_address.end(), data.begin() + 8);
      ASSERT_EQ(after, reference_checksum(data));
    }
  }
}

// The fused delta the NAT rewrite uses (two addresses and two ports in one accumulator) gives
// bit for bit what the chain of single updates gives, and what a full recomputation gives.
TEST(Checksum, DeltaOfSeveralReplacementsMatchesChainAndRecompute) {
  std::mt19937 rng(3);
  for (const std::size_t size : {std::size_t{4}, std::size_t{16}}) {
    for (int round = 0; round < 2000; ++round) {
      Bytes data = random_bytes(rng, 2 * size + 8);
      if (round % 7 == 0) std::fill(data.begin(), data.begin() + 2 * size, 0xFF);  // ~m == 0
      const std::size_t field = 2 * size + 6;
      data[field] = data[field + 1] = 0;
      const std::uint16_t before = reference_checksum(data);
      const Bytes next = random_bytes(rng, 2 * size + 4);

      ChecksumDelta delta;
      delta.replace_words(data.data(), next.data(), size);
      delta.replace_words(data.data() + size, next.data() + size, size);
      delta.replace16(load_be16(data.data() + 2 * size), load_be16(next.data() + 2 * size));
      delta.replace16(load_be16(data.data() + 2 * size + 2), load_be16(next.data() + 2 * size + 2));
      std::uint16_t chain = checksum_update_address(before, data.data(), next.data(), size);
      chain = checksum_update_address(chain, data.data() + size, next.data() + size, size);
      chain = checksum_update16(chain, load_be16(data.data() + 2 * size),
                                load_be16(next.data() + 2 * size));
      chain = checksum_update16(chain, load_be16(data.data() + 2 * size + 2),
                                load_be16(next.data() + 2 * size + 2));
      const std::uint16_t fused = delta.apply(before);
      ASSERT_EQ(fused, chain) << "round " << round;
      std::copy(next.begin(), next.end(), data.begin());
      ASSERT_EQ(fused, reference_checksum(data)) << "round " << round;
    }
  }
}

TEST(Checksum, PseudoHeadersMatchReferenceBytes) {
  const auto src4 = testing::ip("192.0.2.1");
  const auto dst4 = testing::ip("198.51.100.7");
  const Bytes pseudo4 = testing::ipv4_pseudo_header(src4, dst4, 6, 1234);
  EXPECT_EQ(static_cast<std::uint16_t>(~ipv4_pseudo_header_sum(src4.data(), dst4.data(), 6, 1234)),
            reference_checksum(pseudo4));
  const auto src6 = testing::ip("2001:db8::1");
  const auto dst6 = testing::ip("2001:db8:ffff::7");
  const Bytes pseudo6 = testing::ipv6_pseudo_header(src6, dst6, 17, 70000);
  EXPECT_EQ(
      static_cast<std::uint16_t>(~ipv6_pseudo_header_sum(src6.data(), dst6.data(), 17, 70000)),
      reference_checksum(pseudo6));
}

TEST(Checksum, L4ChecksumAndUdpZeroRule) {
  // A UDP segment whose checksum comes out as 0 must be sent as 0xFFFF.
  EXPECT_EQ(udp_checksum_for_wire(0), 0xFFFF);
  EXPECT_EQ(udp_checksum_for_wire(0x1234), 0x1234);
  const auto src = testing::ip("10.0.0.1");
  const auto dst = testing::ip("10.0.0.2");
  Bytes segment{0x13, 0x88, 0x00, 0x35, 0x00, 0x0B, 0x00, 0x00, 'a', 'b', 'c'};
  const std::uint16_t checksum =
      l4_checksum(ipv4_pseudo_header_sum(src.data(), dst.data(), 17, 11), segment.data(), 11);
  Bytes reference = testing::ipv4_pseudo_header(src, dst, 17, 11);
  reference.insert(reference.end(), segment.begin(), segment.end());
  EXPECT_EQ(checksum, reference_checksum(reference));
}

TEST(Checksum, OddInsertionBreaksNaiveIncrementalUpdate) {
  // Why the spec's "odd H" warning exists: insert 3 bytes in the middle of a segment and
  // "incrementally" add their sum as if aligned — the result is wrong; a full recompute is
  // right. (With the byte swap for the shifted tail it could be repaired; recompute is simpler.)
  Bytes segment{0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0};
  const std::uint16_t before = reference_checksum(segment);
  const Bytes inserted{0xAA, 0xBB, 0xCC};
  Bytes grown = segment;
  grown.insert(grown.begin() + 2, inserted.begin(), inserted.end());
  const std::uint16_t naive =
      static_cast<std::uint16_t>(~ones_add(static_cast<std::uint16_t>(~before),
                                           ones_complement_sum(inserted.data(), 3)));
  EXPECT_NE(naive, reference_checksum(grown));
  EXPECT_EQ(internet_checksum(grown.data(), grown.size()), reference_checksum(grown));
}

}  // namespace
}  // namespace sluice::packet
