// TCP rewrites: MSS clamp/lowering, SACK edge translation (D-SACK, wraparound, odd offsets),
// TFO stripping, seq/ack rewrite and SYN payload removal — each must leave a checksum that
// verifies by an independent full recomputation.
#include "dataplane/packet/tcp_rewrite.hpp"

#include <gtest/gtest.h>

#include "dataplane/packet/l4.hpp"
#include "dataplane/packet/l4_checksum.hpp"
#include "tests/unit/packet/frame_builder.hpp"

namespace sluice::packet {
namespace {

using testing::Bytes;
using testing::TestPacket;

constexpr std::uint32_t kHeaderLength = 107;  // an odd PROXY header length, as in the spec's trap

Bytes tcp_frame(const Bytes& options, const Bytes& payload = {}, bool v6 = false,
                std::size_t padding = 0) {
  testing::TcpSpec tcp;
  tcp.options = options;
  tcp.payload = payload;
  tcp.flags = 0x12;
  if (v6) return testing::build_frame({}, testing::Ipv6Spec{}, tcp, padding);
  return testing::build_frame({}, testing::Ipv4Spec{}, tcp, padding);
}

struct Parsed {
  TestPacket packet;
  ParsedFrame frame;
  explicit Parsed(const Bytes& bytes) : packet(bytes) {
    const ParseResult result = parse_frame(packet.data(), packet.buffer().length());
    EXPECT_TRUE(result.ok()) << drop_reason_name(result.drop_reason());
    frame = result.frame();
  }
  std::uint8_t* tcp() { return packet.data() + frame.l4_offset; }
  bool checksum_ok() {
    const Bytes now = packet.bytes();
    return testing::reference_l4_ok(now, frame.l3_offset, frame.l4_offset, frame.l3_end, 6) &&
           l4_checksum_ok(packet.data(), frame);
  }
};

TEST(MssForMtu, AccountsForTheFamilyHeaderSize) {
  EXPECT_EQ(mss_for_mtu(1500, net::Family::kIpv4), 1460);
  EXPECT_EQ(mss_for_mtu(1500, net::Family::kIpv6), 1440);
  EXPECT_EQ(mss_for_mtu(9000, net::Family::kIpv6), 8940);
  EXPECT_EQ(mss_for_mtu(100, net::Family::kIpv4), kMinimumMss);
}

TEST(ClampMss, LowersALargerMssAndKeepsTheChecksum) {
  Parsed p(tcp_frame(testing::mss_option(1460)));
  ASSERT_TRUE(p.checksum_ok());
  EXPECT_TRUE(clamp_mss(p.tcp(), p.frame.tcp_options, 1400));
  EXPECT_EQ(p.frame.tcp_options.mss, 1400);
  EXPECT_EQ(load_be16(p.tcp() + 22), 1400);
  EXPECT_TRUE(p.checksum_ok());
  EXPECT_FALSE(clamp_mss(p.tcp(), p.frame.tcp_options, 1400));
  EXPECT_FALSE(clamp_mss(p.tcp(), p.frame.tcp_options, 1500));
  EXPECT_EQ(load_be16(p.tcp() + 22), 1400);
}

TEST(ClampMss, WorksAtAnOddOffsetAndOverIpv6) {
  // NOP, MSS, NOP NOP NOP: the MSS value sits at TCP offset 23.
  Parsed p(tcp_frame({1, 2, 4, 0x23, 0x28, 1, 1, 1}, {}, true));
  ASSERT_EQ(p.frame.tcp_options.mss_offset, 21);
  ASSERT_EQ(p.frame.tcp_options.mss, 9000);
  EXPECT_TRUE(clamp_mss(p.tcp(), p.frame.tcp_options, mss_for_mtu(1500, net::Family::kIpv6)));
  EXPECT_EQ(load_be16(p.tcp() + 23), 1440);
  EXPECT_TRUE(p.checksum_ok());
}

TEST(ClampMss, NothingToDoWithoutTheOption) {
  Parsed p(tcp_frame({1, 1, 1, 1}));
  const Bytes before = p.packet.bytes();
  EXPECT_FALSE(clamp_mss(p.tcp(), p.frame.tcp_options, 536));
  EXPECT_FALSE(lower_mss(p.tcp(), p.frame.tcp_options, 10));
  EXPECT_EQ(p.packet.bytes(), before);
}

TEST(LowerMss, SubtractsTheHeaderLengthWithAFloor) {
  Parsed p(tcp_frame(testing::mss_option(1460)));
  EXPECT_TRUE(lower_mss(p.tcp(), p.frame.tcp_options, kHeaderLength));
  EXPECT_EQ(load_be16(p.tcp() + 22), 1460 - kHeaderLength);
  EXPECT_TRUE(p.checksum_ok());

  Parsed small(tcp_frame(testing::mss_option(120)));
  EXPECT_TRUE(lower_mss(small.tcp(), small.frame.tcp_options, 100));
  EXPECT_EQ(load_be16(small.tcp() + 22), kMinimumMss);
  EXPECT_TRUE(small.checksum_ok());

  // Never raises: an MSS already below the floor stays.
  Parsed tiny(tcp_frame(testing::mss_option(64)));
  EXPECT_FALSE(lower_mss(tiny.tcp(), tiny.frame.tcp_options, 10));
  EXPECT_EQ(load_be16(tiny.tcp() + 22), 64);
}

TEST(SackTranslation, EveryEdgeIsTranslatedIncludingDsack) {
  // ack 9000; first block is a D-SACK (below the ack, RFC 2883), then two regular blocks.
  const Bytes options = testing::sack_option({{8000, 8100}, {9100, 9200}, {9300, 9400}});
  Parsed p(tcp_frame(options, Bytes(33, 0x7A)));
  ASSERT_EQ(p.frame.tcp_options.sack_block_count, 3);
  translate_sack_blocks(p.tcp(), p.frame.tcp_options,
                        [](TcpSeq edge) { return edge - kHeaderLength; });
  const std::uint32_t expected[] = {8000, 8100, 9100, 9200, 9300, 9400};
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(load_be32(p.tcp() + 24 + 4 * i), expected[i] - kHeaderLength) << i;
  }
  EXPECT_TRUE(p.checksum_ok());
}

TEST(SackTranslation, WrapsAroundAndWorksAtOddOffsets) {
  // NOP, SACK with one block at TCP offset 21 (edges at 23 and 27), NOP.
  Bytes options{1, 5, 10, 0, 0, 0, 50, 0, 0, 0, 60, 1};
  Parsed p(tcp_frame(options, {}, true));
  ASSERT_EQ(p.frame.tcp_options.sack_offset, 21);
  translate_sack_blocks(p.tcp(), p.frame.tcp_options,
                        [](TcpSeq edge) { return edge - kHeaderLength; });
  EXPECT_EQ(load_be32(p.tcp() + 23), 50u - kHeaderLength);  // wrapped: 0xFFFFFFC7
  EXPECT_EQ(load_be32(p.tcp() + 23), 0xFFFFFFC7u);
  EXPECT_EQ(load_be32(p.tcp() + 27), 60u - kHeaderLength);
  EXPECT_TRUE(p.checksum_ok());
}

TEST(SackTranslation, CallerFunctionCanClampEdges) {
  // "Acknowledgements that cover only header bytes become c+1": a translation with state.
  const TcpSeq client_isn_plus_one(1000);
  const auto translate = [&](TcpSeq edge) {
    const TcpSeq shifted = edge - kHeaderLength;
    return shifted < client_isn_plus_one ? client_isn_plus_one : shifted;
  };
  Parsed p(tcp_frame(testing::sack_option({{1000 + 50, 1000 + 200}})));
  translate_sack_blocks(p.tcp(), p.frame.tcp_options, translate);
  EXPECT_EQ(load_be32(p.tcp() + 24), 1000u);
  EXPECT_EQ(load_be32(p.tcp() + 28), 1000u + 200 - kHeaderLength);
  EXPECT_TRUE(p.checksum_ok());
}

TEST(SackTranslation, NoSackNoChange) {
  Parsed p(tcp_frame(testing::mss_option(1460)));
  const Bytes before = p.packet.bytes();
  int calls = 0;
  translate_sack_blocks(p.tcp(), p.frame.tcp_options, [&](TcpSeq edge) {
    ++calls;
    return edge;
  });
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(p.packet.bytes(), before);
}

TEST(SeqAckRewrite, KeepsTheChecksum) {
  Parsed p(tcp_frame({}, Bytes(5, 1)));
  const ConstTcpView tcp(p.tcp());
  rewrite_tcp_seq(p.tcp(), tcp.seq() + kHeaderLength);
  rewrite_tcp_ack(p.tcp(), TcpSeq(0xFFFFFFFFu));
  EXPECT_EQ(tcp.seq(), TcpSeq(1000 + kHeaderLength));
  EXPECT_EQ(tcp.ack(), TcpSeq(0xFFFFFFFFu));
  EXPECT_TRUE(p.checksum_ok());
}

TEST(StripFastOpen, ReplacesTheOptionWithNops) {
  // MSS, TFO cookie of 8 bytes (10), NOP NOP.
  Bytes options = testing::mss_option(1460);
  options.insert(options.end(), {34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1});
  Parsed p(tcp_frame(options));
  ASSERT_EQ(p.frame.tcp_options.fast_open_offset, 24);
  const std::size_t length_before = p.packet.buffer().length();
  EXPECT_TRUE(strip_fast_open(p.tcp(), p.frame.tcp_options));
  EXPECT_FALSE(p.frame.tcp_options.has_fast_open());
  for (std::size_t i = 24; i < 34; ++i) EXPECT_EQ(p.tcp()[i], 1) << i;
  EXPECT_EQ(load_be16(p.tcp() + 22), 1460);  // the MSS is untouched
  EXPECT_EQ(p.packet.buffer().length(), length_before);
  EXPECT_TRUE(p.checksum_ok());
  EXPECT_FALSE(strip_fast_open(p.tcp(), p.frame.tcp_options));
  // A re-parse agrees.
  const ParseResult again = parse_frame(p.packet.data(), p.packet.buffer().length());
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again.frame().tcp_options.has_fast_open());
}

