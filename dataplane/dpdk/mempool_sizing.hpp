#pragma once
// How many mbufs the packet pool needs, and how big each one is (pure, unit-tested; the
// formula is explained in docs/dpdk.md, "Mempool sizing").
//
// Every mbuf that can be held at once somewhere must exist, or RX stalls when the pool runs
// dry:
//   descriptors  ports x queues x (rx_descriptors + tx_descriptors)   owned by the NICs
//   per worker   burst (the RX array) + ports x burst (TX buffers) + ring_size (hand-off ring)
//                + neighbour_pending (frames waiting for ARP/NDP) + burst (clones in flight)
//   caches       (workers + 1) x cache_size, because per-lcore caches hide mbufs from others
// and the total is rounded up to 2^k - 1, the size rte_mempool uses most efficiently.
#include <cstdint>

namespace sluice::dpdk {

struct MempoolInputs {
  std::uint32_t ports = 1;
  std::uint32_t queues_per_port = 1;
  std::uint32_t workers = 1;
  std::uint32_t rx_descriptors = 1024;
  std::uint32_t tx_descriptors = 1024;
  std::uint32_t burst = 32;
  std::uint32_t ring_size = 1024;
  std::uint32_t neighbor_pending = 32;
  std::uint32_t cache_size = 256;
  std::uint16_t max_mtu = 1500;
};

struct MempoolPlan {
  std::uint32_t mbufs = 0;           // 2^k - 1
  std::uint16_t data_room = 0;       // rte_pktmbuf_pool_create's data_room_size (with headroom)
  std::uint32_t cache_size = 0;
};

// data_room = headroom + max(2048, MTU + 14 (Ethernet) + 8 (two VLAN tags) + 4 (FCS)).
MempoolPlan plan_mempool(const MempoolInputs& inputs, std::uint16_t headroom) noexcept;

}  // namespace sluice::dpdk
