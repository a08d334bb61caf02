#include "control/console/line_discipline.hpp"

#include <cstdint>
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

TEST(LineDiscipline, TabIsPrintableAndDelIsNot) {
  LineDiscipline discipline;
  EXPECT_EQ(texts(feed(discipline, bytes_of("show\tstats\n"))), (Texts{"show\tstats"}));
  const auto lines = feed(discipline, {'x', 0x7f, '\n'});
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0].offending_byte, 0x7f);
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
  EXPECT_EQ(rest[0].offending_byte, 14);
  EXPECT_EQ(texts(feed(discipline, bytes_of("help\n"))), (Texts{"help"}));
}

}  // namespace
}  // namespace sluice::console
