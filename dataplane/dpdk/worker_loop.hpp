#pragma once
// One poll-mode worker lcore (docs/dpdk.md, "The worker loop"): drain the hand-off ring, poll
// each RX queue it owns, steer or process every frame, drain TX buffers about every 100 us and
// run the pipeline's timers about every millisecond, until the control thread raises `stop`.
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/dpdk/mbuf_frame_io.hpp"
#include "dataplane/dpdk/shell_counters.hpp"
#include "dataplane/dpdk/tsc_clock.hpp"
#include "dataplane/pipeline/steering.hpp"
#include "dataplane/pipeline/worker.hpp"
#include "dataplane/pipeline/worker_mailbox.hpp"

struct rte_ring;

namespace sluice::dpdk {

// The largest burst a worker handles (config.md bounds dpdk.burst to 512).
inline constexpr std::uint16_t kMaxBurst = 512;

struct RxQueue {
  std::uint16_t dpdk_port = 0;
  std::uint16_t queue = 0;
  pipeline::PortId port = pipeline::kNoPort;  // the pipeline's port index (config order)
};

struct LoopSettings {
  std::uint16_t burst = 32;
  std::uint32_t idle_sleep_us = 0;
  std::uint64_t drain_cycles = 1;    // TX buffer drain period
  std::uint64_t advance_cycles = 1;  // pipeline timer period
};

// Everything one worker lcore touches. Built on the control thread before launch; after
// launch only `counters`, `shell` and the pipeline worker change, and only from the lcore.
struct WorkerContext {
  std::uint32_t index = 0;
  unsigned lcore = 0;
  ShellCounters shell;
  std::unique_ptr<MbufFrameIo> io;
  std::unique_ptr<pipeline::Worker> worker;
  std::vector<RxQueue> rx_queues;
  rte_ring* ring = nullptr;                      // this worker's hand-off ring (MP/SC)
  const std::vector<rte_ring*>* rings = nullptr;  // every worker's, by worker index
  // nullptr with a single worker. Replaced (on this worker's thread, by a mailbox job) when a
  // reload brings new SNAT addresses; the datapath keeps every steering it built alive.
  const pipeline::FlowSteering* steering = nullptr;
  // The exception path (docs/health.md): frames for the host go into `to_host` (shared by all
  // workers, drained by the control thread); the host's packets arrive on `from_host` (only
  // worker 0 has one). nullptr without a host path.
  rte_ring* to_host = nullptr;
  rte_ring* from_host = nullptr;
  // Control-plane jobs run between bursts (pipeline/worker_mailbox.hpp).
  pipeline::WorkerMailbox mailbox;
  rte_mempool* pool = nullptr;
  const std::vector<pipeline::PortId>* port_of_dpdk_port = nullptr;  // by DPDK port id
  LoopSettings settings;
  const TscClock* clock = nullptr;
  const std::atomic<bool>* stop = nullptr;
};

// rte_eal_remote_launch entry point; `arg` is a WorkerContext*. Returns 0.
int run_worker(void* arg);

}  // namespace sluice::dpdk
