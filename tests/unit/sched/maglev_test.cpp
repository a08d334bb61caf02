#include "dataplane/sched/maglev.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::sched {
namespace {

net::Endpoint endpoint(std::string_view text) { return net::Endpoint::parse(text).value(); }

// n distinct backends 10.20.<i/250>.<i%250+1>:8080 whose table value is their number.
std::vector<MaglevCandidate> backends(std::size_t n) {
  std::vector<MaglevCandidate> result;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string text = "10.20." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + ":8080";
    result.push_back(MaglevCandidate{endpoint(text), 1, static_cast<std::uint16_t>(i)});
  }
  return result;
}

std::vector<std::size_t> entries_per_value(const std::vector<std::uint16_t>& table, std::size_t n) {
  std::vector<std::size_t> counts(n, 0);
  for (const std::uint16_t value : table) {
    EXPECT_LT(value, n);
    if (value < n) ++counts[value];
  }
  return counts;
}

struct Disruption {
  double moved_among_survivors = 0;  // fraction of the table
  double changed = 0;                // fraction of the table
};

Disruption compare(const std::vector<std::uint16_t>& before, const std::vector<std::uint16_t>& after,
                   std::optional<std::uint16_t> removed) {
  std::size_t moved = 0;
  std::size_t changed = 0;
  for (std::size_t i = 0; i < before.size(); ++i) {
    if (before[i] == after[i]) continue;
    ++changed;
    if (before[i] != removed) ++moved;
  }
  const double size = static_cast<double>(before.size());
  return Disruption{static_cast<double>(moved) / size, static_cast<double>(changed) / size};
}

// Reference tables from an independent Python implementation of the same algorithm (paper's
// Pseudocode 1 plus weight credits) over libxxhash: see docs/schedulers.md.
TEST(Maglev, SmallTableMatchesReference) {
  const std::vector<MaglevCandidate> candidates{
      {endpoint("10.20.0.2:8080"), 1, 0},
      {endpoint("10.20.0.3:8080"), 1, 1},
      {endpoint("10.20.0.4:8080"), 1, 2},
  };
  const std::vector<std::uint16_t> expected{0, 1, 0, 1, 0, 2, 0, 1, 1, 2, 2, 2, 0};
  EXPECT_EQ(build_maglev_table(candidates, 13), expected);
}

TEST(Maglev, SmallWeightedTableMatchesReference) {
  const std::vector<MaglevCandidate> candidates{
      {endpoint("10.20.0.2:8080"), 1, 0},
      {endpoint("10.20.0.3:8080"), 3, 1},
      {endpoint("[fd20::5]:443"), 2, 2},
  };
  const std::vector<std::uint16_t> expected{1, 1, 2, 2, 2, 1, 1, 1, 1, 0, 2, 1, 0, 2, 1, 1,
                                            2, 1, 0, 1, 2, 1, 2, 0, 2, 1, 1, 2, 1, 0, 1};
  EXPECT_EQ(build_maglev_table(candidates, 31), expected);
}

TEST(Maglev, RejectsCompositeTableSize) {
  EXPECT_THROW(build_maglev_table(backends(2), 65536), std::invalid_argument);
  EXPECT_THROW(build_maglev_table(backends(2), 1), std::invalid_argument);
  EXPECT_NO_THROW(build_maglev_table(backends(2), 2));
}

TEST(Maglev, NoPositiveWeightGivesEmptyTable) {
  EXPECT_TRUE(build_maglev_table({}).empty());
  std::vector<MaglevCandidate> drained = backends(3);
  for (MaglevCandidate& candidate : drained) candidate.weight = 0;
  EXPECT_TRUE(build_maglev_table(drained).empty());
}

TEST(Maglev, ZeroWeightBackendOwnsNoEntry) {
  std::vector<MaglevCandidate> candidates = backends(4);
  candidates[2].weight = 0;
  const std::vector<std::size_t> counts = entries_per_value(build_maglev_table(candidates), 4);
  EXPECT_EQ(counts[2], 0u);
  EXPECT_GT(counts[0], 0u);
}

