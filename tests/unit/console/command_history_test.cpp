#include "control/console/command_history.hpp"

#include <string>

#include <gtest/gtest.h>

namespace sluice::console {
namespace {

TEST(CommandHistory, KeepsRunLinesNewestLastWithoutEmptiesOrRepeats) {
  CommandHistory history;
  history.add("show stats");
  history.add("");
  history.add("   ");
  history.add("show version");
  history.add("show version");  // the same again: one entry
  history.add("show stats");    // not the newest: kept again
  ASSERT_EQ(history.size(), 3U);
  EXPECT_EQ(history.back(1), "show stats");
  EXPECT_EQ(history.back(2), "show version");
  EXPECT_EQ(history.back(3), "show stats");
}

TEST(CommandHistory, IsBounded) {
  CommandHistory history;
  for (std::size_t i = 0; i < CommandHistory::kMaxEntries + 50; ++i) {
    history.add("show backends s" + std::to_string(i));
  }
  EXPECT_EQ(history.size(), CommandHistory::kMaxEntries);
  EXPECT_EQ(history.back(1), "show backends s149");
  EXPECT_EQ(history.back(CommandHistory::kMaxEntries), "show backends s50");
}

TEST(CommandHistory, BangBangIsTheNewestEntry) {
  CommandHistory history;
  EXPECT_EQ(history.expand("!!"), std::nullopt);
  EXPECT_EQ(history.expand("show stats"), "show stats");
  history.add("show conntrack web");
  EXPECT_EQ(history.expand("!!"), "show conntrack web");
  EXPECT_EQ(history.expand("  !!\t"), "show conntrack web");
  EXPECT_EQ(history.expand("!! json"), "!! json");  // only "!!" alone: no word designators
  EXPECT_TRUE(CommandHistory::is_repeat(" !! "));
  EXPECT_FALSE(CommandHistory::is_repeat("!"));
}

}  // namespace
}  // namespace sluice::console
