#include "control/console/line_discipline.hpp"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace sluice::console {
namespace {

std::vector<InputLine> feed(LineDiscipline& discipline, const std::vector<std::uint8_t>& bytes) {
  return discipline.feed(bytes);
}

std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}

std::vector<std::string> texts(const std::vector<InputLine>& lines) {
  std::vector<std::string> result;
  for (const InputLine& line : lines) {
    EXPECT_EQ(line.kind, InputLine::Kind::kLine);
    result.push_back(line.text);
  }
  return result;
}

using Texts = std::vector<std::string>;

TEST(LineDiscipline, EveryLineEndEndsOneLine) {
  LineDiscipline discipline;
  // LF, CR LF, CR NUL (RFC 854 bare CR), lone CR followed by text.
  const auto lines = feed(discipline, bytes_of(std::string("a\nb\r\nc\r\0d\re\n", 13)));
  EXPECT_EQ(texts(lines), (Texts{"a", "b", "c", "d", "e"}));
}

TEST(LineDiscipline, CrLfSplitAcrossReadsIsOneLineEnd) {
  LineDiscipline discipline;
  EXPECT_EQ(texts(feed(discipline, bytes_of("show stats\r"))), (Texts{"show stats"}));
  EXPECT_TRUE(feed(discipline, bytes_of("\n")).empty());
  EXPECT_EQ(texts(feed(discipline, bytes_of("\n"))), (Texts{""}));  // a second LF: empty line
}

TEST(LineDiscipline, PartialLinesWaitForTheirEnd) {
  LineDiscipline discipline;
  EXPECT_TRUE(feed(discipline, bytes_of("sho")).empty());
  EXPECT_TRUE(feed(discipline, bytes_of("w ver")).empty());
  EXPECT_EQ(texts(feed(discipline, bytes_of("sion\n"))), (Texts{"show version"}));
}

TEST(LineDiscipline, TelnetNegotiationIsStripped) {
  LineDiscipline discipline;
  // What telnet(1) sends first: IAC DO SUPPRESS-GO-AHEAD, IAC WILL TERMINAL-TYPE, IAC WILL NAWS,
  // then a NAWS subnegotiation (80x24) ending IAC SE, an IAC NOP in the middle of the text.
  const std::vector<std::uint8_t> bytes{255, 253, 3,   255, 251, 24, 255, 251, 31, 'h',
                                        255, 250, 31,  0,   80,  0,  24,  255, 240, 'e',
                                        255, 241, 'l', 'p', '\r', '\n'};
  EXPECT_EQ(texts(feed(discipline, bytes)), (Texts{"help"}));
}

TEST(LineDiscipline, NegotiationSplitAcrossReads) {
  LineDiscipline discipline;
  EXPECT_TRUE(feed(discipline, {'q', 255}).empty());
  EXPECT_TRUE(feed(discipline, {254}).empty());                // IAC DONT
  EXPECT_TRUE(feed(discipline, {1, 'u', 255, 250, 24}).empty());  // option ECHO; SB TTYPE ...
  EXPECT_TRUE(feed(discipline, {'\n', 'x', 255}).empty());     // LF inside SB is not a line end
  EXPECT_EQ(texts(feed(discipline, {240, 'i', 't', '\n'})), (Texts{"quit"}));
}

TEST(LineDiscipline, IacIacIsADataByteAndNotPrintable) {
  LineDiscipline discipline;
  const auto lines = feed(discipline, {'a', 255, 255, 'b', '\n'});
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0].kind, InputLine::Kind::kNotPrintable);
  EXPECT_EQ(lines[0].offending_byte, 255);
  EXPECT_EQ(lines[0].error_message(), "error: non-printable byte 0xff in command\n");
}

TEST(LineDiscipline, ControlBytesRefuseTheLineAndOnlyThatLine) {
  LineDiscipline discipline;
  const auto lines = feed(discipline, {'s', 0x1b, '[', 'A', 0x07, '\n', 'h', 'e', 'l', 'p', '\n'});
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].kind, InputLine::Kind::kNotPrintable);
  EXPECT_EQ(lines[0].offending_byte, 0x1b);  // the first offending byte is reported
  EXPECT_EQ(lines[1].kind, InputLine::Kind::kLine);
  EXPECT_EQ(lines[1].text, "help");
}

TEST(LineDiscipline, TabIsPrintableAndOtherControlBytesAreNot) {
  LineDiscipline discipline;
  EXPECT_EQ(texts(feed(discipline, bytes_of("show\tstats\n"))), (Texts{"show\tstats"}));
  const auto lines = feed(discipline, {'x', 0x0c, '\n'});
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0].offending_byte, 0x0c);
}

