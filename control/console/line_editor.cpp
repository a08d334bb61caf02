#include "control/console/line_editor.hpp"

#include <string_view>
#include <utility>

#include "control/console/line_discipline.hpp"

namespace sluice::console {
namespace {

constexpr std::uint8_t kCtrlC = 0x03;
constexpr std::uint8_t kBackspace = 0x08;
constexpr std::uint8_t kCtrlU = 0x15;
constexpr std::uint8_t kCtrlW = 0x17;
constexpr std::uint8_t kEscape = 0x1b;
constexpr std::uint8_t kDelete = 0x7f;
constexpr char kBell = '\a';

bool printable(std::uint8_t byte) noexcept { return (byte >= 0x20 && byte < 0x7F) || byte == '\t'; }

}  // namespace

void LineEditor::key(std::uint8_t byte, std::string& echo) {
  if (escape_ != Escape::kNone) return escape_byte(byte, echo);
  switch (byte) {
    case kBackspace:
    case kDelete:
      if (line_.empty()) {
        echo += kBell;
      } else {
        line_.pop_back();
        erase(1, echo);
      }
      break;
    case kCtrlU:
      erase(line_.size(), echo);
      line_.clear();
      break;
    case kCtrlW: {
      std::size_t end = line_.size();
      while (end > 0 && (line_[end - 1] == ' ' || line_[end - 1] == '\t')) --end;
      while (end > 0 && line_[end - 1] != ' ' && line_[end - 1] != '\t') --end;
      erase(line_.size() - end, echo);
      line_.resize(end);
      break;
    }
    case kCtrlC:
      if (!secret_) echo += "^C";
      echo += "\r\n";
      line_.clear();
      typed_.clear();
      browsing_ = 0;
      abandoned_ = true;
      break;
    case kEscape:
      escape_ = Escape::kEscape;
      break;
    default:
      if (!printable(byte) || line_.size() >= kMaxLineBytes) {
        echo += kBell;
        break;
      }
      line_.push_back(static_cast<char>(byte));
      if (!secret_) echo += static_cast<char>(byte);
      break;
  }
  // An edited line, recalled or not, is the one the down arrow comes back to.
  if (byte != kEscape && byte != kCtrlC) {
    browsing_ = 0;
    typed_ = line_;
  }
}

// ESC [ params final (CSI, ECMA-48) or ESC O final (SS3, what a terminal in application
// cursor mode sends for the arrows). Only A (up) and B (down) mean something here.
void LineEditor::escape_byte(std::uint8_t byte, std::string& echo) {
  if (escape_ == Escape::kEscape) {
    escape_ = (byte == '[' || byte == 'O') ? Escape::kSequence : Escape::kNone;
    if (escape_ == Escape::kNone) echo += kBell;
    return;
  }
  if (byte >= 0x20 && byte <= 0x3F) return;  // parameter and intermediate bytes: "1;5"
  escape_ = Escape::kNone;
  if (byte == 'A' && browsing_ < history_.size() && !secret_) {
    recall(browsing_ + 1, echo);
  } else if (byte == 'B' && browsing_ > 0) {
    recall(browsing_ - 1, echo);
  } else {
    echo += kBell;
  }
}

void LineEditor::recall(std::size_t back, std::string& echo) {
  browsing_ = back;
  show(back == 0 ? std::string_view(typed_) : std::string_view(history_.back(back)), echo);
}

void LineEditor::show(std::string_view text, std::string& echo) {
  erase(line_.size(), echo);
  line_ = text;
  echo += line_;
}

// What the user sees of `count` characters at the end of the line: back, blank, back.
void LineEditor::erase(std::size_t count, std::string& echo) {
  if (secret_) return;
  echo.append(count, '\b');
  echo.append(count, ' ');
  echo.append(count, '\b');
}

std::string LineEditor::finish(std::string& echo) {
  echo += "\r\n";
  escape_ = Escape::kNone;
  browsing_ = 0;
  typed_.clear();
  return std::exchange(line_, {});
}

bool LineEditor::take_abandoned() noexcept { return std::exchange(abandoned_, false); }

}  // namespace sluice::console
