#include "dataplane/pipeline/drop_walk.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace sluice::pipeline {
namespace {

// A block where every slot holds its own value: a reason read from the wrong slot shows.
WorkerCounters distinct_counts() {
  WorkerCounters counters;
  for (std::size_t i = 0; i < counters.parse_drops.size(); ++i) counters.parse_drops[i] = 100 + i;
  for (std::size_t i = 0; i < counters.pipeline_drops.size(); ++i) {
    counters.pipeline_drops[i] = 200 + i;
  }
  for (std::size_t i = 0; i < counters.insertion_drops.size(); ++i) {
    counters.insertion_drops[i] = 300 + i;
  }
  return counters;
}

std::vector<DropCount> walk(const WorkerCounters& counters) {
  std::vector<DropCount> drops;
  for_each_drop(counters, [&drops](const DropCount& drop) { drops.push_back(drop); });
  return drops;
}

TEST(DropWalk, YieldsEveryReasonOfEveryStageOnceWithItsCount) {
  const std::vector<DropCount> drops = walk(distinct_counts());
  // kNone of the parser and of the insertion engine are successes, not reasons; the insertion
  // engine defines ten reasons (decision.hpp).
  constexpr std::size_t kInsertionReasons = 10;
  ASSERT_EQ(drops.size(), (packet::kDropReasonCount - 1) + kPipelineDropCount + kInsertionReasons);

  std::set<std::string> names;
  for (const DropCount& drop : drops) {
    EXPECT_TRUE(names.insert(drop.name()).second) << "twice: " << drop.name();
    EXPECT_NE(drop.reason, "none");
    EXPECT_NE(drop.reason, "unknown");
  }
  EXPECT_EQ(drops.front().stage, DropStage::kParse);
  EXPECT_EQ(drops.front().reason, "truncated_ethernet");
  EXPECT_EQ(drops.front().count, 101U);
  EXPECT_EQ(drops[packet::kDropReasonCount - 1].stage, DropStage::kPipeline);
  EXPECT_EQ(drops[packet::kDropReasonCount - 1].reason, "not_for_us");
  EXPECT_EQ(drops[packet::kDropReasonCount - 1].count, 200U);
  EXPECT_EQ(drops.back().stage, DropStage::kTcpInsertion);
  EXPECT_EQ(drops.back().reason, "backend_not_synchronized");
  EXPECT_EQ(drops.back().count, 300U + kInsertionReasons);
}

TEST(DropWalk, CountsComeFromTheReasonsOwnSlot) {
  for (const DropCount& drop : walk(distinct_counts())) {
    const WorkerCounters counters = distinct_counts();
    std::uint64_t expected = 0;
    switch (drop.stage) {
      case DropStage::kParse:
        for (std::size_t i = 0; i < packet::kDropReasonCount; ++i) {
          if (packet::drop_reason_name(static_cast<packet::DropReason>(i)) == drop.reason) {
            expected = counters.parse_drops[i];
          }
        }
        break;
      case DropStage::kPipeline:
        for (std::size_t i = 0; i < kPipelineDropCount; ++i) {
          if (pipeline_drop_name(static_cast<PipelineDrop>(i)) == drop.reason) {
            expected = counters.pipeline_drops[i];
          }
        }
        break;
      case DropStage::kTcpInsertion:
        for (std::size_t i = 0; i < counters.insertion_drops.size(); ++i) {
          if (insertion::to_string(static_cast<insertion::InsertionDrop>(i)) == drop.reason) {
            expected = counters.insertion_drops[i];
          }
        }
        break;
    }
    EXPECT_EQ(drop.count, expected) << drop.name();
  }
}

TEST(DropWalk, ZeroCountsAreYieldedToo) {
  // Metrics export every reason from the first scrape; the walk leaves filtering to its callers.
  const std::vector<DropCount> drops = walk(WorkerCounters{});
  EXPECT_EQ(drops.size(), walk(distinct_counts()).size());
  for (const DropCount& drop : drops) EXPECT_EQ(drop.count, 0U) << drop.name();
}

TEST(DropWalk, NamesCarryTheStagePrefix) {
  EXPECT_EQ((DropCount{DropStage::kParse, "truncated_tcp", 0}).name(), "parse:truncated_tcp");
  EXPECT_EQ((DropCount{DropStage::kPipeline, "no_backend", 0}).name(), "no_backend");
  EXPECT_EQ((DropCount{DropStage::kTcpInsertion, "client_syn_ack", 0}).name(),
            "tcp_client_syn_ack");
}

}  // namespace
}  // namespace sluice::pipeline
