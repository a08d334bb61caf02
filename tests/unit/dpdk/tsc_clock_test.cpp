// TSC -> ns conversion, including the range where cycles * 1e9 would overflow 64 bits.
#include <gtest/gtest.h>

#include <limits>

#include "dataplane/dpdk/tsc_clock.hpp"

namespace sluice::dpdk {
namespace {

TEST(TscClock, ConvertsFromTheOrigin) {
  const TscClock clock(1'000, 2'000'000'000ULL);  // 2 GHz
  EXPECT_EQ(clock.to_ns(1'000), 0);
  EXPECT_EQ(clock.to_ns(1'002), 1);              // 2 cycles = 1 ns
  EXPECT_EQ(clock.to_ns(1'000 + 3'000'000'000ULL), 1'500'000'000);
}

TEST(TscClock, NoOverflowAfterDays) {
  const std::uint64_t hz = 3'000'000'000ULL;                // 3 GHz
  const std::uint64_t ten_days = 10ULL * 86'400 * hz;       // 2.6e15 cycles: * 1e9 overflows
  const TscClock clock(0, hz);
  EXPECT_EQ(clock.to_ns(ten_days), 10LL * 86'400 * 1'000'000'000LL);
  EXPECT_EQ(clock.to_ns(ten_days + 3), 10LL * 86'400 * 1'000'000'000LL + 1);
}

TEST(TscClock, NonIntegralFrequency) {
  const TscClock clock(0, 2'100'000'001ULL);
  // 2'100'000'001 cycles is exactly one second; one cycle less rounds down.
  EXPECT_EQ(clock.to_ns(2'100'000'001ULL), 1'000'000'000);
  EXPECT_EQ(clock.to_ns(2'100'000'000ULL), 999'999'999);
}

TEST(TscClock, CyclesInPeriods) {
  const TscClock clock(0, 2'500'000'000ULL);
  EXPECT_EQ(clock.cycles_in(100'000), 250'000U);         // 100 us
  EXPECT_EQ(clock.cycles_in(1'000'000), 2'500'000U);     // 1 ms
  EXPECT_EQ(clock.cycles_in(2'000'000'001ULL), 5'000'000'002U);
  EXPECT_EQ(clock.cycles_in(0), 1U);                     // never a zero period
  const TscClock slow(0, 1);
  EXPECT_EQ(slow.cycles_in(1), 1U);
}

TEST(TscClock, ZeroFrequencyIsClampedNotADivisionByZero) {
  const TscClock clock(0, 0);
  EXPECT_EQ(clock.hz(), 1U);
  EXPECT_EQ(clock.to_ns(2), 2'000'000'000);
}

}  // namespace
}  // namespace sluice::dpdk
