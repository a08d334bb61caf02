#include "control/console/command_table.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "control/console/handlers.hpp"
#include "control/console/reply.hpp"
#include "control/console/text_table.hpp"

namespace sluice::console {
namespace {

CommandResult help(ConsoleModel& model, const Arguments& arguments);

// Every command of the spec (cli-console.md), in its order.
constexpr auto kCommands = std::to_array<Command>({
    {"help", "", "[COMMAND...]", "list the commands, or the usage of one", help},
    {"show version", "", "[json]", "version, build, datapath mode", handlers::show_version},
    {"show interfaces", "", "[json]", "name, MAC, addresses, link, rx/tx packets and bytes, drops",
     handlers::show_interfaces},
    {"show services", "", "[json]",
     "VIP:port/proto, scheduler, PROXY version, backends up/total, flows",
     handlers::show_services},
    {"show backends", "", "[SERVICE] [json]", "address:port, weight, state, active and total flows",
     handlers::show_backends},
    {"show conntrack", "", "[SERVICE] [limit N] [json]", "the flow table (default limit 1000)",
     handlers::show_conntrack},
    {"show stats", "", "[json]", "datapath counters, total and per worker, drops by reason",
     handlers::show_stats},
    {"show neighbors", "", "[json]", "the ARP/NDP table", handlers::show_neighbors},
    {"show routes", "", "[json]", "connected subnets and configured routes",
     handlers::show_routes},
    {"backend", "", "enable|disable SERVICE ADDR:PORT", "take a backend in or out of scheduling",
     handlers::backend_enable},
    {"backend", "", "weight SERVICE ADDR:PORT N", "change a weight (0 drains: no new flows)",
     handlers::backend_weight},
    {"conntrack flush", "", "[SERVICE]", "drop the flows of one service or all",
     handlers::conntrack_flush},
    {"reload", "", "", "re-read the config file and apply the difference", handlers::reload},
    {"log level", "", "trace|debug|info|warn|error", "change the log level", handlers::log_level},
    {"quit", "exit", "", "close this session", handlers::quit},
});

// Does the topic name this command: the start of its name ("show": every show command), or
// its name followed by some of its arguments ("show stats json")?
bool names(const Command& command, const Words& topic) {
  for (const std::string_view name : {command.name, command.alias}) {
    if (name.empty()) continue;
    const Words words = split_words(name);
    const std::size_t common = std::min(words.size(), topic.size());
    if (std::equal(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(common),
                   topic.begin())) {
      return true;
    }
  }
  return false;
}

// help: every command with its description; help COMMAND: the usage of the commands it names.
CommandResult help(ConsoleModel& /*model*/, const Arguments& arguments) {
  const std::optional<std::string_view> topic = arguments.get("COMMAND");
  if (!topic) {
    TextTable table({"command", "description"});
    for (const Command& command : kCommands) {
      table.add_row({usage(command), std::string(command.description)});
    }
    return text(table.render());
  }
  const Words words = split_words(*topic);
  std::string output;
  for (const Command& command : kCommands) {
    if (names(command, words)) {
      output += fmt::format("usage: {}\n  {}\n", usage(command), command.description);
    }
  }
  if (output.empty()) {
    // The line as a whole is then no command the console knows, as before `help COMMAND`.
    std::string line = "help";
    for (const std::string_view word : words) line += fmt::format(" {}", word);
    return error(fmt::format("unknown command '{}' (type 'help')", line));
  }
  return text(std::move(output));
}

}  // namespace

std::span<const Command> command_table() { return kCommands; }

std::string usage(const Command& command) {
  std::string text(command.name);
  if (!command.alias.empty()) text += fmt::format(", {}", command.alias);
  if (!command.arguments.empty()) text += fmt::format(" {}", command.arguments);
  return text;
}

}  // namespace sluice::console
