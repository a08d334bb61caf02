#include "dataplane/sched/maglev.hpp"

#include <algorithm>
#include <stdexcept>

#include "dataplane/sched/flow_hash.hpp"

namespace sluice::sched {
namespace {

// Two unrelated seeds give the two independent hashes the paper asks for. Fixed forever: they
// decide where every flow lands.
constexpr std::uint64_t kOffsetSeed = 0x6D61676C65762D31ULL;  // "maglev-1"
constexpr std::uint64_t kSkipSeed = 0x6D61676C65762D32ULL;    // "maglev-2"

bool is_prime(std::uint32_t n) noexcept {
  if (n < 2) return false;
  for (std::uint32_t d = 2; d <= n / d; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

struct Permutation {
  std::uint32_t position;  // the next preferred position to try
  std::uint32_t skip;
  std::uint64_t credit;    // accumulated weight, spent max_weight per claim
  std::uint32_t weight;
  std::uint16_t value;
};

// 64-bit sum: position + skip may exceed 32 bits for table sizes above 2^31.
std::uint32_t next_position(const Permutation& permutation, std::uint32_t table_size) noexcept {
  return static_cast<std::uint32_t>((std::uint64_t{permutation.position} + permutation.skip) %
                                    table_size);
}

}  // namespace

std::vector<std::uint16_t> build_maglev_table(std::span<const MaglevCandidate> candidates,
                                              std::uint32_t table_size) {
  if (!is_prime(table_size)) throw std::invalid_argument("maglev table size must be a prime");

  std::vector<Permutation> permutations;
  permutations.reserve(candidates.size());
  std::uint32_t max_weight = 0;
  for (const MaglevCandidate& candidate : candidates) {
    if (candidate.weight == 0) continue;
    const std::uint64_t offset = hash_endpoint(candidate.endpoint, kOffsetSeed) % table_size;
    const std::uint64_t skip = hash_endpoint(candidate.endpoint, kSkipSeed) % (table_size - 1) + 1;
    permutations.push_back(Permutation{static_cast<std::uint32_t>(offset),
                                       static_cast<std::uint32_t>(skip), 0, candidate.weight,
                                       candidate.value});
    max_weight = std::max(max_weight, candidate.weight);
  }
  if (permutations.empty()) return {};

  // Filling happens through `claimed` so that the stored values may be anything, 0 included.
  std::vector<std::uint16_t> table(table_size, 0);
  std::vector<bool> claimed(table_size, false);
  std::uint32_t filled = 0;
  // Every turn at least the heaviest backend claims a position, so this terminates after at most
  // table_size turns; each claim walks a permutation, which visits every position (M prime).
  while (true) {
    for (Permutation& permutation : permutations) {
      permutation.credit += permutation.weight;
      if (permutation.credit < max_weight) continue;
      permutation.credit -= max_weight;
      while (claimed[permutation.position]) {
        permutation.position = next_position(permutation, table_size);
      }
      claimed[permutation.position] = true;
      table[permutation.position] = permutation.value;
      permutation.position = next_position(permutation, table_size);
      if (++filled == table_size) return table;
    }
  }
}

}  // namespace sluice::sched
