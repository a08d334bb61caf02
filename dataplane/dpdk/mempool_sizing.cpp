#include "dataplane/dpdk/mempool_sizing.hpp"

#include <algorithm>
#include <bit>

namespace sluice::dpdk {

MempoolPlan plan_mempool(const MempoolInputs& in, std::uint16_t headroom) noexcept {
  const std::uint64_t descriptors =
      std::uint64_t{in.ports} * in.queues_per_port * (in.rx_descriptors + in.tx_descriptors);
  const std::uint64_t per_worker = std::uint64_t{in.burst} * (2 + in.ports) + in.ring_size +
                                   in.neighbor_pending;
  const std::uint64_t caches = std::uint64_t{in.workers + 1} * in.cache_size;
  const std::uint64_t needed = descriptors + per_worker * in.workers + caches;
  // Round up to 2^k - 1: the smallest power of two strictly above `needed`, minus one.
  const std::uint64_t mbufs = std::bit_ceil(needed + 1) - 1;

  constexpr std::uint32_t kDefaultDataRoom = 2048;
  constexpr std::uint32_t kL2Overhead = 14 + 8 + 4;
  const std::uint32_t frame = std::max<std::uint32_t>(kDefaultDataRoom, in.max_mtu + kL2Overhead);
  MempoolPlan plan;
  plan.mbufs = static_cast<std::uint32_t>(std::min<std::uint64_t>(mbufs, 0xFFFF'FFFFU));
  plan.data_room = static_cast<std::uint16_t>(std::min<std::uint32_t>(frame + headroom, 0xFFFF));
  plan.cache_size = in.cache_size;
  return plan;
}

}  // namespace sluice::dpdk
