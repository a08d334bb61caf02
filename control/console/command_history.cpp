#include "control/console/command_history.hpp"

namespace sluice::console {
namespace {

std::string_view trimmed(std::string_view line) noexcept {
  const std::size_t first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const std::size_t last = line.find_last_not_of(" \t");
  return line.substr(first, last - first + 1);
}

}  // namespace

void CommandHistory::add(std::string_view line) {
  if (trimmed(line).empty()) return;
  if (!entries_.empty() && entries_.back() == line) return;
  entries_.emplace_back(line);
  if (entries_.size() > kMaxEntries) entries_.pop_front();
}

bool CommandHistory::is_repeat(std::string_view line) noexcept { return trimmed(line) == "!!"; }

std::optional<std::string> CommandHistory::expand(std::string_view line) const {
  if (!is_repeat(line)) return std::string(line);
  if (entries_.empty()) return std::nullopt;
  return entries_.back();
}

}  // namespace sluice::console
