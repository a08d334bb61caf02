#include "control/console/commands.hpp"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "control/console/command_table.hpp"
#include "control/console/grammar.hpp"
#include "control/console/reply.hpp"

namespace sluice::console {
namespace {

// How many of the line's first words are the command's name (or its alias); nullopt when the
// line does not start with it.
std::optional<std::size_t> name_length(const Command& command, const Words& words) {
  for (const std::string_view name : {command.name, command.alias}) {
    if (name.empty()) continue;
    const Words name_words = split_words(name);
    if (name_words.size() <= words.size() &&
        std::equal(name_words.begin(), name_words.end(), words.begin())) {
      return name_words.size();
    }
  }
  return std::nullopt;
}

CommandResult unknown(Words words) {
  // A trailing `json` is what every show takes (spec), not part of the name that was not found.
  if (words.size() >= 2 && words.front() == "show" && words.back() == "json") words.pop_back();
  std::string line;
  for (const std::string_view word : words) {
    if (!line.empty()) line += ' ';
    line += word;
  }
  return error(fmt::format("unknown command '{}' (type 'help')", line));
}

}  // namespace

CommandResult ConsoleCommands::execute(std::string_view line) {
  const Words words = split_words(line);
  if (words.empty()) return {};
  // Every entry with this name in turn (several share "backend"); the first whose form the
  // rest of the line matches runs.
  std::vector<std::string> usages;
  for (const Command& command : command_table()) {
    const std::optional<std::size_t> length = name_length(command, words);
    if (!length) continue;
    const std::span<const std::string_view> rest = std::span(words).subspan(*length);
    if (const std::optional<Arguments> arguments = match_form(command.arguments, rest)) {
      return command.handler(model_, *arguments);
    }
    usages.push_back(usage(command));
  }
  if (usages.empty()) return unknown(words);
  std::string all;
  for (const std::string& form : usages) all += all.empty() ? form : " | " + form;
  return error(fmt::format("usage: {}", all));
}

}  // namespace sluice::console
