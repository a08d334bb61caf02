// libFuzzer target for the console session without its socket: bytes -> LineDiscipline ->
// ConsoleCommands (over the unit tests' FakeModel) -> replies, as server.cpp runs them.
// Input: [chunking byte][session bytes...]; the session bytes are fed once whole and once in
// chunks whose sizes the chunking byte and the bytes themselves pick (TCP may split anywhere).
// Properties on every input:
//   - no crash, no uncaught exception, no read out of bounds (ASan/UBSan);
//   - the lines do not depend on how the stream was split;
//   - an accepted line is at most kMaxLineBytes of printable ASCII and tab; a refused one
//     answers one "error: ...\n" line;
//   - every reply is newline-terminated text; a `show ... json` that does not fail answers
//     exactly one JSON document on one line (commands.hpp);
// Lines after `quit`/`exit` are not executed, as in server.cpp.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "control/console/commands.hpp"
#include "control/console/grammar.hpp"
#include "control/console/line_discipline.hpp"
#include "tests/unit/console/fake_model.hpp"

namespace {

using sluice::console::InputLine;

[[noreturn]] void finding(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_console: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

bool same(const std::vector<InputLine>& a, const std::vector<InputLine>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].kind != b[i].kind || a[i].text != b[i].text || a[i].offending_byte != b[i].offending_byte) return false;
  }
  return true;
}

void check_line(const InputLine& line) {
  if (line.kind != InputLine::Kind::kLine) {
    const std::string message = line.error_message();
    if (message.rfind("error: ", 0) != 0 || message.back() != '\n' ||
        message.find('\n') != message.size() - 1) {
      finding("refused line without one error line", message);
    }
    if (!line.text.empty()) finding("refused line kept its text", line.text);
    return;
  }
  if (line.text.size() > sluice::console::kMaxLineBytes) finding("accepted line too long", line.text);
  for (const char c : line.text) {
    const auto byte = static_cast<unsigned char>(c);
    if (!((byte >= 0x20 && byte < 0x7F) || byte == '\t')) finding("accepted line not printable", line.text);
  }
}

void check_reply(const std::string& line, const sluice::console::CommandResult& result) {
  const std::string& out = result.output;
  const sluice::console::Words words = sluice::console::split_words(line);
  if (words.empty()) {
    if (!out.empty()) finding("an empty line answered", out);
    return;
  }
  if (out.empty() && !result.close_session) finding("a command without an answer", line);
  if (!out.empty() && out.back() != '\n') finding("reply not newline-terminated", out);
  if (words.front() == "show" && words.back() == "json" && out.rfind("error: ", 0) != 0) {
    if (out.find('\n') != out.size() - 1) finding("show ... json answered more than one line", out);
    if (!nlohmann::json::accept(out)) finding("show ... json answered no JSON document", out);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t chunking = data[0];
  const std::span<const std::uint8_t> session(data + 1, size - 1);

  sluice::console::LineDiscipline whole;
  const std::vector<InputLine> lines = whole.feed(session);

  sluice::console::LineDiscipline split;
  std::vector<InputLine> chunked;
  std::size_t at = 0;
  std::size_t round = 0;
  while (at < session.size()) {
    // 1 to 16 bytes, or up to 4 KiB + 16 when the chunking byte's high bit says so.
    std::size_t take = 1 + ((chunking + session[at] + round) & 15);
    if ((chunking & 0x80) != 0 && (round & 1) != 0) take += std::size_t{session[at]} * 17;
    if (take > session.size() - at) take = session.size() - at;
    for (InputLine& line : split.feed(session.subspan(at, take))) chunked.push_back(std::move(line));
    at += take;
    ++round;
  }
  if (!same(lines, chunked)) finding("lines depend on how the stream was split", "");

  sluice::console::testing::FakeModel model;
  sluice::console::ConsoleCommands commands(model);
  for (const InputLine& line : lines) {
    check_line(line);
    if (line.kind != InputLine::Kind::kLine) continue;
    sluice::console::CommandResult result;
    try {
      result = commands.execute(line.text);
    } catch (const std::exception& error) {
      finding("execute threw", error.what());
    }
    check_reply(line.text, result);
    if (result.close_session) break;  // server.cpp: nothing after quit is executed
  }
  return 0;
}
