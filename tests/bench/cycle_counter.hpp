#pragma once
// Reference cycles for the benchmarks' "cycles/packet" counter. On x86-64 this is the TSC: it
// ticks at the nominal (invariant) frequency whatever the core's current clock, so it counts
// "reference cycles", not core cycles (perf's cycles event may not be available on shared
// hosts; the TSC always is). Elsewhere there is no cheap portable equivalent: 0.
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace sluice::bench {

inline std::uint64_t reference_cycles() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  return __rdtsc();
#else
  return 0;
#endif
}

}  // namespace sluice::bench
