#pragma once
// The handlers of the console's commands, one per entry of the command table
// (command_table.cpp). The table has matched the line against the entry's form before calling
// one, so a handler reads its arguments by their names in the form and checks only values.
#include "control/console/commands.hpp"
#include "control/console/grammar.hpp"
#include "control/console/model.hpp"

namespace sluice::console::handlers {

// show_commands.cpp: read-only, each with a table and a `json` form.
CommandResult show_version(ConsoleModel& model, const Arguments& arguments);
CommandResult show_interfaces(ConsoleModel& model, const Arguments& arguments);
CommandResult show_services(ConsoleModel& model, const Arguments& arguments);
CommandResult show_backends(ConsoleModel& model, const Arguments& arguments);
CommandResult show_conntrack(ConsoleModel& model, const Arguments& arguments);
CommandResult show_stats(ConsoleModel& model, const Arguments& arguments);
CommandResult show_neighbors(ConsoleModel& model, const Arguments& arguments);
CommandResult show_routes(ConsoleModel& model, const Arguments& arguments);

// action_commands.cpp: the commands that change something, and the end of the session.
CommandResult backend_enable(ConsoleModel& model, const Arguments& arguments);
CommandResult backend_weight(ConsoleModel& model, const Arguments& arguments);
CommandResult conntrack_flush(ConsoleModel& model, const Arguments& arguments);
CommandResult reload(ConsoleModel& model, const Arguments& arguments);
CommandResult log_level(ConsoleModel& model, const Arguments& arguments);
CommandResult quit(ConsoleModel& model, const Arguments& arguments);

}  // namespace sluice::console::handlers