// Line mode: a client whose terminal did not edit (a script, a raw tty) still has its BS,
// DEL, ^U and ^W applied, never echoed (the client echoes in line mode).
TEST(LineDiscipline, LineModeAppliesEraseKeys) {
  LineDiscipline discipline;
  EXPECT_EQ(texts(feed(discipline, bytes_of("shoq\x7fw stats\n"))), (Texts{"show stats"}));
  EXPECT_EQ(texts(feed(discipline, bytes_of("x\x08\x08show version\n"))), (Texts{"show version"}));
  EXPECT_EQ(texts(feed(discipline, bytes_of("reload\x15help\n"))), (Texts{"help"}));
  EXPECT_EQ(texts(feed(discipline, bytes_of("show backends web \x17" "dns\n"))),
            (Texts{"show backends dns"}));
  EXPECT_EQ(texts(feed(discipline, bytes_of("a\x01\x7f" "b\n"))), (Texts{"ab"}));  // bad byte erased
  EXPECT_EQ(discipline.take_output(), "");
}

TEST(LineDiscipline, AnArrowKeyInLineModeSaysWhatWorks) {
  LineDiscipline discipline;
  const auto lines = feed(discipline, bytes_of("\x1b[A\n"));
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0].kind, InputLine::Kind::kNotPrintable);
  EXPECT_EQ(lines[0].error_message(),
            "error: non-printable byte 0x1b in command (an arrow key? history needs character "
            "mode: telnet's Ctrl-] 'mode character'; '!!' repeats the last command)\n");
}

TEST(LineDiscipline, BangBangRepeatsThePreviousCommand) {
  LineDiscipline discipline;
  const auto first = feed(discipline, bytes_of("!!\n"));
  ASSERT_EQ(first.size(), 1U);
  EXPECT_EQ(first[0].kind, InputLine::Kind::kNoHistory);
  EXPECT_EQ(first[0].error_message(), "error: !!: no previous command in this session\n");
  const auto lines = feed(discipline, bytes_of("show stats\n!!\nshow version\n!!\n"));
  ASSERT_EQ(lines.size(), 4U);
  EXPECT_EQ(lines[1].text, "show stats");
  EXPECT_TRUE(lines[1].repeated);
  EXPECT_FALSE(lines[2].repeated);
  EXPECT_EQ(lines[3].text, "show version");
}

TEST(LineDiscipline, SecretLinesStayOutOfTheHistory) {
  LineDiscipline discipline;
  discipline.set_secret(true);
  EXPECT_EQ(texts(feed(discipline, bytes_of("s3cret\n"))), (Texts{"s3cret"}));
  discipline.set_secret(false);
  const auto lines = feed(discipline, bytes_of("!!\n"));
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0].kind, InputLine::Kind::kNoHistory);
}

std::string telnet(std::initializer_list<int> bytes) {
  std::string text;
  for (const int byte : bytes) text += static_cast<char>(byte);
  return text;
}

const std::string kWillEchoWillSga = telnet({255, 251, 1, 255, 251, 3});

// What telnet(1) sends for `mode character` (and answers to an offer): IAC DO SGA, IAC DO ECHO.
TEST(LineDiscipline, DoEchoSwitchesToCharacterModeOnce) {
  LineDiscipline discipline;
  EXPECT_TRUE(feed(discipline, {255, 253, 3}).empty());  // DO SGA alone: silence, as before
  EXPECT_EQ(discipline.take_output(), "");
  EXPECT_FALSE(discipline.character_mode());
  EXPECT_TRUE(feed(discipline, {255, 253, 1}).empty());
  EXPECT_TRUE(discipline.character_mode());
  EXPECT_EQ(discipline.take_output(), kWillEchoWillSga);
  EXPECT_TRUE(feed(discipline, {255, 253, 1, 255, 253, 3}).empty());  // agreed already
  EXPECT_EQ(discipline.take_output(), "");
}

TEST(LineDiscipline, CharacterModeEchoesAndEditsKeyByKey) {
  LineDiscipline discipline;
  feed(discipline, {255, 253, 1});
  discipline.take_output();
  EXPECT_TRUE(feed(discipline, bytes_of("shoq")).empty());
  EXPECT_EQ(discipline.take_output(), "shoq");
  EXPECT_TRUE(feed(discipline, bytes_of("\x7f")).empty());
  EXPECT_EQ(discipline.take_output(), "\b \b");
  // telnet sends Enter as CR NUL; the echo of the rest travels with the line.
  const auto lines = feed(discipline, bytes_of(std::string("w stats\r\0", 9)));
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0].text, "show stats");
  EXPECT_EQ(lines[0].echo, "w stats\r\n");
  EXPECT_EQ(discipline.take_output(), "");
}

TEST(LineDiscipline, CharacterModeUpArrowRecallsAndCtrlCGivesANewPrompt) {
  LineDiscipline discipline;
  feed(discipline, {255, 253, 1});
  discipline.take_output();
  feed(discipline, bytes_of("show version\r\n"));
  const auto recalled = feed(discipline, bytes_of("\x1b[A\r\n"));
  ASSERT_EQ(recalled.size(), 1U);
  EXPECT_EQ(recalled[0].text, "show version");
  EXPECT_EQ(recalled[0].echo, "show version\r\n");
  const auto abandoned = feed(discipline, bytes_of("rel\x03"));
  ASSERT_EQ(abandoned.size(), 1U);
  EXPECT_EQ(abandoned[0].kind, InputLine::Kind::kLine);
  EXPECT_EQ(abandoned[0].text, "");
  EXPECT_EQ(abandoned[0].echo, "rel^C\r\n");
}

