#include "dataplane/conntrack/timer_wheel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <random>
#include <vector>

namespace sluice::conntrack {
namespace {

// What a flow entry does: derive from (or embed) the node.
struct TestTimer : TimerNode {
  int id = 0;
  int fired = 0;
  Tick fired_at = 0;
};

struct Firing {
  int id;
  Tick due;
  Tick now;
  friend bool operator==(const Firing&, const Firing&) = default;
};

// Advances and records every firing with the `now` it happened at.
class Recorder {
 public:
  explicit Recorder(TimerWheel& wheel) : wheel_(wheel) {}

  std::size_t advance(Tick now, std::size_t budget = TimerWheel::kUnlimited) {
    return wheel_.advance(
        now,
        [&](TimerNode& node) {
          auto& timer = static_cast<TestTimer&>(node);
          ++timer.fired;
          timer.fired_at = now;
          firings.push_back(Firing{timer.id, timer.due(), now});
        },
        budget);
  }

  std::vector<int> ids() const {
    std::vector<int> result;
    for (const Firing& firing : firings) result.push_back(firing.id);
    return result;
  }

  std::vector<Firing> firings;

 private:
  TimerWheel& wheel_;
};

TEST(TimerWheel, FiresAtExactlyTheDueTick) {
  TimerWheel wheel(0);
  TestTimer timer;
  timer.id = 1;
  wheel.schedule(timer, 10);
  EXPECT_TRUE(timer.armed());
  EXPECT_EQ(timer.due(), 10u);
  Recorder recorder(wheel);
  for (Tick now = 1; now < 10; ++now) EXPECT_EQ(recorder.advance(now), 0u) << now;
  EXPECT_EQ(recorder.advance(10), 1u);
  EXPECT_FALSE(timer.armed());
  EXPECT_EQ(recorder.advance(11), 0u);
  EXPECT_EQ(recorder.advance(1000), 0u);
  EXPECT_EQ(timer.fired, 1);
  EXPECT_EQ(recorder.firings, (std::vector<Firing>{{1, 10, 10}}));
  EXPECT_EQ(wheel.armed_count(), 0u);
}

TEST(TimerWheel, NeverFiresEarlyOnCoarseAdvances) {
  TimerWheel wheel(0);
  TestTimer near_due;
  TestTimer far_due;
  wheel.schedule(near_due, 100);
  wheel.schedule(far_due, 5000);
  Recorder recorder(wheel);
  EXPECT_EQ(recorder.advance(99), 0u);
  EXPECT_EQ(recorder.advance(4999), 1u);
  EXPECT_EQ(near_due.fired_at, 4999u);
  EXPECT_EQ(far_due.fired, 0);
  EXPECT_EQ(wheel.now(), 4999u);
  EXPECT_EQ(recorder.advance(5000), 1u);
  EXPECT_EQ(far_due.fired_at, 5000u);
}

TEST(TimerWheel, FiresInDueOrderThenSchedulingOrder) {
  TimerWheel wheel(0);
  TestTimer timers[6];
  const Tick dues[6] = {300, 10, 20, 10, 4097, 64};
  for (int i = 0; i < 6; ++i) {
    timers[i].id = i;
    wheel.schedule(timers[i], dues[i]);
  }
  EXPECT_EQ(wheel.armed_count(), 6u);
  Recorder recorder(wheel);
  EXPECT_EQ(recorder.advance(10000), 6u);
  EXPECT_EQ(recorder.ids(), (std::vector<int>{1, 3, 2, 5, 0, 4}));
}

TEST(TimerWheel, CancelDisarms) {
  TimerWheel wheel(0);
  TestTimer kept;
  TestTimer cancelled;
  kept.id = 1;
  cancelled.id = 2;
  wheel.schedule(kept, 50);
  wheel.schedule(cancelled, 50);
  EXPECT_TRUE(wheel.cancel(cancelled));
  EXPECT_FALSE(cancelled.armed());
  EXPECT_FALSE(wheel.cancel(cancelled));
  EXPECT_EQ(wheel.armed_count(), 1u);
  Recorder recorder(wheel);
  EXPECT_EQ(recorder.advance(100), 1u);
  EXPECT_EQ(recorder.ids(), std::vector<int>{1});
  EXPECT_FALSE(wheel.cancel(kept)) << "fired timers are no longer armed";
}

TEST(TimerWheel, CancelLastTimerOfAFarSlotLeavesNothingBehind) {
  TimerWheel wheel(0);
  TestTimer timer;
  wheel.schedule(timer, Tick{1} << 40);
  // Level 6 (bits 36-41), slot 16: the slot starts exactly at 2^40.
  EXPECT_EQ(wheel.next_expiry_bound(), Tick{1} << 40);
  wheel.cancel(timer);
  EXPECT_EQ(wheel.next_expiry_bound(), std::nullopt);
  Recorder recorder(wheel);
  EXPECT_EQ(recorder.advance(Tick{1} << 41), 0u);
  EXPECT_EQ(wheel.now(), Tick{1} << 41);
}

TEST(TimerWheel, RescheduleMovesTheExpiryEitherWay) {
  TimerWheel wheel(0);
  TestTimer later;
  TestTimer sooner;
  later.id = 1;
  sooner.id = 2;
  wheel.schedule(later, 10);
  wheel.schedule(sooner, 5000);
  wheel.schedule(later, 70);  // pushed back: a flow saw a packet
  wheel.schedule(sooner, 20);
  EXPECT_EQ(wheel.armed_count(), 2u);
  Recorder recorder(wheel);
  EXPECT_EQ(recorder.advance(19), 0u);
  EXPECT_EQ(recorder.advance(20), 1u);
  EXPECT_EQ(recorder.advance(69), 0u);
  EXPECT_EQ(recorder.advance(70), 1u);
  EXPECT_EQ(recorder.advance(6000), 0u);
  EXPECT_EQ(recorder.firings, (std::vector<Firing>{{2, 20, 20}, {1, 70, 70}}));
}

TEST(TimerWheel, RescheduleWhileWaitingToCascade) {
  TimerWheel wheel(0);
  TestTimer timer;
  wheel.schedule(timer, 300'000);
  Recorder recorder(wheel);
  EXPECT_EQ(recorder.advance(250'000), 0u);  // cascaded to a lower level by now
  wheel.schedule(timer, 250'010);
  EXPECT_EQ(recorder.advance(250'009), 0u);
  EXPECT_EQ(recorder.advance(250'010), 1u);
  EXPECT_EQ(recorder.advance(400'000), 0u);
}

TEST(TimerWheel, FarFutureTimersFireOnTime) {
  TimerWheel wheel(1000);
  const Tick dues[] = {1000 + 63, 1000 + 64, 1000 + 4096, Tick{1} << 32, (Tick{1} << 48) + 7,
                       (Tick{1} << 62) + 12345, std::numeric_limits<Tick>::max() / 2};
  TestTimer timers[std::size(dues)];
  for (std::size_t i = 0; i < std::size(dues); ++i) {
    timers[i].id = static_cast<int>(i);
    wheel.schedule(timers[i], dues[i]);
  }
  Recorder recorder(wheel);
  for (std::size_t i = 0; i < std::size(dues); ++i) {
    EXPECT_EQ(recorder.advance(dues[i] - 1), 0u) << "early at " << i;
    EXPECT_EQ(recorder.advance(dues[i]), 1u) << i;
    EXPECT_EQ(timers[i].fired_at, dues[i]);
  }
}

TEST(TimerWheel, PastDueTimersFireOnTheNextAdvance) {
  TimerWheel wheel(500);
  TestTimer past;
  TestTimer present;
  past.id = 1;
  present.id = 2;
  wheel.schedule(past, 100);
  wheel.schedule(present, 500);
  EXPECT_EQ(wheel.next_expiry_bound(), 500u);
  Recorder recorder(wheel);
  EXPECT_EQ(recorder.advance(500), 2u) << "same now: still fired";
  EXPECT_EQ(recorder.ids(), (std::vector<int>{1, 2}));
}

TEST(TimerWheel, TickCounterWrapsAround) {
  const Tick start = std::numeric_limits<Tick>::max() - 99;  // 100 ticks before wrapping
  TimerWheel wheel(start);
  TestTimer before_wrap;
  TestTimer at_zero;
  TestTimer after_wrap;
  TestTimer far_after_wrap;
  before_wrap.id = 1;
  at_zero.id = 2;
  after_wrap.id = 3;
  far_after_wrap.id = 4;
  wheel.schedule(far_after_wrap, 1'000'000);
  wheel.schedule(after_wrap, 50);
  wheel.schedule(at_zero, 0);
  wheel.schedule(before_wrap, start + 50);
  Recorder recorder(wheel);
  EXPECT_EQ(recorder.advance(start + 49), 0u);
  EXPECT_EQ(recorder.advance(start + 50), 1u);
  EXPECT_EQ(recorder.advance(std::numeric_limits<Tick>::max()), 0u);
  EXPECT_EQ(recorder.advance(0), 1u);
  EXPECT_EQ(recorder.advance(49), 0u);
  EXPECT_EQ(recorder.advance(50), 1u);
  EXPECT_EQ(recorder.advance(999'999), 0u);
  EXPECT_EQ(recorder.advance(1'000'000), 1u);
  EXPECT_EQ(recorder.ids(), (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(wheel.now(), 1'000'000u);
}

TEST(TimerWheel, NowBehindTheWheelMovesNothing) {
  TimerWheel wheel(100);
  TestTimer timer;
  wheel.schedule(timer, 150);
  Recorder recorder(wheel);
  EXPECT_EQ(recorder.advance(140), 0u);
  EXPECT_EQ(recorder.advance(120), 0u);  // a clock read out of order
  EXPECT_EQ(wheel.now(), 140u);
  EXPECT_EQ(recorder.advance(150), 1u);
}

TEST(TimerWheel, BudgetBoundsEachAdvanceAndKeepsOrder) {
  TimerWheel wheel(0);
  std::vector<TestTimer> timers(1000);
  for (int i = 0; i < 1000; ++i) {
    timers[static_cast<std::size_t>(i)].id = i;
    wheel.schedule(timers[static_cast<std::size_t>(i)], i < 900 ? 10 : 11);
  }
  TestTimer later;
  later.id = 5000;
  wheel.schedule(later, 13);
  Recorder recorder(wheel);
  EXPECT_EQ(recorder.advance(12, 300), 300u);
  EXPECT_EQ(recorder.advance(12, 300), 300u);
  EXPECT_EQ(recorder.advance(12, 300), 300u);  // the last of tick 10
  EXPECT_EQ(recorder.advance(12, 300), 100u);  // tick 11
  EXPECT_EQ(recorder.advance(12, 300), 0u);
  EXPECT_EQ(wheel.now(), 12u);
  EXPECT_EQ(recorder.advance(13, 0), 0u);
  EXPECT_EQ(recorder.advance(13), 1u);
  ASSERT_EQ(recorder.firings.size(), 1001u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(recorder.firings[static_cast<std::size_t>(i)].id, i);
}

TEST(TimerWheel, BudgetStopLeavesTheWheelUsable) {
  TimerWheel wheel(0);
  TestTimer a, b, c, d;
  a.id = 1;
  b.id = 2;
  c.id = 3;
  d.id = 4;
  wheel.schedule(a, 10);
  wheel.schedule(b, 10);
  Recorder recorder(wheel);
  EXPECT_EQ(recorder.advance(20, 1), 1u);  // stopped inside tick 10
  wheel.schedule(c, 15);                   // between the stop and the last `now`
  wheel.schedule(d, 5);                    // already in the past
  EXPECT_TRUE(wheel.cancel(b));            // still pending: cancellable
  EXPECT_FALSE(b.armed());
  EXPECT_EQ(recorder.advance(20), 2u);
  EXPECT_EQ(recorder.ids(), (std::vector<int>{1, 4, 3}));
}

TEST(TimerWheel, CallbackMayRearmCancelAndSchedule) {
  TimerWheel wheel(0);
  TestTimer periodic;
  TestTimer victim;
  TestTimer spawned;
  periodic.id = 1;
  victim.id = 2;
  spawned.id = 3;
  wheel.schedule(periodic, 10);
  wheel.schedule(victim, 10);
  std::vector<Tick> periodic_dues;
  const std::size_t fired = wheel.advance(100, [&](TimerNode& node) {
    auto& timer = static_cast<TestTimer&>(node);
    if (timer.id == 1) {
      periodic_dues.push_back(timer.due());
      if (timer.due() == 10) {
        EXPECT_TRUE(wheel.cancel(victim));  // due at the same tick, not fired yet
        wheel.schedule(spawned, 55);
      }
      wheel.schedule(timer, timer.due() + 30);  // every 30 ticks
    }
    ++timer.fired;
  });
  // periodic at 10, 40, 70, 100 and spawned at 55; victim never.
  EXPECT_EQ(fired, 5u);
  EXPECT_EQ(periodic_dues, (std::vector<Tick>{10, 40, 70, 100}));
  EXPECT_EQ(victim.fired, 0);
  EXPECT_EQ(spawned.fired, 1);
  EXPECT_TRUE(periodic.armed());
  EXPECT_EQ(periodic.due(), 130u);
}

TEST(TimerWheel, CallbackRearmingInThePastWaitsForTheNextAdvance) {
  TimerWheel wheel(0);
  TestTimer stubborn;
  wheel.schedule(stubborn, 5);
  int calls = 0;
  const auto rearm_now = [&](TimerNode& node) {
    ++calls;
    wheel.schedule(node, 0);  // in the past: no infinite loop
  };
  EXPECT_EQ(wheel.advance(10, rearm_now), 1u);
  EXPECT_EQ(wheel.advance(10, rearm_now), 1u);
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(stubborn.armed());
  wheel.cancel(stubborn);
}

TEST(TimerWheel, NextExpiryBoundIsALowerBound) {
  TimerWheel wheel(0);
  EXPECT_EQ(wheel.next_expiry_bound(), std::nullopt);
  TestTimer level0;
  TestTimer level1;
  wheel.schedule(level1, 100);
  EXPECT_EQ(wheel.next_expiry_bound(), 64u);  // the level-1 slot [64, 128) starts at 64
  wheel.schedule(level0, 5);
  EXPECT_EQ(wheel.next_expiry_bound(), 5u);  // level 0 is exact
  Recorder recorder(wheel);
  recorder.advance(5);
  EXPECT_EQ(wheel.next_expiry_bound(), 64u);
  recorder.advance(64);  // cascade only
  EXPECT_EQ(wheel.next_expiry_bound(), 100u);
  recorder.advance(100);
  EXPECT_EQ(wheel.next_expiry_bound(), std::nullopt);
}

// Random schedules, reschedules and cancels at every scale against the rule: a timer fires once,
// at the first advance whose now is >= its due tick, and firings come in due order.
void run_random_model(Tick start, std::uint32_t seed) {
  constexpr std::size_t kTimers = 20000;
  auto wheel = std::make_unique<TimerWheel>(start);
  std::vector<TestTimer> timers(kTimers);
  std::vector<std::optional<Tick>> expected_due(kTimers);
  std::mt19937_64 random(seed);
  const Tick scales[] = {64, 4096, 1 << 20, Tick{1} << 40};
  Tick now = start;
  const auto random_due = [&] { return now + 1 + random() % scales[random() % std::size(scales)]; };
  for (std::size_t i = 0; i < kTimers; ++i) {
    timers[i].id = static_cast<int>(i);
    expected_due[i] = random_due();
    wheel->schedule(timers[i], *expected_due[i]);
  }
  std::size_t fired_total = 0;
  for (int round = 0; round < 3000; ++round) {
    // Churn: a few reschedules and cancels.
    for (int k = 0; k < 5; ++k) {
      const std::size_t i = random() % kTimers;
      if (random() % 3 == 0) {
        wheel->cancel(timers[i]);
        expected_due[i].reset();
      } else {
        expected_due[i] = random_due();
        wheel->schedule(timers[i], *expected_due[i]);
      }
    }
    const Tick previous = now;
    now += random() % (round % 100 == 99 ? (Tick{1} << 38) : 2000);
    Tick last_due = 0;
    bool first = true;
    fired_total += wheel->advance(now, [&](TimerNode& node) {
      auto& timer = static_cast<TestTimer&>(node);
      const auto i = static_cast<std::size_t>(timer.id);
      ASSERT_TRUE(expected_due[i].has_value()) << "fired a cancelled timer " << i;
      ASSERT_EQ(timer.due(), *expected_due[i]);
      // Not due at the previous advance, due now (modular distances from `start`).
      ASSERT_GT(timer.due() - start, previous - start) << "late: should have fired earlier";
      ASSERT_LE(timer.due() - start, now - start) << "early";
      if (!first) {
        ASSERT_GE(timer.due() - start, last_due - start) << "out of order";
      }
      first = false;
      last_due = timer.due();
      expected_due[i].reset();
    });
  }
  std::size_t still_expected = 0;
  for (std::size_t i = 0; i < kTimers; ++i) {
    if (!expected_due[i]) continue;
    ++still_expected;
    EXPECT_GT(*expected_due[i] - start, now - start) << "never fired " << i;
    EXPECT_TRUE(timers[i].armed());
  }
  EXPECT_EQ(wheel->armed_count(), still_expected);
  EXPECT_GT(fired_total, kTimers / 2);
  for (TestTimer& timer : timers) wheel->cancel(timer);
}

TEST(TimerWheel, RandomModelFromZero) { run_random_model(0, 1); }
TEST(TimerWheel, RandomModelAcrossTheWrap) {
  run_random_model(std::numeric_limits<Tick>::max() - (Tick{1} << 39), 2);
}

TEST(TimerWheel, AMillionTimers) {
  constexpr std::size_t kTimers = 1'000'000;
  constexpr Tick kSpan = 10'000'000;
  auto wheel = std::make_unique<TimerWheel>(0);
  std::vector<TestTimer> timers(kTimers);
  std::mt19937_64 random(42);
  for (std::size_t i = 0; i < kTimers; ++i) {
    timers[i].id = static_cast<int>(i);
    wheel->schedule(timers[i], 1 + random() % kSpan);
  }
  EXPECT_EQ(wheel->armed_count(), kTimers);
  Tick now = 0;
  Tick last_due = 0;
  std::size_t fired = 0;
  std::size_t violations = 0;
  while (now < kSpan) {
    const Tick previous = now;
    now = std::min(kSpan, now + 1 + random() % 100'000);
    fired += wheel->advance(now, [&](TimerNode& node) {
      auto& timer = static_cast<TestTimer&>(node);
      ++timer.fired;
      if (timer.due() <= previous || timer.due() > now || timer.due() < last_due) ++violations;
      last_due = timer.due();
    });
  }
  EXPECT_EQ(fired, kTimers);
  EXPECT_EQ(violations, 0u);
  EXPECT_EQ(wheel->armed_count(), 0u);
  EXPECT_TRUE(std::all_of(timers.begin(), timers.end(), [](const TestTimer& t) { return t.fired == 1; }));
}

}  // namespace
}  // namespace sluice::conntrack
