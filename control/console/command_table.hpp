#pragma once
// The console's commands, one table: each entry's name, the form of its arguments, its
// one-line description and its handler. The dispatcher (commands.cpp), `help` and every usage
// error read it, so a command is added, documented and given its syntax in one place.
#include <span>
#include <string>
#include <string_view>

#include "control/console/commands.hpp"
#include "control/console/grammar.hpp"
#include "control/console/model.hpp"

namespace sluice::console {

using Handler = CommandResult (*)(ConsoleModel& model, const Arguments& arguments);

struct Command {
  std::string_view name;         // the words that select it: "show stats", "backend"
  std::string_view alias;        // another name for it ("exit"), or empty
  std::string_view arguments;    // the form of the words after the name (grammar.hpp)
  std::string_view description;  // help's one line
  Handler handler;
};

// In the spec's order, which is help's. Entries may share a name ("backend"): a line with
// that name is matched against each of their forms in turn.
std::span<const Command> command_table();

// "show conntrack [SERVICE] [limit N] [json]", "quit, exit": help's first column, and what
// "error: usage: " is followed by when a line has the command's name but not its form.
std::string usage(const Command& command);

}  // namespace sluice::console