TEST(LineDiscipline, CharacterModeRefusesControlBytesWithABellNotAnError) {
  LineDiscipline discipline;
  feed(discipline, {255, 253, 1});
  discipline.take_output();
  const auto lines = feed(discipline, {'h', 0x01, 255, 255, 'e', 'l', 'p', '\r', 0});
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0].kind, InputLine::Kind::kLine);
  EXPECT_EQ(lines[0].text, "help");
  EXPECT_EQ(lines[0].echo, "h\a\aelp\r\n");
}

TEST(LineDiscipline, DontEchoGoesBackToLineMode) {
  LineDiscipline discipline;
  feed(discipline, {255, 253, 1});
  discipline.take_output();
  feed(discipline, bytes_of("sho"));
  discipline.take_output();
  EXPECT_TRUE(feed(discipline, {255, 254, 1}).empty());
  EXPECT_FALSE(discipline.character_mode());
  EXPECT_EQ(discipline.take_output(), telnet({255, 252, 1}));
  const auto lines = feed(discipline, bytes_of("help\r\n"));
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0].text, "help");  // the half-typed "sho" went with character mode
  EXPECT_EQ(lines[0].echo, "");
}

TEST(LineDiscipline, CharacterModeSecretInputIsNotEchoed) {
  LineDiscipline discipline;
  discipline.set_secret(true);
  feed(discipline, {255, 253, 1});
  discipline.take_output();
  const auto lines = feed(discipline, bytes_of(std::string("pw\r\0", 4)));
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0].text, "pw");
  EXPECT_EQ(lines[0].echo, "\r\n");
}

TEST(LineDiscipline, ExactlyTheLimitIsAccepted) {
  LineDiscipline discipline;
  std::string line(kMaxLineBytes, 'a');
  const auto lines = feed(discipline, bytes_of(line + "\n"));
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0].kind, InputLine::Kind::kLine);
  EXPECT_EQ(lines[0].text.size(), kMaxLineBytes);
}

TEST(LineDiscipline, OverLongLineIsRefusedAndItsRestDiscarded) {
  LineDiscipline discipline;
  // One byte over the limit, in pieces, then a megabyte more before the line ends: memory stays
  // bounded and exactly one refusal comes out, then the next line is read normally.
  EXPECT_TRUE(feed(discipline, bytes_of(std::string(kMaxLineBytes, 'a'))).empty());
  EXPECT_TRUE(feed(discipline, bytes_of("b")).empty());
  for (int chunk = 0; chunk < 256; ++chunk) {
    EXPECT_TRUE(feed(discipline, bytes_of(std::string(4096, 'c'))).empty());
  }
  const auto lines = feed(discipline, bytes_of("tail\r\nshow version\r\n"));
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].kind, InputLine::Kind::kTooLong);
  EXPECT_EQ(lines[0].error_message().rfind("error: line too long", 0), 0U);
  EXPECT_EQ(lines[1].kind, InputLine::Kind::kLine);
  EXPECT_EQ(lines[1].text, "show version");
}

TEST(LineDiscipline, EveryByteValueIsSafe) {
  // Not a fuzzer, but every byte value in every telnet state: no crash. Hand-traced: value 250
  // is IAC SB, and no SE (240) follows inside the subnegotiation, so the stream ends in it, just
  // after the final IAC of "255 255 255". One SE ends it; the bytes before it formed one line
  // (LF 0x0a, then CR 0x0d at value 13), the later data bytes 0x0e..0xf9 a third, refused.
  LineDiscipline discipline;
  std::vector<std::uint8_t> bytes;
  for (int value = 0; value < 256; ++value) {
    bytes.push_back(static_cast<std::uint8_t>(value));
    bytes.push_back(255);
    bytes.push_back(static_cast<std::uint8_t>(value));
  }
  const auto lines = discipline.feed(bytes);
  ASSERT_EQ(lines.size(), 2U);  // LF at value 10, CR at value 13 (their LF/NUL echoes swallowed)
  EXPECT_EQ(lines[0].kind, InputLine::Kind::kNotPrintable);
  EXPECT_EQ(lines[0].offending_byte, 0);
  EXPECT_EQ(lines[1].kind, InputLine::Kind::kNotPrintable);
  EXPECT_EQ(lines[1].offending_byte, 11);
  const auto rest = feed(discipline, {240, '\n'});
  ASSERT_EQ(rest.size(), 1U);
  EXPECT_EQ(rest[0].kind, InputLine::Kind::kNotPrintable);
  // 0x15 (^U) erased 0x0e..0x14, 0x17 (^W) the 0x16 after it: 0x18 is the first byte left.
  EXPECT_EQ(rest[0].offending_byte, 0x18);
  EXPECT_EQ(texts(feed(discipline, bytes_of("help\n"))), (Texts{"help"}));
}

}  // namespace
}  // namespace sluice::console
