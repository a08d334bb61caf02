// The commands that change something (backends, flows, configuration, log level) and `quit`.
// The model does the change and says what it did; values are checked here, before reaching it.
#include <cstdint>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "control/cli/logging.hpp"
#include "control/config/limits.hpp"
#include "control/console/handlers.hpp"
#include "control/console/reply.hpp"

namespace sluice::console::handlers {
namespace {

// The largest weight a backend takes, as in the configuration (spec config.md).
constexpr std::uint64_t kMaxWeight = config::limits::kMaxWeight;

}  // namespace

CommandResult backend_enable(ConsoleModel& model, const Arguments& arguments) {
  const bool enable = arguments.get("enable|disable") == "enable";
  return change(model.set_backend_enabled(*arguments.get("SERVICE"), *arguments.get("ADDR:PORT"),
                                          enable));
}

CommandResult backend_weight(ConsoleModel& model, const Arguments& arguments) {
  const auto weight = parse_unsigned(*arguments.get("N"), kMaxWeight);
  if (!weight) {
    return error(fmt::format("backend weight: N must be 0..{}, not '{}'", kMaxWeight,
                             *arguments.get("N")));
  }
  return change(model.set_backend_weight(*arguments.get("SERVICE"), *arguments.get("ADDR:PORT"),
                                         static_cast<std::uint32_t>(*weight)));
}

CommandResult conntrack_flush(ConsoleModel& model, const Arguments& arguments) {
  return change(model.flush_conntrack(arguments.get("SERVICE")));
}

CommandResult reload(ConsoleModel& model, const Arguments& /*arguments*/) {
  return change(model.reload());
}

CommandResult log_level(ConsoleModel& model, const Arguments& arguments) {
  const std::string_view name = *arguments.get("trace|debug|info|warn|error");
  // The form admits exactly the names parse_log_level knows.
  const std::optional<spdlog::level::level_enum> level = cli::parse_log_level(name);
  if (!level) return error(fmt::format("unknown log level '{}'", name));
  model.set_log_level(*level);
  return text(fmt::format("log level set to {}\n", name));
}

CommandResult quit(ConsoleModel& /*model*/, const Arguments& /*arguments*/) {
  return CommandResult{"bye\n", true};
}

}  // namespace sluice::console::handlers
