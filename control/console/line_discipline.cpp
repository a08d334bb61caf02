#include "control/console/line_discipline.hpp"

#include <fmt/format.h>

namespace sluice::console {
namespace {

// RFC 854, "TELNET COMMAND STRUCTURE".
constexpr std::uint8_t kIac = 255;
constexpr std::uint8_t kDont = 254;
constexpr std::uint8_t kWill = 251;  // WILL, WONT (252), DO (253), DONT (254) take an option
constexpr std::uint8_t kSb = 250;
constexpr std::uint8_t kSe = 240;

constexpr std::uint8_t kCr = '\r';
constexpr std::uint8_t kLf = '\n';
constexpr std::uint8_t kNul = 0;
constexpr std::uint8_t kTab = '\t';

bool printable(std::uint8_t byte) noexcept { return (byte >= 0x20 && byte < 0x7F) || byte == kTab; }

}  // namespace

std::string InputLine::error_message() const {
  switch (kind) {
    case Kind::kLine:
      return {};
    case Kind::kTooLong:
      return fmt::format("error: line too long (more than {} bytes)\n", kMaxLineBytes);
    case Kind::kNotPrintable:
      return fmt::format("error: non-printable byte 0x{:02x} in command\n", offending_byte);
  }
  return {};
}

std::vector<InputLine> LineDiscipline::feed(std::span<const std::uint8_t> bytes) {
  std::vector<InputLine> lines;
  for (const std::uint8_t byte : bytes) {
    switch (telnet_) {
      case TelnetState::kData:
        if (byte == kIac) {
          telnet_ = TelnetState::kIac;
        } else {
          data_byte(byte, lines);
        }
        break;
      case TelnetState::kIac:
        if (byte == kIac) {
          telnet_ = TelnetState::kData;
          data_byte(byte, lines);  // IAC IAC: a literal 255
        } else if (byte >= kWill && byte <= kDont) {
          telnet_ = TelnetState::kOption;
        } else if (byte == kSb) {
          telnet_ = TelnetState::kSubnegotiation;
        } else {
          telnet_ = TelnetState::kData;  // NOP, GA, AYT, IP, ...: nothing to do for a console
        }
        break;
      case TelnetState::kOption:
        telnet_ = TelnetState::kData;  // the option byte: refused by silence
        break;
      case TelnetState::kSubnegotiation:
        if (byte == kIac) telnet_ = TelnetState::kSubIac;
        break;
      case TelnetState::kSubIac:
        // IAC SE ends the subnegotiation; IAC IAC is a 255 inside it; anything else is
        // malformed, and staying inside until IAC SE is the safe reading.
        telnet_ = byte == kSe ? TelnetState::kData : TelnetState::kSubnegotiation;
        break;
    }
  }
  return lines;
}

void LineDiscipline::data_byte(std::uint8_t byte, std::vector<InputLine>& lines) {
  if (after_cr_) {
    after_cr_ = false;
    if (byte == kLf || byte == kNul) return;  // CR LF / CR NUL: the line already ended
  }
  if (byte == kCr || byte == kLf) {
    after_cr_ = byte == kCr;
    end_line(lines);
    return;
  }
  if (too_long_) return;  // discard the rest of an over-long line
  if (line_.size() >= kMaxLineBytes) {
    too_long_ = true;
    line_.clear();
    line_.shrink_to_fit();
    return;
  }
  if (!printable(byte) && !has_bad_byte_) {
    has_bad_byte_ = true;
    bad_byte_ = byte;
  }
  line_.push_back(static_cast<char>(byte));
}

void LineDiscipline::end_line(std::vector<InputLine>& lines) {
  InputLine line;
  if (too_long_) {
    line.kind = InputLine::Kind::kTooLong;
  } else if (has_bad_byte_) {
    line.kind = InputLine::Kind::kNotPrintable;
    line.offending_byte = bad_byte_;
  } else {
    line.text = std::move(line_);
  }
  lines.push_back(std::move(line));
  line_.clear();
  too_long_ = false;
  has_bad_byte_ = false;
  bad_byte_ = 0;
}

}  // namespace sluice::console
