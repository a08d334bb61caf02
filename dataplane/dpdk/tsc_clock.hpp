#pragma once
// TSC cycles -> nanoseconds for the workers' pipeline clock (pure, unit-tested).
//
// The pipeline takes time as int64 nanoseconds since an arbitrary origin. A worker reads the TSC
// (rte_rdtsc, no system call) once per poll round and converts the cycles elapsed since the
// datapath's start. cycles * 1e9 overflows 64 bits after a few hours at GHz rates, so the
// conversion splits whole seconds from the remainder: remainder < hz, and hz * 1e9 < 2^64 for
// any TSC below 18 GHz.
#include <cstdint>

namespace sluice::dpdk {

class TscClock {
 public:
  TscClock(std::uint64_t origin_cycles, std::uint64_t hz) noexcept
      : origin_(origin_cycles), hz_(hz == 0 ? 1 : hz) {}

  std::int64_t to_ns(std::uint64_t cycles) const noexcept {
    const std::uint64_t elapsed = cycles - origin_;  // the TSC is monotonic per run
    const std::uint64_t seconds = elapsed / hz_;
    const std::uint64_t rest = elapsed % hz_;
    return static_cast<std::int64_t>(seconds * kNsPerSecond + rest * kNsPerSecond / hz_);
  }

  // Cycles in `ns` nanoseconds (for the drain and timer periods), at least 1.
  std::uint64_t cycles_in(std::uint64_t ns) const noexcept {
    const std::uint64_t cycles = ns / kNsPerSecond * hz_ + ns % kNsPerSecond * hz_ / kNsPerSecond;
    return cycles == 0 ? 1 : cycles;
  }

  std::uint64_t hz() const noexcept { return hz_; }

 private:
  static constexpr std::uint64_t kNsPerSecond = 1'000'000'000ULL;
  std::uint64_t origin_;
  std::uint64_t hz_;
};

}  // namespace sluice::dpdk
