// `show stats`, the exit log and /metrics name the same drop reasons with the same counts: an
// operator who reads a reason in one finds it in the other two (issue 13: the console used to
// leave out the insertion engine's tcp_* reasons).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "control/console/commands.hpp"
#include "control/metrics/render.hpp"
#include "control/runtime/stats_summary.hpp"
#include "dataplane/pipeline/counters.hpp"
#include "tests/unit/console/fake_model.hpp"

namespace sluice::runtime {
namespace {

using Names = std::map<std::string, std::uint64_t>;

// Every slot of every drop array non-zero and distinct, the undefined ones included, so that a
// reason one output leaves out, or reads from the wrong slot, shows as a difference.
pipeline::WorkerCounters every_slot_counted() {
  pipeline::WorkerCounters counters;
  std::uint64_t next = 1;
  for (std::uint64_t& slot : counters.parse_drops) slot = next++;
  for (std::uint64_t& slot : counters.pipeline_drops) slot = next++;
  for (std::uint64_t& slot : counters.insertion_drops) slot = next++;
  return counters;
}

class DropNamesTest : public ::testing::Test {
 protected:
  DropNamesTest() { model_.stats_view = {counters_, {counters_}}; }

  Names console_json() {
    const nlohmann::json document =
        nlohmann::json::parse(console::ConsoleCommands(model_).execute("show stats json").output);
    Names names;
    for (const auto& [name, count] : document["drops"].items()) {
      names[name] = count.get<std::uint64_t>();
    }
    return names;
  }

  // The lines after "drops by reason:", "  NAME COUNT".
  Names console_table() {
    std::istringstream lines(console::ConsoleCommands(model_).execute("show stats").output);
    Names names;
    bool in_drops = false;
    for (std::string line; std::getline(lines, line);) {
      if (line == "drops by reason:") {
        in_drops = true;
      } else if (in_drops) {
        std::istringstream words(line);
        std::string name;
        std::uint64_t count = 0;
        words >> name >> count;
        names[name] = count;
      }
    }
    return names;
  }

  // "NAME COUNT, NAME COUNT, ..."
  Names exit_log() const {
    std::istringstream entries(drop_reasons_line(counters_));
    Names names;
    for (std::string entry; std::getline(entries, entry, ',');) {
      std::istringstream words(entry);
      std::string name;
      std::uint64_t count = 0;
      words >> name >> count;
      names[name] = count;
    }
    return names;
  }

  // The two drop families of the page, named as docs/metrics.md maps them to `show stats`:
  // stage="parse" is "parse:REASON", stage="pipeline" is "REASON", the insertion detail is
  // "tcp_REASON".
  Names metrics() const {
    metrics::MetricsSnapshot snapshot;
    snapshot.stats = {counters_, {counters_}};
    std::istringstream lines(metrics::render_metrics(snapshot));
    const std::regex drops(
        R"re(sluice_drops_total\{worker="0",stage="(\w+)",reason="(\w+)"\} (\d+))re");
    const std::regex insertion(
        R"re(sluice_tcp_insertion_drops_total\{worker="0",reason="(\w+)"\} (\d+))re");
    Names names;
    for (std::string line; std::getline(lines, line);) {
      std::smatch match;
      if (std::regex_match(line, match, drops)) {
        const std::string prefix = match[1] == "parse" ? "parse:" : "";
        names[prefix + match[2].str()] = std::stoull(match[3]);
      } else if (std::regex_match(line, match, insertion)) {
        names["tcp_" + match[1].str()] = std::stoull(match[2]);
      }
    }
    return names;
  }

  pipeline::WorkerCounters counters_ = every_slot_counted();
  console::testing::FakeModel model_;
};

TEST_F(DropNamesTest, ConsoleExitLogAndMetricsNameTheSameReasonsWithTheSameCounts) {
  const Names json = console_json();
  // Every stage is there: a parse reason, a pipeline one and an insertion one.
  EXPECT_TRUE(json.contains("parse:truncated_tcp"));
  EXPECT_TRUE(json.contains("no_backend"));
  EXPECT_TRUE(json.contains("tcp_client_syn_ack"));
  EXPECT_EQ(console_table(), json);
  EXPECT_EQ(exit_log(), json);
  EXPECT_EQ(metrics(), json);
}

}  // namespace
}  // namespace sluice::runtime
