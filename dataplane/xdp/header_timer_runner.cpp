#include "dataplane/xdp/header_timer_runner.hpp"

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <exception>

namespace sluice::xdp {
namespace {

// The clock of bpf_ktime_get_ns, which the program stamps deadlines with.
std::uint64_t monotonic_ns() noexcept {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(now.tv_nsec);
}

}  // namespace

HeaderTimerRunner::HeaderTimerRunner(XdpDatapath& datapath, std::chrono::milliseconds period)
    : datapath_(datapath), period_(period), thread_([this](const std::stop_token& stop) { run(stop); }) {}

HeaderTimerRunner::~HeaderTimerRunner() {
  thread_.request_stop();  // wakes the wait below
  if (thread_.joinable()) thread_.join();
}

void HeaderTimerRunner::run(const std::stop_token& stop) {
  std::unique_lock lock(mutex_);
  std::chrono::nanoseconds wait = period_;
  while (!stop.stop_requested()) {
    wake_.wait_for(lock, stop, wait, [] { return false; });  // only the stop request wakes it
    if (stop.stop_requested()) break;
    const std::uint64_t started = monotonic_ns();
    try {
      datapath_.run_header_timers(started, sink_);
    } catch (const std::exception&) {
      // Only an allocation can throw here: the next round tries again.
    }
    const std::chrono::nanoseconds took(monotonic_ns() - started);
    wait = std::max<std::chrono::nanoseconds>(period_, 10 * took);
  }
}

}  // namespace sluice::xdp
