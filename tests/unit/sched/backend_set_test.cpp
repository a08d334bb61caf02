#include "dataplane/sched/backend_set.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::sched {
namespace {

BackendSpec spec(std::string_view endpoint, std::uint32_t weight = 1, bool enabled = true,
                 bool up = true) {
  return BackendSpec{net::Endpoint::parse(endpoint).value(), weight, enabled, up};
}

std::vector<std::uint32_t> eligible_indices(const BackendSet& set) {
  std::vector<std::uint32_t> result;
  for (const BackendIndex index : set.eligible()) result.push_back(index.value);
  return result;
}

TEST(SchedulerKind, ParsesExactlyTheConfigNames) {
  EXPECT_EQ(parse_scheduler_kind("rr"), SchedulerKind::kRoundRobin);
  EXPECT_EQ(parse_scheduler_kind("wrr"), SchedulerKind::kWeightedRoundRobin);
  EXPECT_EQ(parse_scheduler_kind("maglev"), SchedulerKind::kMaglev);
  EXPECT_EQ(parse_scheduler_kind("source-hash"), SchedulerKind::kSourceHash);
  EXPECT_EQ(parse_scheduler_kind("least-conn"), SchedulerKind::kLeastConnections);
  EXPECT_EQ(parse_scheduler_kind("RR"), std::nullopt);
  EXPECT_EQ(parse_scheduler_kind("source_hash"), std::nullopt);
  EXPECT_EQ(parse_scheduler_kind(""), std::nullopt);
  EXPECT_EQ(parse_scheduler_kind("maglev "), std::nullopt);
  for (const auto kind : {SchedulerKind::kRoundRobin, SchedulerKind::kWeightedRoundRobin,
                          SchedulerKind::kMaglev, SchedulerKind::kSourceHash,
                          SchedulerKind::kLeastConnections}) {
    EXPECT_EQ(parse_scheduler_kind(to_string(kind)), kind);
  }
}

TEST(BackendSet, WeightZeroDisabledAndDownAreIneligible) {
  const std::vector<BackendSpec> specs{
      spec("10.20.0.2:8080"),
      spec("10.20.0.3:8080", 0),
      spec("10.20.0.4:8080", 1, false),
      spec("10.20.0.5:8080", 1, true, false),
      spec("10.20.0.6:8080", 7),
  };
  const BackendSet set(SchedulerKind::kRoundRobin, specs);
  ASSERT_EQ(set.size(), 5u);
  EXPECT_EQ(eligible_indices(set), (std::vector<std::uint32_t>{0, 4}));
  EXPECT_EQ(set.eligible_weight_total(), 8u);
  EXPECT_TRUE(set.backend(BackendIndex{0}).eligible);
  EXPECT_FALSE(set.backend(BackendIndex{1}).eligible);
  EXPECT_FALSE(set.backend(BackendIndex{2}).eligible);
  EXPECT_FALSE(set.backend(BackendIndex{3}).eligible);
  EXPECT_EQ(set.backend(BackendIndex{4}).endpoint.to_string(), "10.20.0.6:8080");
  EXPECT_EQ(set.backend(BackendIndex{4}).weight, 7u);
  EXPECT_TRUE(set.maglev_table().empty()) << "rr builds no maglev table";
}

TEST(BackendSet, MaglevTableHoldsOnlyEligibleBackends) {
  const std::vector<BackendSpec> specs{
      spec("10.20.0.2:8080"), spec("10.20.0.3:8080", 0), spec("10.20.0.4:8080", 1, false),
      spec("10.20.0.5:8080", 1, true, false), spec("10.20.0.6:8080"),
  };
  for (const auto kind : {SchedulerKind::kMaglev, SchedulerKind::kSourceHash}) {
    const BackendSet set(kind, specs);
    ASSERT_EQ(set.maglev_table().size(), kMaglevTableSize);
    std::set<std::uint16_t> owners(set.maglev_table().begin(), set.maglev_table().end());
    EXPECT_EQ(owners, (std::set<std::uint16_t>{0, 4}));
  }
}

TEST(BackendSet, EmptyAndAllIneligibleSetsHaveNothingToPick) {
  const BackendSet empty(SchedulerKind::kMaglev, {});
  EXPECT_TRUE(empty.eligible().empty());
  EXPECT_TRUE(empty.maglev_table().empty());
  const std::vector<BackendSpec> drained{spec("10.20.0.2:8080", 0), spec("10.20.0.3:8080", 1, false)};
  const BackendSet none(SchedulerKind::kMaglev, drained);
  EXPECT_TRUE(none.eligible().empty());
  EXPECT_TRUE(none.maglev_table().empty());
  EXPECT_EQ(none.eligible_weight_total(), 0u);
}

TEST(BackendSet, RejectsDuplicateEndpointsAndOversizedSets) {
  const std::vector<BackendSpec> twice{spec("10.20.0.2:8080"), spec("10.20.0.2:8080", 3)};
  EXPECT_THROW(BackendSet(SchedulerKind::kRoundRobin, twice), std::invalid_argument);
  // Same address, different port: distinct backends.
  const std::vector<BackendSpec> ports{spec("10.20.0.2:8080"), spec("10.20.0.2:8081")};
  EXPECT_NO_THROW(BackendSet(SchedulerKind::kRoundRobin, ports));

  std::vector<BackendSpec> many;
  for (std::uint32_t i = 0; i <= BackendSet::kMaxBackends; ++i) {
    many.push_back(spec("10.20." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + ":80"));
  }
  EXPECT_THROW(BackendSet(SchedulerKind::kRoundRobin, many), std::invalid_argument);
  many.pop_back();
  EXPECT_NO_THROW(BackendSet(SchedulerKind::kRoundRobin, many));
}

TEST(BackendSet, GenerationsAreUniqueAndNonZero) {
  const std::vector<BackendSpec> specs{spec("10.20.0.2:8080")};
  const BackendSet a(SchedulerKind::kRoundRobin, specs);
  const BackendSet b(SchedulerKind::kRoundRobin, specs);
  EXPECT_NE(a.generation(), 0u);
  EXPECT_NE(a.generation(), b.generation());
}

TEST(BackendSet, SlotsFollowEndpointsAcrossRebuilds) {
  const std::vector<BackendSpec> first{spec("10.20.0.2:8080"), spec("10.20.0.3:8080"),
                                       spec("10.20.0.4:8080")};
  const BackendSet a(SchedulerKind::kLeastConnections, first);
  EXPECT_EQ(a.backend(BackendIndex{0}).slot, BackendSlot{0});
  EXPECT_EQ(a.backend(BackendIndex{1}).slot, BackendSlot{1});
  EXPECT_EQ(a.backend(BackendIndex{2}).slot, BackendSlot{2});

  // .3 removed, .9 added in front, order changed: survivors keep their slot, the newcomer
  // takes a slot that neither the old nor the new set uses (not .3's slot 1).
  const std::vector<BackendSpec> second{spec("10.20.0.9:8080"), spec("10.20.0.4:8080", 0),
                                        spec("10.20.0.2:8080")};
  const BackendSet b(SchedulerKind::kLeastConnections, second, &a);
  EXPECT_EQ(b.backend(BackendIndex{0}).slot, BackendSlot{3});
  EXPECT_EQ(b.backend(BackendIndex{1}).slot, BackendSlot{2});
  EXPECT_EQ(b.backend(BackendIndex{2}).slot, BackendSlot{0});

  // Next rebuild: slot 1 has been out of use for a whole snapshot and may be handed out again.
  const std::vector<BackendSpec> third{spec("10.20.0.9:8080"), spec("10.20.0.2:8080"),
                                       spec("10.20.0.7:8080")};
  const BackendSet c(SchedulerKind::kLeastConnections, third, &b);
  EXPECT_EQ(c.backend(BackendIndex{0}).slot, BackendSlot{3});
  EXPECT_EQ(c.backend(BackendIndex{1}).slot, BackendSlot{0});
  EXPECT_EQ(c.backend(BackendIndex{2}).slot, BackendSlot{1});
}

TEST(BackendSet, FullTurnoverStillFindsSlots) {
  std::vector<BackendSpec> old_specs;
  std::vector<BackendSpec> new_specs;
  for (std::uint32_t i = 0; i < BackendSet::kMaxBackends; ++i) {
    old_specs.push_back(spec("10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + ":80"));
    new_specs.push_back(spec("10.2." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + ":80"));
  }
  const BackendSet old_set(SchedulerKind::kRoundRobin, old_specs);
  const BackendSet new_set(SchedulerKind::kRoundRobin, new_specs, &old_set);
  std::set<std::uint32_t> slots;
  for (const Backend& backend : new_set.backends()) {
    EXPECT_GE(backend.slot.value, BackendSet::kMaxBackends);  // none of the old slots
    EXPECT_LT(backend.slot.value, BackendSet::kSlotCount);
    slots.insert(backend.slot.value);
  }
  EXPECT_EQ(slots.size(), BackendSet::kMaxBackends);
}

}  // namespace
}  // namespace sluice::sched
