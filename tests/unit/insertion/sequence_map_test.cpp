// The pure translations between the client's and the backend's sequence spaces, with values
// computed by hand from the spec's definitions (c = 1000, H = 28: header at 1001..1028).
#include "dataplane/insertion/sequence_map.hpp"

#include <gtest/gtest.h>

namespace sluice::insertion {
namespace {

constexpr SequenceMap kMap(TcpSeq(1000), 28);

TEST(SequenceMap, Boundaries) {
  EXPECT_EQ(kMap.stream_start(), TcpSeq(1001));
  EXPECT_EQ(kMap.header_end(), TcpSeq(1029));
}

TEST(SequenceMap, ClientSeqShiftsFromStreamStart) {
  EXPECT_EQ(kMap.translate_client_seq(TcpSeq(999)), TcpSeq(999));
  EXPECT_EQ(kMap.translate_client_seq(TcpSeq(1000)), TcpSeq(1000));  // the SYN
  EXPECT_EQ(kMap.translate_client_seq(TcpSeq(1001)), TcpSeq(1029));
  EXPECT_EQ(kMap.translate_client_seq(TcpSeq(1002)), TcpSeq(1030));
  EXPECT_EQ(kMap.translate_client_seq(TcpSeq(1'000'000)), TcpSeq(1'000'028));
}

TEST(SequenceMap, ServerAckBelowInsideAndAboveHeader) {
  EXPECT_EQ(kMap.translate_server_ack(TcpSeq(1000)), TcpSeq(1000));  // below: untouched
  EXPECT_EQ(kMap.translate_server_ack(TcpSeq(1001)), TcpSeq(1001));  // nothing acked yet
  EXPECT_EQ(kMap.translate_server_ack(TcpSeq(1002)), TcpSeq(1001));  // first header byte
  EXPECT_EQ(kMap.translate_server_ack(TcpSeq(1028)), TcpSeq(1001));
  EXPECT_EQ(kMap.translate_server_ack(TcpSeq(1029)), TcpSeq(1001));  // whole header only
  EXPECT_EQ(kMap.translate_server_ack(TcpSeq(1030)), TcpSeq(1002));  // first client byte
  EXPECT_EQ(kMap.translate_server_ack(TcpSeq(5029)), TcpSeq(5001));
}

TEST(SequenceMap, RoundTripAboveHeader) {
  for (std::uint32_t k : {1001u, 1002u, 4096u, 0x7FFF0000u}) {
    EXPECT_EQ(kMap.translate_server_ack(kMap.translate_client_seq(TcpSeq(k))), TcpSeq(k)) << k;
  }
}

TEST(SequenceMap, SackBlocks) {
  const auto sack = [](std::uint32_t l, std::uint32_t r) {
    return kMap.translate_sack_block(SackBlock{TcpSeq(l), TcpSeq(r)});
  };
  // Above the header.
  EXPECT_EQ(sack(1129, 1229), (SackBlock{TcpSeq(1101), TcpSeq(1201)}));
  // Left edge inside the header collapses to c+1.
  EXPECT_EQ(sack(1010, 1129), (SackBlock{TcpSeq(1001), TcpSeq(1101)}));
  EXPECT_EQ(sack(1001, 1030), (SackBlock{TcpSeq(1001), TcpSeq(1002)}));
  // Header bytes only (a D-SACK of a resent header): translates to empty -> removed.
  EXPECT_FALSE(sack(1001, 1029).has_value());
  EXPECT_FALSE(sack(1005, 1020).has_value());
  // Below the stream: untouched.
  EXPECT_EQ(sack(900, 1000), (SackBlock{TcpSeq(900), TcpSeq(1000)}));
  // Malformed: right <= left.
  EXPECT_FALSE(sack(1200, 1200).has_value());
  EXPECT_FALSE(sack(1300, 1200).has_value());
}

TEST(SequenceMap, WraparoundNearTwoToThe32) {
  // c = 2^32 - 16: c+1 = 0xFFFFFFF1, header end = 0xFFFFFFF1 + 28 = 0x0000000D.
  constexpr SequenceMap map(TcpSeq(0xFFFFFFF0u), 28);
  EXPECT_EQ(map.header_end(), TcpSeq(0x0000000Du));
  EXPECT_EQ(map.translate_client_seq(TcpSeq(0xFFFFFFFFu)), TcpSeq(0x0000001Bu));
  EXPECT_EQ(map.translate_client_seq(TcpSeq(0x00000010u)), TcpSeq(0x0000002Cu));
  EXPECT_EQ(map.translate_server_ack(TcpSeq(0xFFFFFFF5u)), TcpSeq(0xFFFFFFF1u));
  EXPECT_EQ(map.translate_server_ack(TcpSeq(0x00000000u)), TcpSeq(0xFFFFFFF1u));
  EXPECT_EQ(map.translate_server_ack(TcpSeq(0x0000000Du)), TcpSeq(0xFFFFFFF1u));
  EXPECT_EQ(map.translate_server_ack(TcpSeq(0x0000000Fu)), TcpSeq(0xFFFFFFF3u));
  EXPECT_EQ(map.translate_server_ack(TcpSeq(0x0000002Cu)), TcpSeq(0x00000010u));
  EXPECT_EQ(map.translate_sack_block(SackBlock{TcpSeq(0xFFFFFFF8u), TcpSeq(0x0000002Cu)}),
            (SackBlock{TcpSeq(0xFFFFFFF1u), TcpSeq(0x00000010u)}));
}

TEST(SequenceMap, OddHeaderLength) {
  constexpr SequenceMap map(TcpSeq(70000), 45);
  EXPECT_EQ(map.translate_client_seq(TcpSeq(70001)), TcpSeq(70046));
  EXPECT_EQ(map.translate_server_ack(TcpSeq(70046)), TcpSeq(70001));
  EXPECT_EQ(map.translate_server_ack(TcpSeq(70047)), TcpSeq(70002));
}

}  // namespace
}  // namespace sluice::insertion
