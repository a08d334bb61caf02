#include "control/health/rise_fall.hpp"

#include <gtest/gtest.h>

namespace sluice::health {
namespace {

TEST(RiseFall, StartsUpAndUnconfirmed) {
  const RiseFall state(2, 3);
  EXPECT_TRUE(state.up());
  EXPECT_FALSE(state.confirmed());
  EXPECT_EQ(state.streak(), 0U);
}

TEST(RiseFall, FirstFailureBeforeAnySuccessTakesItDown) {
  RiseFall state(2, 3);
  const auto transition = state.record(false);
  ASSERT_TRUE(transition);
  EXPECT_FALSE(transition->up);
  EXPECT_EQ(transition->checks, 1U);
  EXPECT_FALSE(state.up());
}

TEST(RiseFall, ConfirmedNeedsFallConsecutiveFailures) {
  RiseFall state(2, 3);
  EXPECT_FALSE(state.record(true));
  EXPECT_TRUE(state.confirmed());
  EXPECT_FALSE(state.record(false));
  EXPECT_FALSE(state.record(false));
  EXPECT_EQ(state.streak(), 2U);
  EXPECT_FALSE(state.record(true));  // a success resets the streak
  EXPECT_EQ(state.streak(), 0U);
  EXPECT_FALSE(state.record(false));
  EXPECT_FALSE(state.record(false));
  const auto transition = state.record(false);
  ASSERT_TRUE(transition);
  EXPECT_FALSE(transition->up);
  EXPECT_EQ(transition->checks, 3U);
}

TEST(RiseFall, DownNeedsRiseConsecutiveSuccesses) {
  RiseFall state(2, 1);
  ASSERT_TRUE(state.record(false));
  EXPECT_FALSE(state.record(true));
  EXPECT_FALSE(state.record(false));  // resets
  EXPECT_FALSE(state.record(true));
  const auto transition = state.record(true);
  ASSERT_TRUE(transition);
  EXPECT_TRUE(transition->up);
  EXPECT_EQ(transition->checks, 2U);
  EXPECT_TRUE(state.up());
  // Back up: confirmed, so the next drop needs `fall` (1) failure again.
  ASSERT_TRUE(state.record(false));
}

TEST(RiseFall, NewThresholdsApplyToTheRunningStreak) {
  RiseFall state(1, 5);
  EXPECT_FALSE(state.record(true));
  EXPECT_FALSE(state.record(false));
  EXPECT_FALSE(state.record(false));
  state.set_thresholds(1, 3);
  const auto transition = state.record(false);
  ASSERT_TRUE(transition);
  EXPECT_EQ(transition->checks, 3U);
}

TEST(RiseFall, ZeroThresholdsBehaveAsOne) {
  RiseFall state(0, 0);
  EXPECT_FALSE(state.record(true));
  ASSERT_TRUE(state.record(false));
  ASSERT_TRUE(state.record(true));
}

}  // namespace
}  // namespace sluice::health
