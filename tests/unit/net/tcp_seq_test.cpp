#include "dataplane/packet/tcp_seq.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(TcpSeq, ComparesAcrossWraparound) {
  const TcpSeq before(0xFFFFFFFEu);
  const TcpSeq after = before + 4;
  EXPECT_EQ(after.value(), 2u);
  EXPECT_LT(before, after);
  EXPECT_GT(after, before);
  EXPECT_EQ(after - before, 4);
  EXPECT_EQ(before - after, -4);
  EXPECT_LE(before, before);
  EXPECT_GE(after, after);
}

TEST(TcpSeq, SubtractionWraps) {
  TcpSeq s(3);
  s -= 5;
  EXPECT_EQ(s.value(), 0xFFFFFFFEu);
  s += 5;
  EXPECT_EQ(s.value(), 3u);
}

}  // namespace
}  // namespace sluice
