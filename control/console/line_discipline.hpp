#pragma once
// Turns the console's TCP byte stream into command lines (spec cli-console.md, "Console": one
// command per line, telnet option negotiation ignored, lines over 4 KiB and non-printable
// commands refused with an error line, not a crash).
//
//   * Telnet (RFC 854): IAC WILL/WONT/DO/DONT <option> and every other two-byte IAC command
//     are dropped; IAC SB ... IAC SE subnegotiation (RFC 855) is dropped whole; IAC IAC is a
//     data byte 255 (which is then non-printable). One exception: a client that asks the
//     server to echo (IAC DO ECHO, what `mode character` in telnet(1) sends) is answered
//     IAC WILL ECHO, IAC WILL SUPPRESS-GO-AHEAD and is then in character mode, where
//     LineEditor edits the line and echoes it; IAC DONT ECHO goes back to line mode.
//   * Line ends: CR LF, CR NUL (RFC 854's bare carriage return), a lone CR, or LF.
//   * Line mode (the default: nc, telnet's own line mode): the client echoes and edits; bytes
//     that still edit here are BS and DEL (erase a character), ^U (the line), ^W (a word).
//   * Limits: a line longer than kMaxLineBytes is refused once its end arrives, and its bytes
//     are discarded as they come, so memory stays bounded whatever the peer sends.
//   * Bytes: printable ASCII and tab only; anything else refuses the whole line.
//   * History (CommandHistory): "!!" is the session's previous command, in both modes.
//
// Pure: no I/O, no allocation beyond the current line, the history and the returned events.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "control/console/command_history.hpp"
#include "control/console/line_editor.hpp"

namespace sluice::console {

inline constexpr std::size_t kMaxLineBytes = 4096;

struct InputLine {
  enum class Kind : std::uint8_t {
    kLine,           // `text` is a printable command line (possibly empty)
    kTooLong,        // the line exceeded kMaxLineBytes; its bytes were discarded
    kNotPrintable,   // `offending_byte` was in the line; the line was discarded
    kNoHistory,      // "!!" with nothing run before it in this session
  };
  Kind kind = Kind::kLine;
  std::string text;
  std::uint8_t offending_byte = 0;
  std::string echo;       // bytes for the client before the answer: character mode's echo
  bool repeated = false;  // "!!" became `text`: the session shows the command it runs

  // The error line answering a refused line ("error: line too long\n"); empty for kLine.
  std::string error_message() const;
};

class LineDiscipline {
 public:
  // Consumes `bytes` and returns the lines they complete, in order. A partial line is kept for
  // the next call.
  std::vector<InputLine> feed(std::span<const std::uint8_t> bytes);
  // Bytes for the client that no line carried: telnet answers, the echo of a partial line.
  std::string take_output();

  bool character_mode() const noexcept { return character_mode_; }
  // While the password is read: no echo in character mode, and the line is kept out of the
  // history (so neither "!!" nor the up arrow ever shows it).
  void set_secret(bool secret) noexcept;

 private:
  enum class TelnetState : std::uint8_t {
    kData,
    kIac,             // after IAC
    kOption,          // after IAC WILL/WONT/DO/DONT: the option byte follows
    kSubnegotiation,  // inside IAC SB ...
    kSubIac,          // IAC inside a subnegotiation: SE ends it
  };

  void negotiate(std::uint8_t verb, std::uint8_t option);
  void data_byte(std::uint8_t byte, std::vector<InputLine>& lines);
  void line_mode_byte(std::uint8_t byte);
  void end_line(std::vector<InputLine>& lines);
  InputLine complete(std::string text);

  TelnetState telnet_ = TelnetState::kData;
  std::uint8_t verb_ = 0;  // the WILL/WONT/DO/DONT whose option byte is awaited
  bool after_cr_ = false;  // an LF or NUL right after CR belongs to the same line end
  bool too_long_ = false;
  bool character_mode_ = false;
  bool secret_ = false;
  std::string line_;     // line mode's line
  std::string pending_;  // output not yet handed out, in order
  CommandHistory history_;
  LineEditor editor_{history_};
};

}  // namespace sluice::console
