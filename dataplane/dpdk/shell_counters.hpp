#pragma once
// What the DPDK shell counts per worker, next to the pipeline's own WorkerCounters: frames the
// pipeline never saw or handed back. Written only by the owning worker, read by the control
// thread without a lock (same contract as pipeline/counters.hpp: aligned 64-bit words, a reader
// may see a value a few packets old, never a torn one on x86-64).
#include <cstdint>

namespace sluice::dpdk {

struct alignas(64) ShellCounters {
  std::uint64_t rx_bursts = 0;        // non-empty rte_eth_rx_burst calls
  std::uint64_t steered_out = 0;      // frames handed to their owner's ring
  std::uint64_t steered_in = 0;       // frames taken from this worker's ring
  std::uint64_t steer_ring_full = 0;  // hand-offs refused by a full ring (frame dropped)
  std::uint64_t broadcast_copies = 0; // ARP/NDP replies copied to other workers
  std::uint64_t copy_failures = 0;    // no mbuf or ring room for such a copy
  std::uint64_t tx_dropped = 0;       // frames the NIC did not take when the TX buffer flushed
  std::uint64_t tx_no_queue = 0;      // frames for a port this worker has no TX queue on
  std::uint64_t rx_multi_segment = 0; // chained mbufs (the pipeline handles single segments)
  std::uint64_t rx_unknown_port = 0;  // a handed-over mbuf whose port is not configured
  std::uint64_t host_ring_full = 0;   // host-bound frames dropped: the control thread lags
};

}  // namespace sluice::dpdk
