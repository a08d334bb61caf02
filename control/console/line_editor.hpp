#pragma once
// Server-side line editing for a console session in character mode (docs/console.md, "Line
// editing and history"): the telnet client asked the server to echo (IAC DO ECHO), so every
// key arrives on its own and what the user sees is what this editor echoes back.
//
//   printable ASCII, tab   appended at the end of the line and echoed
//   BS (^H), DEL           erase the last character
//   ^U                     erase the whole line
//   ^W                     erase the last word (and the blanks after it)
//   ^C                     abandon the line ("^C", a new prompt)
//   up, down (ESC [ A/B, ESC O A/B)   the previous / next line of the session's history
//   other escape sequences (left, right, function keys) and control bytes: a bell, no change
//
// The cursor stays at the end of the line: editing in the middle would need a terminal model
// the console does not keep. The line never grows past kMaxLineBytes (a bell instead).
// Pure: no I/O; the echo is appended to the caller's string.
#include <cstddef>
#include <cstdint>
#include <string>

#include "control/console/command_history.hpp"

namespace sluice::console {

class LineEditor {
 public:
  explicit LineEditor(const CommandHistory& history) : history_(history) {}

  // One data byte other than a line end (LineDiscipline sees those).
  void key(std::uint8_t byte, std::string& echo);
  // The line end: returns the line (the editor is then empty) and echoes CR LF.
  std::string finish(std::string& echo);
  // ^C: true when the byte abandoned the line (the caller then shows a new prompt).
  bool take_abandoned() noexcept;

  const std::string& text() const noexcept { return line_; }
  // No echo of what is typed (a password); erasing still works, silently.
  void set_secret(bool secret) noexcept { secret_ = secret; }

 private:
  enum class Escape : std::uint8_t { kNone, kEscape, kSequence };

  void escape_byte(std::uint8_t byte, std::string& echo);
  void recall(std::size_t back, std::string& echo);  // 0: what was being typed
  void erase(std::size_t count, std::string& echo);
  void show(std::string_view text, std::string& echo);

  const CommandHistory& history_;
  std::string line_;
  std::string typed_;         // the line as typed, kept while the arrows browse the history
  std::size_t browsing_ = 0;  // how many entries back the line shows; 0 = the typed line
  Escape escape_ = Escape::kNone;
  bool secret_ = false;
  bool abandoned_ = false;
};

}  // namespace sluice::console
