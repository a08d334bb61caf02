#pragma once
// The console's command interpreter (spec cli-console.md, "Console"): one command line in, the
// text to send back out. No sockets here: the server (server.hpp) feeds it the lines that the
// line discipline (line_discipline.hpp) accepted, and tests drive it with a fake ConsoleModel.
// What each command accepts and does is its entry in the command table (command_table.hpp).
//
// Output is newline-terminated text. Errors start with "error: ". Every `show` command takes a
// trailing `json` and then answers exactly one JSON document on one line.
#include <string>
#include <string_view>

#include "control/console/model.hpp"

namespace sluice::console {

struct CommandResult {
  std::string output;          // every line ends with '\n'; empty for an empty command line
  bool close_session = false;  // `quit` / `exit`
};

class ConsoleCommands {
 public:
  explicit ConsoleCommands(ConsoleModel& model) noexcept : model_(model) {}

  // `line` is one printable command line without its line terminator.
  CommandResult execute(std::string_view line);

 private:
  ConsoleModel& model_;
};

}  // namespace sluice::console
