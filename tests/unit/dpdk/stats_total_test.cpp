// StatsSnapshot::total(): every pipeline counter of every worker summed (no EAL involved).
#include <gtest/gtest.h>

#include "dataplane/dpdk/datapath.hpp"

namespace sluice::dpdk {
namespace {

TEST(StatsSnapshot, TotalSumsEveryWorkerCounter) {
  StatsSnapshot snapshot;
  WorkerStats first;
  first.pipeline.rx_packets = 10;
  first.pipeline.tx_packets = 7;
  first.pipeline.dropped = 3;
  first.pipeline.flows_created = 2;
  first.pipeline.flows_active = 1;
  first.pipeline.pp_inserted = 2;
  first.pipeline.parse_drops[1] = 2;
  first.pipeline.pipeline_drops[0] = 1;
  first.pipeline.insertion_drops[15] = 4;
  WorkerStats second;
  second.pipeline.rx_packets = 5;
  second.pipeline.rx_bytes = 300;
  second.pipeline.icmp_echo_replies = 1;
  second.pipeline.arp_replies = 2;
  second.pipeline.parse_drops[1] = 1;
  second.pipeline.pipeline_drops[0] = 6;
  second.pipeline.insertion_drops[15] = 1;
  snapshot.workers = {first, second};

  const pipeline::WorkerCounters total = snapshot.total();
  EXPECT_EQ(total.rx_packets, 15U);
  EXPECT_EQ(total.rx_bytes, 300U);
  EXPECT_EQ(total.tx_packets, 7U);
  EXPECT_EQ(total.dropped, 3U);
  EXPECT_EQ(total.flows_created, 2U);
  EXPECT_EQ(total.flows_active, 1U);
  EXPECT_EQ(total.pp_inserted, 2U);
  EXPECT_EQ(total.icmp_echo_replies, 1U);
  EXPECT_EQ(total.arp_replies, 2U);
  EXPECT_EQ(total.parse_drops[1], 3U);
  EXPECT_EQ(total.parse_drops[0], 0U);
  EXPECT_EQ(total.pipeline_drops[0], 7U);
  EXPECT_EQ(total.insertion_drops[15], 5U);
}

TEST(StatsSnapshot, EmptySnapshotTotalsZero) {
  const pipeline::WorkerCounters total = StatsSnapshot{}.total();
  EXPECT_EQ(total.rx_packets, 0U);
  EXPECT_EQ(total.pipeline_drops[0], 0U);
}

}  // namespace
}  // namespace sluice::dpdk