TEST(StripFastOpen, ExperimentalKindAtAnOddOffset) {
  Parsed p(tcp_frame({1, 254, 6, 0xF9, 0x89, 0xAB, 0xCD, 1}, {}, true));
  ASSERT_TRUE(p.frame.tcp_options.fast_open_experimental);
  ASSERT_EQ(p.frame.tcp_options.fast_open_offset, 21);
  EXPECT_TRUE(strip_fast_open(p.tcp(), p.frame.tcp_options));
  for (std::size_t i = 20; i < 28; ++i) EXPECT_EQ(p.tcp()[i], 1) << i;
  EXPECT_TRUE(p.checksum_ok());
}

TEST(RemoveTcpPayload, DropsTfoDataOverIpv4) {
  Bytes options = testing::mss_option(1460);
  options.insert(options.end(), {34, 6, 1, 2, 3, 4, 1, 1});
  // 37 bytes of SYN data and 5 bytes of Ethernet padding behind it.
  Parsed p(tcp_frame(options, Bytes(37, 0x44), false, 5));
  ASSERT_TRUE(strip_fast_open(p.tcp(), p.frame.tcp_options));
  ASSERT_EQ(remove_tcp_payload(p.packet.buffer(), p.frame), DropReason::kNone);
  EXPECT_EQ(p.packet.buffer().length(), 14u + 20 + 32);
  EXPECT_EQ(p.frame.l3_end, 14u + 20 + 32);
  EXPECT_EQ(p.frame.payload_length(), 0u);
  const Bytes now = p.packet.bytes();
  EXPECT_EQ(testing::be16(now, 16), 20 + 32);  // IPv4 total length
  EXPECT_TRUE(testing::reference_ipv4_header_ok(now, 14));
  EXPECT_TRUE(p.checksum_ok());
  const ParseResult again = parse_frame(now.data(), now.size());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.frame().payload_length(), 0u);
}

TEST(RemoveTcpPayload, DropsTfoDataOverIpv6) {
  Parsed p(tcp_frame(testing::mss_option(1440), Bytes(100, 0x45), true));
  ASSERT_EQ(remove_tcp_payload(p.packet.buffer(), p.frame), DropReason::kNone);
  const Bytes now = p.packet.bytes();
  EXPECT_EQ(now.size(), 14u + 40 + 24);
  EXPECT_EQ(testing::be16(now, 18), 24);  // IPv6 payload length
  EXPECT_TRUE(p.checksum_ok());
}

TEST(RemoveTcpPayload, RefusesNonTcp) {
  testing::UdpSpec udp;
  udp.payload = {1};
  TestPacket packet(testing::build_frame({}, testing::Ipv4Spec{}, udp));
  ParsedFrame frame = parse_frame(packet.data(), packet.buffer().length()).frame();
  EXPECT_EQ(remove_tcp_payload(packet.buffer(), frame), DropReason::kNotRewritable);
}

}  // namespace
}  // namespace sluice::packet
