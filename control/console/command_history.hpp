#pragma once
// A console session's command history (docs/console.md, "Line editing and history"): the
// lines it ran, newest last, for the up/down arrows of character mode and for "!!" in either
// mode. Bounded, so a session that runs commands for weeks holds kMaxEntries lines at most.
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::console {

class CommandHistory {
 public:
  static constexpr std::size_t kMaxEntries = 100;

  // Records a line that ran: not an empty one, not one equal to the newest (as shells do,
  // so that repeating a command does not push the others out of reach).
  void add(std::string_view line);

  std::size_t size() const noexcept { return entries_.size(); }
  // The entry `back` steps back: 1 is the newest. Requires 1 <= back <= size().
  const std::string& back(std::size_t back) const { return entries_[entries_.size() - back]; }

  // "!!" (surrounding blanks allowed) is the newest entry; nullopt when there is none yet.
  // Any other line is returned unchanged.
  std::optional<std::string> expand(std::string_view line) const;

  // Does `line` ask for history expansion ("!!")?
  static bool is_repeat(std::string_view line) noexcept;

 private:
  std::deque<std::string> entries_;
};

}  // namespace sluice::console
