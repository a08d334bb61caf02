#pragma once
// How the command handlers build their answers, the same way everywhere: text lines, an
// "error: " line (spec: errors start with "error: "), or one JSON document on one line.
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "control/console/commands.hpp"
#include "control/console/model.hpp"

namespace sluice::console {

// Keys keep the order they are written in, the spec's order, so humans reading JSON find them
// where the spec lists them (JSON itself does not care).
using Json = nlohmann::ordered_json;

inline CommandResult text(std::string output) { return CommandResult{std::move(output), false}; }

inline CommandResult error(std::string_view message) {
  return text(fmt::format("error: {}\n", message));
}

inline CommandResult json_line(const Json& document) { return text(document.dump() + "\n"); }

// What a state-changing command answers: the model's message, or its error.
inline CommandResult change(const ChangeResult& result) {
  if (!result.error.empty()) return error(result.error);
  std::string output = result.message;
  if (!output.empty() && output.back() != '\n') output += '\n';
  return text(std::move(output));
}

}  // namespace sluice::console
