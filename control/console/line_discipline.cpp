#include "control/console/line_discipline.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include <fmt/format.h>

namespace sluice::console {
namespace {

// RFC 854, "TELNET COMMAND STRUCTURE"; RFC 857 (ECHO), RFC 858 (SUPPRESS-GO-AHEAD).
constexpr std::uint8_t kIac = 255;
constexpr std::uint8_t kDont = 254;
constexpr std::uint8_t kDo = 253;
constexpr std::uint8_t kWont = 252;
constexpr std::uint8_t kWill = 251;  // WILL, WONT (252), DO (253), DONT (254) take an option
constexpr std::uint8_t kSb = 250;
constexpr std::uint8_t kSe = 240;
constexpr std::uint8_t kOptionEcho = 1;
constexpr std::uint8_t kOptionSuppressGoAhead = 3;

constexpr std::uint8_t kCr = '\r';
constexpr std::uint8_t kLf = '\n';
constexpr std::uint8_t kNul = 0;
constexpr std::uint8_t kTab = '\t';
constexpr std::uint8_t kBackspace = 0x08;
constexpr std::uint8_t kCtrlU = 0x15;
constexpr std::uint8_t kCtrlW = 0x17;
constexpr std::uint8_t kEscape = 0x1b;
constexpr std::uint8_t kDelete = 0x7f;

bool printable(std::uint8_t byte) noexcept { return (byte >= 0x20 && byte < 0x7F) || byte == kTab; }

}  // namespace

std::string InputLine::error_message() const {
  switch (kind) {
    case Kind::kLine:
      return {};
    case Kind::kTooLong:
      return fmt::format("error: line too long (more than {} bytes)\n", kMaxLineBytes);
    case Kind::kNotPrintable:
      if (offending_byte == kEscape) {
        // An arrow key in line mode: the client sent its escape sequence inside the line.
        return "error: non-printable byte 0x1b in command (an arrow key? history needs "
               "character mode: telnet's Ctrl-] 'mode character'; '!!' repeats the last "
               "command)\n";
      }
      return fmt::format("error: non-printable byte 0x{:02x} in command\n", offending_byte);
    case Kind::kNoHistory:
      return "error: !!: no previous command in this session\n";
  }
  return {};
}

void LineDiscipline::set_secret(bool secret) noexcept {
  secret_ = secret;
  editor_.set_secret(secret);
}

std::string LineDiscipline::take_output() { return std::exchange(pending_, {}); }

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
          verb_ = byte;
        } else if (byte == kSb) {
          telnet_ = TelnetState::kSubnegotiation;
        } else {
          telnet_ = TelnetState::kData;  // NOP, GA, AYT, IP, ...: nothing to do for a console
        }
        break;
      case TelnetState::kOption:
        telnet_ = TelnetState::kData;
        negotiate(verb_, byte);
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

// Only the server's echo is negotiated (the client asks for it: character mode); every other
// option is refused by silence, as before, so a client's opening offers get no answer.
// Answering only changes of state (RFC 1143) keeps the two sides from looping.
void LineDiscipline::negotiate(std::uint8_t verb, std::uint8_t option) {
  if (option != kOptionEcho) return;
  if (verb == kDo && !character_mode_) {
    // Suppress-go-ahead with echo is what telnet(1) takes as "character at a time".
    pending_ += std::string{static_cast<char>(kIac), static_cast<char>(kWill),
                            static_cast<char>(kOptionEcho), static_cast<char>(kIac),
                            static_cast<char>(kWill), static_cast<char>(kOptionSuppressGoAhead)};
    character_mode_ = true;
    line_.clear();  // typed before the switch, echoed by the client: not the editor's line
    too_long_ = false;
  } else if (verb == kDont && character_mode_) {
    pending_ += std::string{static_cast<char>(kIac), static_cast<char>(kWont),
                            static_cast<char>(kOptionEcho)};
    character_mode_ = false;
    std::string discarded;
    editor_.finish(discarded);  // the client echoes again from here on
  }
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
  if (!character_mode_) return line_mode_byte(byte);
  editor_.key(byte, pending_);
  if (editor_.take_abandoned()) {
    InputLine abandoned;  // ^C: an empty line, answered by a fresh prompt
    abandoned.echo = std::exchange(pending_, {});
    lines.push_back(std::move(abandoned));
  }
}

void LineDiscipline::line_mode_byte(std::uint8_t byte) {
  if (too_long_) return;  // discard the rest of an over-long line
  switch (byte) {
    case kBackspace:
    case kDelete:
      if (!line_.empty()) line_.pop_back();
      return;
    case kCtrlU:
      line_.clear();
      return;
    case kCtrlW: {
      std::size_t end = line_.size();
      while (end > 0 && (line_[end - 1] == ' ' || line_[end - 1] == '\t')) --end;
      while (end > 0 && line_[end - 1] != ' ' && line_[end - 1] != '\t') --end;
      line_.resize(end);
      return;
    }
    default:
      break;
  }
  if (line_.size() >= kMaxLineBytes) {
    too_long_ = true;
    line_.clear();
    line_.shrink_to_fit();
    return;
  }
  line_.push_back(static_cast<char>(byte));
}

void LineDiscipline::end_line(std::vector<InputLine>& lines) {
  InputLine line;
  if (character_mode_) {
    line = complete(editor_.finish(pending_));
  } else if (too_long_) {
    line.kind = InputLine::Kind::kTooLong;
  } else {
    const auto bad = std::find_if(line_.begin(), line_.end(),
                                  [](char c) { return !printable(static_cast<std::uint8_t>(c)); });
    if (bad != line_.end()) {
      line.kind = InputLine::Kind::kNotPrintable;
      line.offending_byte = static_cast<std::uint8_t>(*bad);
    } else {
      line = complete(std::move(line_));
    }
  }
  line.echo = std::exchange(pending_, {});
  lines.push_back(std::move(line));
  line_.clear();
  too_long_ = false;
}

// A printable line: "!!" expanded, then kept in the history (never a password).
InputLine LineDiscipline::complete(std::string text) {
  InputLine line;
  if (secret_) {
    line.text = std::move(text);
    return line;
  }
  if (CommandHistory::is_repeat(text)) {
    std::optional<std::string> previous = history_.expand(text);
    if (!previous) {
      line.kind = InputLine::Kind::kNoHistory;
      return line;
    }
    text = std::move(*previous);
    line.repeated = true;
  }
  history_.add(text);
  line.text = std::move(text);
  return line;
}

}  // namespace sluice::console
