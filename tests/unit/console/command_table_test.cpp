// The command table is what the console does: help lists exactly its entries, a wrong
// invocation of an entry prints that entry's usage, and `help COMMAND` prints it too.
#include "control/console/command_table.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "control/console/commands.hpp"
#include "tests/unit/console/fake_model.hpp"

namespace sluice::console {
namespace {

class CommandTableTest : public ::testing::Test {
 protected:
  std::string run(std::string_view line) { return commands_.execute(line).output; }

  testing::FakeModel model_;
  ConsoleCommands commands_{model_};
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

// The usages after "error: usage: ", which joins those of the entries sharing a name by " | ".
std::vector<std::string> usages_in(const std::string& output) {
  constexpr std::string_view kPrefix = "error: usage: ";
  std::vector<std::string> usages;
  if (!output.starts_with(kPrefix) || !output.ends_with('\n')) return usages;
  std::string rest = output.substr(kPrefix.size(), output.size() - kPrefix.size() - 1);
  for (std::size_t bar; (bar = rest.find(" | ")) != std::string::npos; rest.erase(0, bar + 3)) {
    usages.push_back(rest.substr(0, bar));
  }
  usages.push_back(rest);
  return usages;
}

TEST_F(CommandTableTest, HelpListsExactlyTheTableInItsOrder) {
  const std::vector<std::string> lines = lines_of(run("help"));
  const std::span<const Command> table = command_table();
  ASSERT_EQ(lines.size(), table.size() + 1) << run("help");
  EXPECT_TRUE(lines[0].starts_with("command ")) << lines[0];
  for (std::size_t i = 0; i < table.size(); ++i) {
    const std::string& line = lines[i + 1];
    const std::string form = usage(table[i]);
    // The usage, the column's padding, the description.
    EXPECT_TRUE(line.starts_with(form + "  ")) << line;
    EXPECT_TRUE(line.ends_with(table[i].description)) << line;
    EXPECT_EQ(line.substr(form.size()).find_first_not_of(' '),
              line.size() - form.size() - table[i].description.size())
        << line;
  }
}

// The first entry with this name, or null.
const Command* entry(std::string_view name) {
  for (const Command& command : command_table()) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

TEST_F(CommandTableTest, UsageIsTheNameThenTheForm) {
  ASSERT_TRUE(entry("show conntrack") && entry("quit") && entry("reload"));
  EXPECT_EQ(usage(*entry("show conntrack")), "show conntrack [SERVICE] [limit N] [json]");
  EXPECT_EQ(usage(*entry("quit")), "quit, exit");
  EXPECT_EQ(usage(*entry("reload")), "reload");
}

// Six words that no form takes after a name: none of their literals, and more words than any
// form has.
constexpr std::string_view kWrongArguments = " x1 x2 x3 x4 x5 x6";

TEST_F(CommandTableTest, AWrongInvocationOfEveryEntryPrintsItsUsage) {
  for (const Command& command : command_table()) {
    if (command.name == "help") continue;  // any words are a topic: below
    for (const std::string_view name : {command.name, command.alias}) {
      if (name.empty()) continue;
      const std::string line = std::string(name) + std::string(kWrongArguments);
      const std::string output = run(line);
      const std::vector<std::string> usages = usages_in(output);
      EXPECT_NE(std::find(usages.begin(), usages.end(), usage(command)), usages.end())
          << line << " -> " << output;
      // The other usages printed are those of the entries that share its name.
      for (const std::string& printed : usages) {
        bool shares_name = false;
        for (const Command& other : command_table()) {
          shares_name = shares_name || (usage(other) == printed && other.name == command.name);
        }
        EXPECT_TRUE(shares_name) << line << " -> " << printed;
      }
    }
  }
}

TEST_F(CommandTableTest, HelpCommandPrintsTheUsageOfEveryEntryItNames) {
  for (const Command& command : command_table()) {
    for (const std::string_view name : {command.name, command.alias}) {
      if (name.empty()) continue;
      const std::string output = run("help " + std::string(name));
      EXPECT_NE(output.find("usage: " + usage(command) + "\n  " +
                            std::string(command.description) + "\n"),
                std::string::npos)
          << name << " -> " << output;
    }
  }
  EXPECT_EQ(run("help show stats"),
            "usage: show stats [json]\n"
            "  datapath counters, total and per worker, drops by reason\n");
  EXPECT_EQ(run("help  show  stats json"), run("help show stats"));
  EXPECT_EQ(lines_of(run("help show")).size(), 2U * 8U);  // the eight show commands
  EXPECT_EQ(run("help backend"),
            "usage: backend enable|disable SERVICE ADDR:PORT\n"
            "  take a backend in or out of scheduling\n"
            "usage: backend weight SERVICE ADDR:PORT N\n"
            "  change a weight (0 drains: no new flows)\n");
  EXPECT_EQ(run("help exit"), "usage: quit, exit\n  close this session\n");
  // A topic that names no command: the line is then no command either.
  EXPECT_EQ(run("help frobnicate now"),
            "error: unknown command 'help frobnicate now' (type 'help')\n");
}

TEST_F(CommandTableTest, EveryLogLevelOfTheFormIsAccepted) {
  for (const std::string_view level : {"trace", "debug", "info", "warn", "error"}) {
    EXPECT_EQ(run("log level " + std::string(level)),
              "log level set to " + std::string(level) + "\n");
  }
  ASSERT_TRUE(entry("log level"));
  EXPECT_EQ(entry("log level")->arguments, "trace|debug|info|warn|error");
  EXPECT_EQ(model_.log_levels.size(), 5U);
}

}  // namespace
}  // namespace sluice::console
