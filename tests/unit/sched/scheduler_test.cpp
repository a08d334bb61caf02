#include "dataplane/sched/scheduler.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sluice::sched {
namespace {

BackendSpec spec(std::string_view endpoint, std::uint32_t weight = 1, bool enabled = true,
                 bool up = true) {
  return BackendSpec{net::Endpoint::parse(endpoint).value(), weight, enabled, up};
}

// Specs a, b, c, ... = 10.20.0.2:80, 10.20.0.3:80, ... with the given weights.
std::vector<BackendSpec> weighted(std::initializer_list<std::uint32_t> weights) {
  std::vector<BackendSpec> specs;
  for (const std::uint32_t weight : weights) {
    specs.push_back(spec("10.20.0." + std::to_string(specs.size() + 2) + ":80", weight));
  }
  return specs;
}

// Picks `count` times and spells the result as letters: index 0 = 'a'.
std::string sequence(Scheduler& scheduler, const BackendSet& set, std::size_t count) {
  std::string letters;
  for (std::size_t i = 0; i < count; ++i) {
    const std::optional<BackendIndex> picked = scheduler.pick(set, PickKey{});
    letters += picked ? static_cast<char>('a' + picked->value) : '-';
  }
  return letters;
}

PickKey key_for_client(std::string_view client, std::uint16_t port) {
  const FlowTuple tuple{net::IpAddress::parse(client).value(),
                        net::IpAddress::parse("198.51.100.7").value(), port, 80, 6};
  return PickKey::of(tuple);
}

// A Scheduler is ~24 KiB: keep it off the test's stack.
std::unique_ptr<Scheduler> make_scheduler(std::uint32_t worker = 0) {
  return std::make_unique<Scheduler>(worker);
}

TEST(RoundRobin, CyclesThroughEligibleBackendsInOrder) {
  const BackendSet set(SchedulerKind::kRoundRobin, weighted({1, 5, 1}));
  auto scheduler = make_scheduler();
  EXPECT_EQ(sequence(*scheduler, set, 7), "abcabca") << "rr ignores weights";
}

TEST(RoundRobin, SkipsIneligibleBackends) {
  std::vector<BackendSpec> specs = weighted({1, 0, 1, 1, 1});
  specs[3].admin_enabled = false;
  specs[4].health_up = false;
  const BackendSet set(SchedulerKind::kRoundRobin, specs);
  auto scheduler = make_scheduler();
  EXPECT_EQ(sequence(*scheduler, set, 5), "acaca");
}

TEST(RoundRobin, WorkersStartAtDifferentBackends) {
  const BackendSet set(SchedulerKind::kRoundRobin, weighted({1, 1, 1}));
  auto worker1 = make_scheduler(1);
  auto worker5 = make_scheduler(5);
  EXPECT_EQ(sequence(*worker1, set, 4), "bcab");
  EXPECT_EQ(sequence(*worker5, set, 4), "cabc");
}

TEST(RoundRobin, NewSnapshotRestartsTheCycle) {
  const BackendSet first(SchedulerKind::kRoundRobin, weighted({1, 1, 1}));
  auto scheduler = make_scheduler();
  EXPECT_EQ(sequence(*scheduler, first, 2), "ab");
  const BackendSet second(SchedulerKind::kRoundRobin, weighted({1, 1}), &first);
  EXPECT_EQ(sequence(*scheduler, second, 3), "aba");
}

TEST(WeightedRoundRobin, SmoothSequenceForFiveOneOne) {
  // nginx's documented example: {a:5, b:1, c:1} -> a a b a c a a, then repeats.
  const BackendSet set(SchedulerKind::kWeightedRoundRobin, weighted({5, 1, 1}));
  auto scheduler = make_scheduler();
  EXPECT_EQ(sequence(*scheduler, set, 14), "aabacaaaabacaa");
}

TEST(WeightedRoundRobin, ZeroWeightBackendsGetNothing) {
  // b:2, c:1 (a and d drained). Hand-run: currents (b,c) 2,1 -> b -1,1; 1,2 -> c 1,-1;
  // 3,0 -> b 0,0; period "bcb".
  const BackendSet set(SchedulerKind::kWeightedRoundRobin, weighted({0, 2, 1, 0}));
  auto scheduler = make_scheduler();
  EXPECT_EQ(sequence(*scheduler, set, 9), "bcbbcbbcb");
}

TEST(WeightedRoundRobin, AllWeightsZeroPicksNone) {
  const BackendSet set(SchedulerKind::kWeightedRoundRobin, weighted({0, 0}));
  auto scheduler = make_scheduler();
  EXPECT_EQ(sequence(*scheduler, set, 2), "--");
}

TEST(WeightedRoundRobin, LongRunSharesMatchWeights) {
  const BackendSet set(SchedulerKind::kWeightedRoundRobin, weighted({3, 1, 6}));
  auto scheduler = make_scheduler();
  std::map<char, int> counts;
  for (const char c : sequence(*scheduler, set, 1000)) ++counts[c];
  EXPECT_EQ(counts['a'], 300);
  EXPECT_EQ(counts['b'], 100);
  EXPECT_EQ(counts['c'], 600);
}

TEST(WeightedRoundRobin, NewSnapshotResetsCurrentWeights) {
  const BackendSet first(SchedulerKind::kWeightedRoundRobin, weighted({5, 1, 1}));
  auto scheduler = make_scheduler();
  EXPECT_EQ(sequence(*scheduler, first, 3), "aab");
  const BackendSet second(SchedulerKind::kWeightedRoundRobin, weighted({5, 1, 1}), &first);
  EXPECT_EQ(sequence(*scheduler, second, 7), "aabacaa");
}

TEST(MaglevScheduler, PickIsTheTableEntryOfTheFlowHash) {
  const BackendSet set(SchedulerKind::kMaglev, weighted({1, 1, 1, 1}));
  auto scheduler = make_scheduler();
  for (std::uint16_t port = 1000; port < 1100; ++port) {
    const PickKey key = key_for_client("192.0.2.1", port);
    const std::optional<BackendIndex> picked = scheduler->pick(set, key);
    ASSERT_TRUE(picked.has_value());
    EXPECT_EQ(picked->value, set.maglev_table()[key.flow_hash % kMaglevTableSize]);
  }
}

TEST(MaglevScheduler, SameFlowSameBackendOnEveryWorkerAndRebuild) {
  const BackendSet set(SchedulerKind::kMaglev, weighted({1, 1, 1, 1, 1}));
  const BackendSet rebuilt(SchedulerKind::kMaglev, weighted({1, 1, 1, 1, 1}), &set);
  auto worker0 = make_scheduler(0);
  auto worker3 = make_scheduler(3);
  for (std::uint16_t port = 2000; port < 2200; ++port) {
    const PickKey key = key_for_client("192.0.2.9", port);
    const auto first = worker0->pick(set, key);
    EXPECT_EQ(worker3->pick(set, key), first);
    EXPECT_EQ(worker0->pick(rebuilt, key), first);
  }
}

TEST(MaglevScheduler, SkipsIneligibleBackends) {
  std::vector<BackendSpec> specs = weighted({1, 0, 1, 1});
  specs[2].health_up = false;
  const BackendSet set(SchedulerKind::kMaglev, specs);
  auto scheduler = make_scheduler();
  std::map<std::uint32_t, int> counts;
  for (std::uint16_t port = 0; port < 2000; ++port) {
    ++counts[scheduler->pick(set, key_for_client("192.0.2.1", port)).value().value];
  }
  EXPECT_EQ(counts.size(), 2u);
  EXPECT_GT(counts[0], 800);
  EXPECT_GT(counts[3], 800);
}

TEST(SourceHash, SameClientSameBackendWhateverThePort) {
  const BackendSet set(SchedulerKind::kSourceHash, weighted({1, 1, 1, 1, 1, 1, 1, 1}));
  auto scheduler = make_scheduler();
  std::map<std::uint32_t, int> clients_per_backend;
  for (int host = 1; host <= 200; ++host) {
    const std::string client = "192.0." + std::to_string(host / 100) + "." + std::to_string(host % 100 + 1);
    const auto first = scheduler->pick(set, key_for_client(client, 1024));
    ASSERT_TRUE(first.has_value());
    for (std::uint16_t port = 1025; port < 1040; ++port) {
      EXPECT_EQ(scheduler->pick(set, key_for_client(client, port)), first) << client;
    }
    ++clients_per_backend[first->value];
  }
  // 200 clients over 8 backends: each gets some (the expectation is 25).
  EXPECT_EQ(clients_per_backend.size(), 8u);
  for (const auto& [backend, clients] : clients_per_backend) EXPECT_GT(clients, 8) << backend;
}

TEST(SourceHash, ClientsStayWhenAnotherBackendLeaves) {
  const BackendSet before(SchedulerKind::kSourceHash, weighted({1, 1, 1, 1, 1, 1, 1, 1, 1, 1}));
  std::vector<BackendSpec> specs = weighted({1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
  specs[4].admin_enabled = false;
  const BackendSet after(SchedulerKind::kSourceHash, specs, &before);
  auto scheduler = make_scheduler();
  int moved_elsewhere = 0;
  int total_on_survivors = 0;
  for (int host = 0; host < 1000; ++host) {
    const std::string client = "2001:db8::" + std::to_string(host);
    const PickKey key = key_for_client(client, 5000);
    const BackendIndex old_pick = scheduler->pick(before, key).value();
    const BackendIndex new_pick = scheduler->pick(after, key).value();
    EXPECT_NE(new_pick.value, 4u);
    if (old_pick.value == 4) continue;
    ++total_on_survivors;
    if (new_pick != old_pick) ++moved_elsewhere;
  }
  // Maglev moves ~1% of the survivors' entries when one of ten leaves (see maglev_test).
  EXPECT_LE(moved_elsewhere, total_on_survivors / 25);
}

TEST(LeastConnections, PicksTheLeastLoaded) {
  const BackendSet set(SchedulerKind::kLeastConnections, weighted({1, 1, 1}));
  auto scheduler = make_scheduler();
  const auto slot = [&](std::uint32_t index) { return set.backend(BackendIndex{index}).slot; };
  for (int i = 0; i < 5; ++i) scheduler->on_flow_created(slot(0));
  for (int i = 0; i < 2; ++i) scheduler->on_flow_created(slot(1));
  for (int i = 0; i < 3; ++i) scheduler->on_flow_created(slot(2));
  EXPECT_EQ(scheduler->pick(set, PickKey{})->value, 1u);
  scheduler->on_flow_created(slot(1));
  scheduler->on_flow_created(slot(1));  // 5, 4, 3
  EXPECT_EQ(scheduler->pick(set, PickKey{})->value, 2u);
  for (int i = 0; i < 5; ++i) scheduler->on_flow_destroyed(slot(0));  // 0, 4, 3
  EXPECT_EQ(scheduler->pick(set, PickKey{})->value, 0u);
  EXPECT_EQ(scheduler->active_flows(slot(0)), 0u);
  EXPECT_EQ(scheduler->active_flows(slot(1)), 4u);
}

TEST(LeastConnections, FillsInWeightProportion) {
  // Weights 3:1: placing each picked flow, a gets 3 of every 4.
  const BackendSet set(SchedulerKind::kLeastConnections, weighted({3, 1}));
  auto scheduler = make_scheduler();
  std::string letters;
  for (int i = 0; i < 8; ++i) {
    const BackendIndex picked = scheduler->pick(set, PickKey{}).value();
    scheduler->on_flow_created(set.backend(picked).slot);
    letters += static_cast<char>('a' + picked.value);
  }
  // (active+1)/weight: a 1/3 vs b 1 -> a; 2/3 vs 1 -> a; 1 vs 1 -> a (first wins ties);
  // 4/3 vs 1 -> b; 4/3 vs 2 -> a; 5/3 vs 2 -> a; 2 vs 2 -> a; 7/3 vs 2 -> b.
  EXPECT_EQ(letters, "aaabaaab");
  EXPECT_EQ(scheduler->active_flows(set.backend(BackendIndex{0}).slot), 6u);
  EXPECT_EQ(scheduler->active_flows(set.backend(BackendIndex{1}).slot), 2u);
}

TEST(LeastConnections, SkipsIneligibleEvenWhenIdle) {
  std::vector<BackendSpec> specs = weighted({1, 0, 1, 1});
  specs[2].admin_enabled = false;
  const BackendSet set(SchedulerKind::kLeastConnections, specs);
  auto scheduler = make_scheduler();
  for (int i = 0; i < 10; ++i) scheduler->on_flow_created(set.backend(BackendIndex{0}).slot);
  for (int i = 0; i < 9; ++i) scheduler->on_flow_created(set.backend(BackendIndex{3}).slot);
  EXPECT_EQ(scheduler->pick(set, PickKey{})->value, 3u);  // b and c have 0 but are ineligible
}

TEST(LeastConnections, CountsFollowTheSlotAcrossSnapshots) {
  const BackendSet first(SchedulerKind::kLeastConnections, weighted({1, 1}));
  auto scheduler = make_scheduler();
  const BackendSlot slot_b = first.backend(BackendIndex{1}).slot;
  for (int i = 0; i < 3; ++i) scheduler->on_flow_created(slot_b);
  // b moves to index 0, a newcomer arrives at index 1, a is gone.
  const std::vector<BackendSpec> specs{spec("10.20.0.3:80"), spec("10.20.0.9:80")};
  const BackendSet second(SchedulerKind::kLeastConnections, specs, &first);
  ASSERT_EQ(second.backend(BackendIndex{0}).slot, slot_b);
  EXPECT_EQ(scheduler->pick(second, PickKey{})->value, 1u) << "b still carries its 3 flows";
  for (int i = 0; i < 3; ++i) scheduler->on_flow_destroyed(slot_b);
  EXPECT_EQ(scheduler->pick(second, PickKey{})->value, 0u);
}

TEST(LeastConnections, UnmatchedDestroyAndBadSlotAreCountedNotApplied) {
  auto scheduler = make_scheduler();
  scheduler->on_flow_destroyed(BackendSlot{7});
  EXPECT_EQ(scheduler->active_flows(BackendSlot{7}), 0u);
  EXPECT_EQ(scheduler->counters().active_underflows, 1u);
  const BackendSlot bad{static_cast<std::uint32_t>(BackendSet::kSlotCount)};
  scheduler->on_flow_created(bad);
  scheduler->on_flow_destroyed(bad);
  EXPECT_EQ(scheduler->active_flows(bad), 0u);
  EXPECT_EQ(scheduler->counters().invalid_slots, 2u);
}

TEST(AllSchedulers, EmptyOrFullyIneligibleSetPicksNone) {
  std::vector<BackendSpec> down = weighted({1, 1});
  down[0].health_up = false;
  down[1].admin_enabled = false;
  for (const auto kind : {SchedulerKind::kRoundRobin, SchedulerKind::kWeightedRoundRobin,
                          SchedulerKind::kMaglev, SchedulerKind::kSourceHash,
                          SchedulerKind::kLeastConnections}) {
    auto scheduler = make_scheduler();
    const BackendSet empty(kind, {});
    EXPECT_EQ(scheduler->pick(empty, key_for_client("192.0.2.1", 1)), std::nullopt) << to_string(kind);
    const BackendSet none(kind, down);
    EXPECT_EQ(scheduler->pick(none, key_for_client("192.0.2.1", 1)), std::nullopt) << to_string(kind);
    // Recovery: the same scheduler works once a backend is eligible again.
    const BackendSet one(kind, weighted({0, 2}));
    EXPECT_EQ(scheduler->pick(one, key_for_client("192.0.2.1", 1)), BackendIndex{1}) << to_string(kind);
  }
}

}  // namespace
}  // namespace sluice::sched
