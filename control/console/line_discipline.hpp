#pragma once
// Turns the console's TCP byte stream into command lines (spec cli-console.md, "Console": one
// command per line, telnet option negotiation ignored, lines over 4 KiB and non-printable
// commands refused with an error line, not a crash).
//
//   * Telnet (RFC 854): IAC WILL/WONT/DO/DONT <option> and every other two-byte IAC command
//     are dropped; IAC SB ... IAC SE subnegotiation (RFC 855) is dropped whole; IAC IAC is a
//     data byte 255 (which is then non-printable).
//   * Line ends: CR LF, CR NUL (RFC 854's bare carriage return), a lone CR, or LF.
//   * Limits: a line longer than kMaxLineBytes is refused once its end arrives, and its bytes
//     are discarded as they come, so memory stays bounded whatever the peer sends.
//   * Bytes: printable ASCII and tab only; anything else refuses the whole line.
//
// Pure: no I/O, no allocation beyond the current line and the returned events.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sluice::console {

inline constexpr std::size_t kMaxLineBytes = 4096;

struct InputLine {
  enum class Kind : std::uint8_t {
    kLine,           // `text` is a printable command line (possibly empty)
    kTooLong,        // the line exceeded kMaxLineBytes; its bytes were discarded
    kNotPrintable,   // `offending_byte` was in the line; the line was discarded
  };
  Kind kind = Kind::kLine;
  std::string text;
  std::uint8_t offending_byte = 0;

  // The error line answering a refused line ("error: line too long\n"); empty for kLine.
  std::string error_message() const;
};

class LineDiscipline {
 public:
  // Consumes `bytes` and returns the lines they complete, in order. A partial line is kept for
  // the next call.
  std::vector<InputLine> feed(std::span<const std::uint8_t> bytes);

 private:
  enum class TelnetState : std::uint8_t {
    kData,
    kIac,             // after IAC
    kOption,          // after IAC WILL/WONT/DO/DONT: the option byte follows
    kSubnegotiation,  // inside IAC SB ...
    kSubIac,          // IAC inside a subnegotiation: SE ends it
  };

  void data_byte(std::uint8_t byte, std::vector<InputLine>& lines);
  void end_line(std::vector<InputLine>& lines);

  TelnetState telnet_ = TelnetState::kData;
  bool after_cr_ = false;  // an LF or NUL right after CR belongs to the same line end
  bool too_long_ = false;
  bool has_bad_byte_ = false;
  std::uint8_t bad_byte_ = 0;
  std::string line_;
};

}  // namespace sluice::console
