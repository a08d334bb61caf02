// Character mode's editing, key by key, with the exact echo a raw terminal receives.
#include "control/console/line_editor.hpp"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "control/console/line_discipline.hpp"

namespace sluice::console {
namespace {

class LineEditorTest : public ::testing::Test {
 protected:
  // The echo of typing `keys`.
  std::string type(std::string_view keys) {
    std::string echo;
    for (const char key : keys) editor_.key(static_cast<std::uint8_t>(key), echo);
    return echo;
  }

  CommandHistory history_;
  LineEditor editor_{history_};
};

TEST_F(LineEditorTest, PrintableKeysAreAppendedAndEchoed) {
  EXPECT_EQ(type("show\tstats"), "show\tstats");
  EXPECT_EQ(editor_.text(), "show\tstats");
  std::string echo;
  EXPECT_EQ(editor_.finish(echo), "show\tstats");
  EXPECT_EQ(echo, "\r\n");
  EXPECT_EQ(editor_.text(), "");
}

TEST_F(LineEditorTest, BackspaceAndDeleteEraseOneCharacter) {
  EXPECT_EQ(type("shox\x7f"), "shox\b \b");
  EXPECT_EQ(type("\x08"), "\b \b");
  EXPECT_EQ(editor_.text(), "sh");
  EXPECT_EQ(type("\x7f\x7f\x7f"), "\b \b\b \b\a");  // nothing left to erase: a bell
  EXPECT_EQ(editor_.text(), "");
}

TEST_F(LineEditorTest, CtrlUErasesTheLine) {
  type("show stats");
  EXPECT_EQ(type("\x15"), std::string(10, '\b') + std::string(10, ' ') + std::string(10, '\b'));
  EXPECT_EQ(editor_.text(), "");
}

TEST_F(LineEditorTest, CtrlWErasesTheLastWordAndTheBlanksAfterIt) {
  type("show backends web  ");
  EXPECT_EQ(type("\x17"), "\b\b\b\b\b     \b\b\b\b\b");
  EXPECT_EQ(editor_.text(), "show backends ");
  type("\x17");
  EXPECT_EQ(editor_.text(), "show ");
  type("\x17\x17");
  EXPECT_EQ(editor_.text(), "");
}

TEST_F(LineEditorTest, UpAndDownBrowseTheHistoryAndComeBackToTheTypedLine) {
  history_.add("show version");
  history_.add("show stats");
  type("sh");
  EXPECT_EQ(type("\x1b[A"), "\b\b  \b\bshow stats");
  EXPECT_EQ(type("\x1b[A"), std::string(10, '\b') + std::string(10, ' ') +
                                std::string(10, '\b') + "show version");
  EXPECT_EQ(type("\x1b[A"), "\a");  // the oldest: nothing further back
  EXPECT_EQ(editor_.text(), "show version");
  type("\x1bOB");  // SS3, application cursor mode's down arrow
  EXPECT_EQ(editor_.text(), "show stats");
  type("\x1b[B");
  EXPECT_EQ(editor_.text(), "sh");  // back to what was typed
  EXPECT_EQ(type("\x1b[B"), "\a");
}

TEST_F(LineEditorTest, AnEditedRecalledLineIsTheNewTypedLine) {
  history_.add("show backends web");
  type("\x1b[A\x17" "dns");
  EXPECT_EQ(editor_.text(), "show backends dns");
  type("\x1b[A\x1b[B");
  EXPECT_EQ(editor_.text(), "show backends dns");
}

TEST_F(LineEditorTest, OtherEscapeSequencesAndControlBytesRingTheBell) {
  EXPECT_EQ(type("a\x1b[C\x1b[1;5D\x1b[3~\x01\x02"), "a\a\a\a\a\a");  // right, ^left, Del, ^A, ^B
  EXPECT_EQ(type("\x1bx"), "\a");     // ESC then a plain key: both dropped
  EXPECT_EQ(type("\xc3\xa9"), "\a\a");  // not ASCII
  EXPECT_EQ(editor_.text(), "a");
}

TEST_F(LineEditorTest, CtrlCAbandonsTheLine) {
  history_.add("show stats");
  type("show con\x1b[A");
  EXPECT_EQ(type("\x03"), "^C\r\n");
  EXPECT_TRUE(editor_.take_abandoned());
  EXPECT_FALSE(editor_.take_abandoned());
  EXPECT_EQ(editor_.text(), "");
  type("\x1b[A\x1b[B");
  EXPECT_EQ(editor_.text(), "");  // the abandoned line is not what down comes back to
}

TEST_F(LineEditorTest, TheLineStopsAtTheLimit) {
  type(std::string(kMaxLineBytes, 'a'));
  EXPECT_EQ(type("b"), "\a");
  EXPECT_EQ(editor_.text().size(), kMaxLineBytes);
}

TEST_F(LineEditorTest, SecretInputIsNeitherEchoedNorRecalled) {
  history_.add("show stats");
  editor_.set_secret(true);
  EXPECT_EQ(type("s3cret\x7f" "t"), "");
  EXPECT_EQ(editor_.text(), "s3cret");
  EXPECT_EQ(type("\x1b[A"), "\a");
  std::string echo;
  EXPECT_EQ(editor_.finish(echo), "s3cret");
  EXPECT_EQ(echo, "\r\n");
}

}  // namespace
}  // namespace sluice::console