TEST(Maglev, FullTableWithEvenShares) {
  for (const std::size_t n : {1u, 3u, 10u, 50u}) {
    const std::vector<std::uint16_t> table = build_maglev_table(backends(n));
    ASSERT_EQ(table.size(), kMaglevTableSize);
    const std::vector<std::size_t> counts = entries_per_value(table, n);
    std::size_t total = 0;
    const double share = static_cast<double>(kMaglevTableSize) / static_cast<double>(n);
    for (const std::size_t count : counts) {
      total += count;
      // The paper's bound: each backend within ~1% of an even share for M >> N (the greedy
      // turn-taking gives every backend floor(M/N) or ceil(M/N) entries).
      EXPECT_NEAR(static_cast<double>(count), share, 1.0) << "n=" << n;
    }
    EXPECT_EQ(total, kMaglevTableSize);
  }
}

TEST(Maglev, WeightedSharesFollowWeights) {
  std::vector<MaglevCandidate> candidates = backends(4);
  const std::uint32_t weights[] = {1, 2, 3, 4};
  for (std::size_t i = 0; i < 4; ++i) candidates[i].weight = weights[i];
  const std::vector<std::size_t> counts = entries_per_value(build_maglev_table(candidates), 4);
  for (std::size_t i = 0; i < 4; ++i) {
    const double share = static_cast<double>(counts[i]) / kMaglevTableSize;
    EXPECT_NEAR(share, weights[i] / 10.0, 0.005) << "backend " << i;
  }
}

// Removing one of N: the removed backend's entries must go elsewhere, and entries of the
// survivors should stay put. Maglev does not guarantee zero movement among survivors. Measured
// over the removal of each backend in turn (docs/schedulers.md): worst 0.247% of the table for
// N=10 and 0.516% for N=50; asserted below 0.5% and 1% (about twice the measurement).
void check_removal_disruption(std::size_t n, double bound) {
  const std::vector<MaglevCandidate> all = backends(n);
  const std::vector<std::uint16_t> before = build_maglev_table(all);
  double worst = 0;
  double sum = 0;
  for (std::size_t removed = 0; removed < n; ++removed) {
    std::vector<MaglevCandidate> rest = all;
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(removed));
    const std::vector<std::uint16_t> after = build_maglev_table(rest);
    for (const std::uint16_t value : after) ASSERT_NE(value, removed);
    const Disruption d = compare(before, after, static_cast<std::uint16_t>(removed));
    worst = std::max(worst, d.moved_among_survivors);
    sum += d.moved_among_survivors;
  }
  std::printf("maglev N=%zu remove one: moved among survivors worst %.4f%% mean %.4f%%\n", n,
              worst * 100, sum / static_cast<double>(n) * 100);
  EXPECT_LT(worst, bound);
}

TEST(Maglev, RemovingOneOfTenMovesLittleElse) { check_removal_disruption(10, 0.005); }
TEST(Maglev, RemovingOneOfFiftyMovesLittleElse) { check_removal_disruption(50, 0.01); }

// Adding an (N+1)th backend: ideally exactly 1/(N+1) of the table changes (what the newcomer
// takes). Measured: N=10 9.47% (ideal 9.09%), N=50 2.42% (ideal 1.96%); asserted below
// ideal + 1%.
void check_addition_disruption(std::size_t n, double max_extra) {
  const std::vector<MaglevCandidate> all = backends(n + 1);
  const std::vector<MaglevCandidate> first(all.begin(), all.end() - 1);
  const std::vector<std::uint16_t> before = build_maglev_table(first);
  const std::vector<std::uint16_t> after = build_maglev_table(all);
  const Disruption d = compare(before, after, std::nullopt);
  const std::vector<std::size_t> counts = entries_per_value(after, n + 1);
  const double ideal = 1.0 / static_cast<double>(n + 1);
  std::printf("maglev N=%zu add one: changed %.4f%% (ideal %.4f%%)\n", n, d.changed * 100,
              ideal * 100);
  EXPECT_NEAR(static_cast<double>(counts[n]) / kMaglevTableSize, ideal, 0.001);
  EXPECT_GE(d.changed, ideal - 0.001);
  EXPECT_LT(d.changed, ideal + max_extra);
}

TEST(Maglev, AddingOneToTenMovesAboutAnEleventh) { check_addition_disruption(10, 0.01); }
TEST(Maglev, AddingOneToFiftyMovesAboutAFiftyFirst) { check_addition_disruption(50, 0.01); }

}  // namespace
}  // namespace sluice::sched
