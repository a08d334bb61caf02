// The pure rules of bounded embryonic state (dataplane/shared/embryonic.h) and the worker's
// ring over them (dataplane/conntrack/embryonic_ring.hpp). The datapaths' use of them is
// pinned by tests/fixtures/embryonic.json (both datapaths) and worker_test.cpp.
#include <gtest/gtest.h>

#include <vector>

#include "dataplane/conntrack/embryonic_ring.hpp"
#include "dataplane/shared/embryonic.h"

namespace sluice::conntrack {
namespace {

TEST(EmbryonicRule, SynSentAndSynRecvAreEmbryonic) {
  EXPECT_TRUE(sl_is_embryonic(SL_TCP_SYN_SENT));
  EXPECT_TRUE(sl_is_embryonic(SL_TCP_SYN_RECV));
  for (const std::uint8_t state : {SL_TCP_ESTABLISHED, SL_TCP_FIN_WAIT, SL_TCP_CLOSE_WAIT, SL_TCP_LAST_ACK,
                                   SL_TCP_TIME_WAIT, SL_TCP_CLOSE, SL_UDP_ACTIVE}) {
    EXPECT_FALSE(sl_is_embryonic(state)) << int{state};
  }
}

TEST(EmbryonicRule, PressureFromHalfTheCap) {
  EXPECT_FALSE(sl_embryonic_pressure(0, 16384));
  EXPECT_FALSE(sl_embryonic_pressure(8191, 16384));
  EXPECT_TRUE(sl_embryonic_pressure(8192, 16384));
  EXPECT_FALSE(sl_embryonic_pressure(2, 5));  // 4 < 5: below half
  EXPECT_TRUE(sl_embryonic_pressure(3, 5));
  EXPECT_FALSE(sl_embryonic_pressure(1, 4));
  EXPECT_TRUE(sl_embryonic_pressure(2, 4));
  EXPECT_FALSE(sl_embryonic_pressure(100, 0));  // no cap: never
}

TEST(EmbryonicRule, PressureShortensOnlyEmbryonicMarkedFlows) {
  constexpr std::uint64_t kSyn = 30, kPressure = 3, kEst = 7200, kClosing = 60, kUdp = 45;
  const auto timeout = [&](std::uint8_t state, std::uint8_t flags) {
    return sl_flow_idle_timeout_ns(state, flags, kSyn, kPressure, kEst, kClosing, kUdp);
  };
  EXPECT_EQ(timeout(SL_TCP_SYN_SENT, 0), kSyn);
  EXPECT_EQ(timeout(SL_TCP_SYN_SENT, SL_FLOW_SYN_PRESSURE), kPressure);
  EXPECT_EQ(timeout(SL_TCP_SYN_RECV, SL_FLOW_SYN_PRESSURE), kPressure);
  // Once established the mark no longer matters: an established flow never gets the short one.
  EXPECT_EQ(timeout(SL_TCP_ESTABLISHED, SL_FLOW_SYN_PRESSURE), kEst);
  EXPECT_EQ(timeout(SL_TCP_FIN_WAIT, SL_FLOW_SYN_PRESSURE), kClosing);
  EXPECT_EQ(timeout(SL_UDP_ACTIVE, SL_FLOW_SYN_PRESSURE), kUdp);
  // A pressure timeout above the SYN timeout never lengthens it.
  EXPECT_EQ(sl_flow_idle_timeout_ns(SL_TCP_SYN_SENT, SL_FLOW_SYN_PRESSURE, 2, 3, kEst, kClosing, kUdp), 2u);
}

TEST(EmbryonicRule, RingSlots) {
  EXPECT_EQ(sl_embryonic_ring_size(16384, 1048576), 16384u);
  EXPECT_EQ(sl_embryonic_ring_size(65536, 1024), 1024u);
  // Before the ring wraps the oldest flow is in slot 0, after it the next slot to be taken.
  EXPECT_EQ(sl_embryonic_oldest_slot(3, 4), 0u);
  EXPECT_EQ(sl_embryonic_filled(3, 4), 3u);
  EXPECT_EQ(sl_embryonic_oldest_slot(4, 4), 0u);
  EXPECT_EQ(sl_embryonic_oldest_slot(6, 4), 2u);
  EXPECT_EQ(sl_embryonic_filled(6, 4), 4u);
  EXPECT_EQ(sl_embryonic_slot(6, 4), 2u);
}

TEST(EmbryonicRing, NextIsTheFlowCreatedRingSizeFlowsBefore) {
  EmbryonicRing ring(3);
  EXPECT_EQ(ring.next().serial, 0u);  // empty
  ring.push(10, 1);
  ring.push(11, 2);
  ring.push(12, 3);
  EXPECT_EQ(ring.next().flow_id, 10u);
  EXPECT_EQ(ring.next().serial, 1u);
  ring.push(13, 4);
  EXPECT_EQ(ring.next().flow_id, 11u);
}

TEST(EmbryonicRing, FindOldestWalksFromTheOldestWithinTheBudget) {
  EmbryonicRing ring(4);
  for (std::uint32_t i = 0; i < 6; ++i) ring.push(100 + i, i + 1);  // slots: 104 105 102 103
  std::vector<std::uint32_t> seen;
  EXPECT_FALSE(ring.find_oldest(64, [&](const EmbryonicSlot& slot) {
    seen.push_back(slot.flow_id);
    return false;
  }));
  EXPECT_EQ(seen, (std::vector<std::uint32_t>{102, 103, 104, 105}));
  seen.clear();
  EXPECT_TRUE(ring.find_oldest(64, [&](const EmbryonicSlot& slot) {
    seen.push_back(slot.flow_id);
    return slot.flow_id == 104;
  }));
  EXPECT_EQ(seen, (std::vector<std::uint32_t>{102, 103, 104}));
  seen.clear();
  ring.find_oldest(2, [&](const EmbryonicSlot& slot) {
    seen.push_back(slot.flow_id);
    return false;
  });
  EXPECT_EQ(seen, (std::vector<std::uint32_t>{102, 103}));
  // Not yet wrapped: only the filled slots, from slot 0.
  EmbryonicRing young(4);
  young.push(7, 1);
  seen.clear();
  young.find_oldest(64, [&](const EmbryonicSlot& slot) {
    seen.push_back(slot.flow_id);
    return false;
  });
  EXPECT_EQ(seen, std::vector<std::uint32_t>{7});
}

}  // namespace
}  // namespace sluice::conntrack
