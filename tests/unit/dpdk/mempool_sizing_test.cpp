// The mbuf pool formula of mempool_sizing.hpp, with the sums worked out by hand.
#include <gtest/gtest.h>

#include "dataplane/dpdk/mempool_sizing.hpp"

namespace sluice::dpdk {
namespace {

TEST(MempoolSizing, DefaultTwoPortsOneWorker) {
  MempoolInputs in;
  in.ports = 2;
  // descriptors 2*1*(1024+1024) = 4096; per worker 32*(2+2) + 1024 + 32 = 1184;
  // caches 2*256 = 512; total 5792 -> 8191.
  const MempoolPlan plan = plan_mempool(in, 128);
  EXPECT_EQ(plan.mbufs, 8191U);
  EXPECT_EQ(plan.data_room, 2048 + 128);
  EXPECT_EQ(plan.cache_size, 256U);
}

TEST(MempoolSizing, FourWorkersFourQueues) {
  MempoolInputs in;
  in.ports = 2;
  in.queues_per_port = 4;
  in.workers = 4;
  in.burst = 64;
  // descriptors 2*4*2048 = 16384; per worker 64*4 + 1024 + 32 = 1312, x4 = 5248;
  // caches 5*256 = 1280; total 22912 -> 32767.
  EXPECT_EQ(plan_mempool(in, 128).mbufs, 32767U);
}

TEST(MempoolSizing, ExactPowerOfTwoStillLeavesRoom) {
  MempoolInputs in;
  in.ports = 1;
  in.rx_descriptors = 0;
  in.tx_descriptors = 0;
  in.burst = 0;
  in.ring_size = 0;
  in.neighbor_pending = 0;
  in.cache_size = 4;  // workers + 1 = 2 -> 8 needed
  EXPECT_EQ(plan_mempool(in, 128).mbufs, 15U);  // 2^4 - 1 >= 8
  in.cache_size = 0;
  in.neighbor_pending = 7;  // 7 needed -> 7 = 2^3 - 1
  EXPECT_EQ(plan_mempool(in, 128).mbufs, 7U);
}

TEST(MempoolSizing, JumboMtuGrowsTheDataRoom) {
  MempoolInputs in;
  in.max_mtu = 9000;
  // 9000 + 14 + 8 + 4 = 9026, plus 128 headroom.
  EXPECT_EQ(plan_mempool(in, 128).data_room, 9154);
  in.max_mtu = 2022;  // 2022 + 26 = 2048: the default still fits
  EXPECT_EQ(plan_mempool(in, 128).data_room, 2176);
  in.max_mtu = 2023;
  EXPECT_EQ(plan_mempool(in, 128).data_room, 2177);
}

}  // namespace
}  // namespace sluice::dpdk
