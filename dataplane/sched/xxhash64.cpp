#include "dataplane/sched/xxhash64.hpp"

#include <bit>

namespace sluice::sched {
namespace {

constexpr std::uint64_t kPrime1 = 0x9E3779B185EBCA87ULL;
constexpr std::uint64_t kPrime2 = 0xC2B2AE3D27D4EB4FULL;
constexpr std::uint64_t kPrime3 = 0x165667B19E3779F9ULL;
constexpr std::uint64_t kPrime4 = 0x85EBCA77C2B2AE63ULL;
constexpr std::uint64_t kPrime5 = 0x27D4EB2F165667C5ULL;

// Lanes are little-endian by definition of the algorithm, whatever the host.
std::uint64_t read_le64(const std::uint8_t* p) noexcept {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | p[i];
  return value;
}

std::uint32_t read_le32(const std::uint8_t* p) noexcept {
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | p[i];
  return value;
}

std::uint64_t round(std::uint64_t accumulator, std::uint64_t lane) noexcept {
  accumulator += lane * kPrime2;
  accumulator = std::rotl(accumulator, 31);
  return accumulator * kPrime1;
}

std::uint64_t merge_round(std::uint64_t hash, std::uint64_t accumulator) noexcept {
  hash ^= round(0, accumulator);
  return hash * kPrime1 + kPrime4;
}

std::uint64_t avalanche(std::uint64_t hash) noexcept {
  hash ^= hash >> 33;
  hash *= kPrime2;
  hash ^= hash >> 29;
  hash *= kPrime3;
  hash ^= hash >> 32;
  return hash;
}

}  // namespace

std::uint64_t xxhash64(std::span<const std::uint8_t> bytes, std::uint64_t seed) noexcept {
  const std::uint8_t* p = bytes.data();
  const std::uint8_t* const end = p + bytes.size();
  std::uint64_t hash = 0;

  if (bytes.size() >= 32) {
    // Four independent accumulators over 32-byte stripes.
    std::uint64_t acc1 = seed + kPrime1 + kPrime2;
    std::uint64_t acc2 = seed + kPrime2;
    std::uint64_t acc3 = seed;
    std::uint64_t acc4 = seed - kPrime1;
    const std::uint8_t* const last_stripe = end - 32;
    do {
      acc1 = round(acc1, read_le64(p));
      acc2 = round(acc2, read_le64(p + 8));
      acc3 = round(acc3, read_le64(p + 16));
      acc4 = round(acc4, read_le64(p + 24));
      p += 32;
    } while (p <= last_stripe);
    hash = std::rotl(acc1, 1) + std::rotl(acc2, 7) + std::rotl(acc3, 12) + std::rotl(acc4, 18);
    hash = merge_round(hash, acc1);
    hash = merge_round(hash, acc2);
    hash = merge_round(hash, acc3);
    hash = merge_round(hash, acc4);
  } else {
    hash = seed + kPrime5;
  }

  hash += bytes.size();

  // Tail: 8-byte, then 4-byte, then single-byte steps.
  while (end - p >= 8) {
    hash ^= round(0, read_le64(p));
    hash = std::rotl(hash, 27) * kPrime1 + kPrime4;
    p += 8;
  }
  if (end - p >= 4) {
    hash ^= std::uint64_t{read_le32(p)} * kPrime1;
    hash = std::rotl(hash, 23) * kPrime2 + kPrime3;
    p += 4;
  }
  while (p < end) {
    hash ^= std::uint64_t{*p} * kPrime5;
    hash = std::rotl(hash, 11) * kPrime1;
    ++p;
  }
  return avalanche(hash);
}

}  // namespace sluice::sched
