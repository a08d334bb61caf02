#pragma once
// Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network
// Load Balancer", NSDI 2016, section 3.4), with weights.
//
// Each backend derives a permutation of the table positions from two hashes of its endpoint:
//   offset = h1 mod M,  skip = h2 mod (M - 1) + 1,  permutation[j] = (offset + j * skip) mod M
// M prime makes every permutation visit every position. Backends then take turns claiming their
// next still-empty preferred position until the table is full (the paper's Pseudocode 1).
//
// Weights: instead of one claim per turn, a backend accumulates its weight every turn and claims
// one position each time the accumulator reaches the largest weight (the approach of Katran's
// "maglev v2"). With equal weights this is exactly the paper's algorithm; otherwise each backend
// ends up with entries proportional to its weight (a backend whose weight is tiny next to the
// largest one may get none).
#include <cstdint>
#include <span>
#include <vector>

#include "dataplane/net/address.hpp"

namespace sluice::sched {

inline constexpr std::uint32_t kMaglevTableSize = 65537;  // prime; 2^16 + 1

struct MaglevCandidate {
  net::Endpoint endpoint;  // identity: a backend keeps its permutation across rebuilds
  std::uint32_t weight = 1;
  std::uint16_t value = 0;  // what the table stores for this backend (a backend index)
};

// Builds a table of `table_size` entries (a prime). Candidates with weight 0 are ignored.
// Returns an empty vector when no candidate has a positive weight. Throws std::invalid_argument
// when table_size is not a prime. Runs on the control thread: O(M log M) for equal weights.
std::vector<std::uint16_t> build_maglev_table(std::span<const MaglevCandidate> candidates,
                                              std::uint32_t table_size = kMaglevTableSize);

}  // namespace sluice::sched
