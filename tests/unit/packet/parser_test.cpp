// parse_frame(): every kind of valid frame, every distinct drop reason, and every truncation
// offset of every valid frame (exact-size heap copies, so the sanitizer catches overreads).
#include "dataplane/packet/parser.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "dataplane/packet/checksum.hpp"
#include "dataplane/packet/drop_reason.hpp"
#include "tests/unit/packet/frame_builder.hpp"

namespace sluice::packet {
namespace {

using testing::Bytes;
using testing::ip;

// MSS 1460, SACK-permitted, timestamps, NOP, window scale 7, TFO cookie (8 bytes), NOP NOP.
const Bytes kSynOptions{2, 4, 0x05, 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
                        1, 3, 3, 7, 34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1};

Bytes syn_v4() {
  testing::TcpSpec tcp;
  tcp.options = kSynOptions;
  return testing::build_frame({}, testing::Ipv4Spec{}, tcp);
}

Bytes ack_with_sack_v4() {
  testing::TcpSpec tcp;
  tcp.flags = 0x10;
  tcp.seq = 5000;
  tcp.ack = 9000;
  tcp.options = {1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 8};
  const Bytes sack = testing::sack_option({{9100, 9200}, {9300, 9400}});
  tcp.options.insert(tcp.options.end(), sack.begin(), sack.end());
  tcp.payload = Bytes(100, 0x61);
  return testing::build_frame({}, testing::Ipv4Spec{}, tcp);
}

ParsedFrame parse_ok(const Bytes& frame) {
  const Bytes exact = frame;
  const ParseResult result = parse_frame(exact.data(), exact.size());
  EXPECT_TRUE(result.ok()) << drop_reason_name(result.drop_reason());
  return result.frame();
}

DropReason parse_drop(const Bytes& frame) {
  const ParseResult result = parse_frame(frame.data(), frame.size());
  EXPECT_FALSE(result.ok());
  return result.drop_reason();
}

void set_be16(Bytes& frame, std::size_t offset, std::uint16_t value) {
  frame[offset] = static_cast<std::uint8_t>(value >> 8);
  frame[offset + 1] = static_cast<std::uint8_t>(value);
}

// Rewrites the IPv4 header checksum after a test edited the header.
void fix_ipv4_checksum(Bytes& frame, std::size_t l3 = 14) {
  set_be16(frame, l3 + 10, 0);
  set_be16(frame, l3 + 10, ipv4_header_checksum(frame.data() + l3, (frame[l3] & 0x0Fu) * 4u));
}

TEST(Parser, Ipv4TcpSynWithOptions) {
  const Bytes frame = syn_v4();
  const ParsedFrame f = parse_ok(frame);
  EXPECT_EQ(f.l2_offset, 0u);
  EXPECT_EQ(f.l3_offset, 14u);
  EXPECT_EQ(f.l4_offset, 34u);
  EXPECT_EQ(f.payload_offset, 34u + 52u);
  EXPECT_EQ(f.l3_end, frame.size());
  EXPECT_EQ(f.payload_length(), 0u);
  EXPECT_EQ(f.l4_length(), 52u);
  EXPECT_EQ(f.l2_length(), 14u);
  EXPECT_EQ(f.l3_header_length(), 20u);
  EXPECT_FALSE(f.has_vlan);
  EXPECT_EQ(f.ethertype, 0x0800);
  EXPECT_TRUE(f.is_ipv4());
  EXPECT_EQ(f.family, net::Family::kIpv4);
  EXPECT_EQ(f.src_address(frame.data()).to_address(), ip("192.0.2.1"));
  EXPECT_EQ(f.dst_address(frame.data()).to_address(), ip("198.51.100.7"));
  EXPECT_EQ(f.src_address(frame.data()).size(), 4u);
  EXPECT_EQ(f.address_size(), 4u);
  EXPECT_EQ(f.ipv4_options_length, 0);
  EXPECT_FALSE(f.is_fragment);
  EXPECT_TRUE(f.is_tcp());
  EXPECT_FALSE(f.is_udp());
  EXPECT_EQ(f.l4_protocol, 6);
  EXPECT_EQ(f.tcp_flags, 0x02);
  const TcpOptionsSummary& o = f.tcp_options;
  EXPECT_EQ(o.mss_offset, 20);
  EXPECT_EQ(o.mss, 1460);
  EXPECT_EQ(o.sack_permitted_offset, 24);
  EXPECT_TRUE(o.sack_permitted());
  EXPECT_EQ(o.timestamps_offset, 26);
  EXPECT_EQ(o.window_scale_offset, 37);
  EXPECT_EQ(o.window_scale, 7);
  EXPECT_EQ(o.fast_open_offset, 40);
  EXPECT_EQ(o.fast_open_length, 10);
  EXPECT_FALSE(o.fast_open_experimental);
  EXPECT_FALSE(o.has_sack());
}

TEST(Parser, Ipv4TcpWithSackBlocksAndPayload) {
  const Bytes frame = ack_with_sack_v4();
  const ParsedFrame f = parse_ok(frame);
  EXPECT_EQ(f.payload_offset, 34u + 52u);
  EXPECT_EQ(f.payload_length(), 100u);
  EXPECT_EQ(f.tcp_options.timestamps_offset, 22);
  EXPECT_EQ(f.tcp_options.sack_offset, 34);
  EXPECT_EQ(f.tcp_options.sack_block_count, 2);
  EXPECT_FALSE(f.tcp_options.has_mss());
}

TEST(Parser, ExperimentalFastOpenOption) {
  testing::TcpSpec tcp;
  tcp.options = {254, 6, 0xF9, 0x89, 0, 0, 1, 1};  // ExID 0xF989, cookie request
  const ParsedFrame f = parse_ok(testing::build_frame({}, testing::Ipv4Spec{}, tcp));
  EXPECT_EQ(f.tcp_options.fast_open_offset, 20);
  EXPECT_EQ(f.tcp_options.fast_open_length, 6);
  EXPECT_TRUE(f.tcp_options.fast_open_experimental);
  // Another experiment under kind 254 is not TFO.
  tcp.options = {254, 4, 0x12, 0x34};
  EXPECT_FALSE(parse_ok(testing::build_frame({}, testing::Ipv4Spec{}, tcp))
                   .tcp_options.has_fast_open());
}

// The aligned-timestamps layout (NOP, NOP, TS) is recognised without the option walk; the
// summary must be the walk's, and anything else in those 12 bytes must take the walk.
TEST(Parser, AlignedTimestampsLayoutGivesTheWalksSummary) {
  testing::TcpSpec tcp;
  tcp.options = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
  const TcpOptionsSummary aligned =
      parse_ok(testing::build_frame({}, testing::Ipv4Spec{}, tcp)).tcp_options;
  EXPECT_EQ(aligned.timestamps_offset, 22);
  EXPECT_FALSE(aligned.has_mss() || aligned.has_sack() || aligned.has_window_scale() ||
               aligned.sack_permitted() || aligned.has_fast_open());
  // Same length, other layouts: the walk decides (timestamps first, then two NOPs).
  tcp.options = {8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1};
  EXPECT_EQ(parse_ok(testing::build_frame({}, testing::Ipv4Spec{}, tcp))
                .tcp_options.timestamps_offset,
            20);
  // A wrong timestamps length after two NOPs is still refused.
  tcp.options = {1, 1, 8, 9, 0, 0, 0, 1, 0, 0, 0, 0};
  const Bytes bad = testing::build_frame({}, testing::Ipv4Spec{}, tcp);
  EXPECT_EQ(parse_frame(bad.data(), bad.size()).drop_reason(), DropReason::kBadTcpOptionLength);
}

TEST(Parser, EndOfOptionListStopsTheWalk) {
  testing::TcpSpec tcp;
  tcp.options = {0, 2, 0, 0};  // garbage after EOL must not be parsed
  EXPECT_FALSE(parse_ok(testing::build_frame({}, testing::Ipv4Spec{}, tcp))
                   .tcp_options.has_mss());
}

TEST(Parser, Ipv4UdpWithEthernetPadding) {
  testing::UdpSpec udp;
  udp.payload = {1, 2, 3, 4};
  const Bytes frame = testing::build_frame({}, testing::Ipv4Spec{}, udp, 14);
  ASSERT_EQ(frame.size(), 60u);
  const ParsedFrame f = parse_ok(frame);
  EXPECT_TRUE(f.is_udp());
  EXPECT_EQ(f.l4_offset, 34u);
  EXPECT_EQ(f.payload_offset, 42u);
  EXPECT_EQ(f.l3_end, 46u);
  EXPECT_EQ(f.payload_length(), 4u);
  // Truncating the padding only is still a valid frame.
  for (std::size_t len = 46; len < frame.size(); ++len) {
    const Bytes cut(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(len));
    EXPECT_TRUE(parse_frame(cut.data(), cut.size()).ok()) << len;
  }
}

TEST(Parser, Ipv4UdpWithoutChecksumIsAccepted) {
  testing::UdpSpec udp;
  udp.no_checksum = true;
  EXPECT_TRUE(parse_ok(testing::build_frame({}, testing::Ipv4Spec{}, udp)).is_udp());
}

TEST(Parser, Icmpv4Echo) {
  testing::IcmpSpec icmp;
  icmp.payload = Bytes(56, 0x55);
  const ParsedFrame f = parse_ok(testing::build_frame({}, testing::Ipv4Spec{}, icmp));
  EXPECT_TRUE(f.has_l4);
  EXPECT_EQ(f.l4_protocol, 1);
  EXPECT_EQ(f.icmp_type, 8);
  EXPECT_EQ(f.icmp_code, 0);
  EXPECT_EQ(f.payload_offset, 42u);
}

TEST(Parser, Arp) {
  const Bytes frame = testing::build_frame({}, testing::ArpSpec{}, std::monostate{}, 18);
  const ParsedFrame f = parse_ok(frame);
  EXPECT_EQ(f.l3, L3Kind::kArp);
  EXPECT_EQ(f.ethertype, 0x0806);
  EXPECT_EQ(f.l3_end, 42u);
  EXPECT_EQ(f.src_address(frame.data()).to_address(), ip("192.0.2.1"));
  EXPECT_EQ(f.dst_address(frame.data()).to_address(), ip("192.0.2.254"));
  EXPECT_FALSE(f.has_l4);
}

TEST(Parser, VlanTaggedFrame) {
  testing::EthernetSpec l2;
  l2.vlan_tci = 0x2064;  // PCP 1, VID 100
  const Bytes frame = testing::build_frame(l2, testing::Ipv4Spec{}, testing::TcpSpec{});
  const ParsedFrame f = parse_ok(frame);
  EXPECT_TRUE(f.has_vlan);
  EXPECT_EQ(f.vlan_tci, 0x2064);
  EXPECT_EQ(f.ethertype, 0x0800);
  EXPECT_EQ(f.l3_offset, 18u);
  EXPECT_EQ(f.l4_offset, 38u);
  EXPECT_TRUE(f.is_tcp());
}

TEST(Parser, Ipv6Tcp) {
  testing::TcpSpec tcp;
  tcp.options = kSynOptions;
  testing::Ipv6Spec v6;
  v6.traffic_class = 0x20;
  const Bytes frame = testing::build_frame({}, v6, tcp);
  const ParsedFrame f = parse_ok(frame);
  EXPECT_TRUE(f.is_ipv6());
  EXPECT_EQ(f.family, net::Family::kIpv6);
  EXPECT_EQ(f.ethertype, 0x86DD);
  EXPECT_EQ(f.l4_offset, 54u);
  EXPECT_EQ(f.payload_offset, 54u + 52u);
  EXPECT_EQ(f.l3_end, frame.size());
  EXPECT_EQ(f.src_address(frame.data()).to_address(), ip("2001:db8::1"));
  EXPECT_EQ(f.dst_address(frame.data()).to_address(), ip("2001:db8:ffff::7"));
  EXPECT_EQ(f.address_size(), 16u);
  EXPECT_EQ(f.ipv6_extension_count, 0);
  EXPECT_EQ(f.tcp_options.mss, 1460);
}

TEST(Parser, Ipv6ExtensionHeaderChain) {
  testing::Ipv6Spec v6;
  v6.extensions = {testing::hop_by_hop_header(), testing::destination_options_header(1),
                   testing::routing_header(0), testing::ah_header()};
  testing::UdpSpec udp;
  udp.payload = {9, 9};
  const ParsedFrame f = parse_ok(testing::build_frame({}, v6, udp));
  EXPECT_EQ(f.ipv6_extension_count, 4);
  EXPECT_EQ(f.l4_offset, 54u + 8 + 16 + 24 + 24);
  EXPECT_EQ(f.l3_header_length(), 40u + 72u);
  EXPECT_TRUE(f.is_udp());
  EXPECT_FALSE(f.ipv6_routing_segments_left);
  EXPECT_EQ(f.payload_length(), 2u);
}

TEST(Parser, Ipv6RoutingHeaderWithSegmentsLeftIsFlagged) {
  testing::Ipv6Spec v6;
  v6.extensions = {testing::routing_header(2)};
  const ParsedFrame f = parse_ok(testing::build_frame({}, v6, testing::TcpSpec{}));
  EXPECT_TRUE(f.ipv6_routing_segments_left);
  EXPECT_TRUE(f.is_tcp());
}

TEST(Parser, Ipv6EspAndUnknownProtocolsEndTheWalkWithoutL4) {
  testing::Ipv6Spec v6;
  v6.extensions = {testing::destination_options_header(0)};
  const ParsedFrame esp =
      parse_ok(testing::build_frame({}, v6, testing::RawL4{50, Bytes(24, 0xEE)}));
  EXPECT_FALSE(esp.has_l4);
  EXPECT_EQ(esp.l4_protocol, 50);
  EXPECT_EQ(esp.l4_offset, 62u);
  EXPECT_EQ(esp.payload_offset, 62u);
  const ParsedFrame gre =
      parse_ok(testing::build_frame({}, testing::Ipv4Spec{}, testing::RawL4{47, Bytes(4, 0)}));
  EXPECT_FALSE(gre.has_l4);
  EXPECT_EQ(gre.l4_protocol, 47);
  // ICMPv4 inside IPv6 is not ICMPv6: unknown.
  EXPECT_FALSE(
      parse_ok(testing::build_frame({}, testing::Ipv6Spec{}, testing::RawL4{1, Bytes(8, 0)}))
          .has_l4);
}

TEST(Parser, Icmpv6) {
  testing::IcmpSpec icmp;
  icmp.type = 128;
  const ParsedFrame f = parse_ok(testing::build_frame({}, testing::Ipv6Spec{}, icmp));
  EXPECT_TRUE(f.has_l4);
  EXPECT_EQ(f.l4_protocol, 58);
  EXPECT_EQ(f.icmp_type, 128);
  EXPECT_EQ(f.payload_offset, 62u);
}

TEST(Parser, Ipv4OptionsAreSkipped) {
  testing::Ipv4Spec v4;
  v4.options = {0x94, 0x04, 0x00, 0x00, 1, 1, 1, 0};  // router alert, NOPs, EOL
  const ParsedFrame f = parse_ok(testing::build_frame({}, v4, testing::TcpSpec{}));
  EXPECT_EQ(f.ipv4_options_length, 8);
  EXPECT_EQ(f.l4_offset, 42u);
  EXPECT_EQ(f.l3_header_length(), 28u);
  EXPECT_TRUE(f.is_tcp());
}

TEST(Parser, Ipv4FirstAndLaterFragments) {
  testing::Ipv4Spec first;
  first.flags_fragment = 0x2000;  // MF, offset 0
  testing::UdpSpec udp;
  udp.payload = Bytes(32, 1);
  udp.length = 1000;  // the whole datagram, not this fragment
  const ParsedFrame f1 = parse_ok(testing::build_frame({}, first, udp));
  EXPECT_TRUE(f1.is_fragment);
  EXPECT_TRUE(f1.is_first_fragment);
  EXPECT_TRUE(f1.is_udp());
  EXPECT_EQ(f1.payload_offset, 42u);

  testing::Ipv4Spec later;
  later.flags_fragment = 185;  // offset 1480 bytes, last fragment
  later.protocol = 17;
  const ParsedFrame f2 =
      parse_ok(testing::build_frame({}, later, testing::RawL4{17, Bytes(3, 0xAB)}));
  EXPECT_TRUE(f2.is_fragment);
  EXPECT_FALSE(f2.is_first_fragment);
  EXPECT_FALSE(f2.has_l4);
  EXPECT_EQ(f2.l4_protocol, 17);
  EXPECT_EQ(f2.l4_offset, 34u);
  EXPECT_EQ(f2.payload_offset, 34u);
  EXPECT_EQ(f2.payload_length(), 3u);
}

TEST(Parser, Ipv6FirstAndLaterFragments) {
  testing::Ipv6Spec first;
  first.extensions = {testing::fragment_header(0, true, 0x01020304)};
  const ParsedFrame f1 = parse_ok(testing::build_frame({}, first, testing::TcpSpec{}));
  EXPECT_TRUE(f1.is_fragment);
  EXPECT_TRUE(f1.is_first_fragment);
  EXPECT_EQ(f1.ipv6_fragment_header_offset, 54u);
  EXPECT_TRUE(f1.is_tcp());
  EXPECT_EQ(f1.l4_offset, 62u);

  testing::Ipv6Spec later;
  later.extensions = {testing::fragment_header(100, false, 0x01020304)};
  later.next_header = 6;
  const ParsedFrame f2 =
      parse_ok(testing::build_frame({}, later, testing::RawL4{6, Bytes(5, 0)}));
  EXPECT_TRUE(f2.is_fragment);
  EXPECT_FALSE(f2.is_first_fragment);
  EXPECT_FALSE(f2.has_l4);
  EXPECT_EQ(f2.l4_protocol, 6);
  EXPECT_EQ(f2.payload_offset, 62u);
  EXPECT_EQ(f2.payload_length(), 5u);
}

// --- Every drop reason ----------------------------------------------------------------------

TEST(ParserDrops, LinkLayer) {
  const Bytes tcp = syn_v4();
  EXPECT_EQ(parse_drop(Bytes(tcp.begin(), tcp.begin() + 13)), DropReason::kTruncatedEthernet);
  testing::EthernetSpec tagged;
  tagged.vlan_tci = 1;
  const Bytes vlan = testing::build_frame(tagged, testing::Ipv4Spec{}, testing::TcpSpec{});
  EXPECT_EQ(parse_drop(Bytes(vlan.begin(), vlan.begin() + 17)), DropReason::kTruncatedVlan);
  Bytes stacked = vlan;
  set_be16(stacked, 16, 0x8100);
  EXPECT_EQ(parse_drop(stacked), DropReason::kStackedVlan);
  testing::EthernetSpec lldp;
  lldp.ethertype = 0x88CC;
  EXPECT_EQ(parse_drop(testing::build_frame(lldp, testing::Ipv4Spec{}, testing::TcpSpec{})),
            DropReason::kUnsupportedEthertype);
  const Bytes arp = testing::build_frame({}, testing::ArpSpec{}, std::monostate{});
  EXPECT_EQ(parse_drop(Bytes(arp.begin(), arp.end() - 1)), DropReason::kTruncatedArp);
  Bytes arp_v6 = arp;
  arp_v6[14 + 5] = 16;  // protocol length 16: not IPv4 over Ethernet
  EXPECT_EQ(parse_drop(arp_v6), DropReason::kUnsupportedArp);
}

TEST(ParserDrops, Ipv4) {
  const Bytes good = syn_v4();
  EXPECT_EQ(parse_drop(Bytes(good.begin(), good.begin() + 33)), DropReason::kTruncatedIpv4);

  Bytes version = good;
  version[14] = 0x55;
  EXPECT_EQ(parse_drop(version), DropReason::kBadIpVersion);

  Bytes ihl = good;
  ihl[14] = 0x44;
  EXPECT_EQ(parse_drop(ihl), DropReason::kBadIpv4Ihl);

  testing::Ipv4Spec with_options;
  with_options.options = {1, 1, 1, 1, 1, 1, 1, 1};
  const Bytes opts = testing::build_frame({}, with_options, std::monostate{});
  ASSERT_EQ(opts.size(), 42u);  // header only: 28 bytes
  EXPECT_EQ(parse_drop(Bytes(opts.begin(), opts.begin() + 40)), DropReason::kTruncatedIpv4);

  Bytes below = good;
  set_be16(below, 16, 19);
  fix_ipv4_checksum(below);
  EXPECT_EQ(parse_drop(below), DropReason::kIpv4TotalLengthBelowHeader);

  Bytes beyond = good;
  set_be16(beyond, 16, static_cast<std::uint16_t>(good.size() - 14 + 1));
  fix_ipv4_checksum(beyond);
  EXPECT_EQ(parse_drop(beyond), DropReason::kIpv4TotalLengthBeyondFrame);

  testing::Ipv4Spec corrupt;
  corrupt.corrupt_checksum = true;
  EXPECT_EQ(parse_drop(testing::build_frame({}, corrupt, testing::TcpSpec{})),
            DropReason::kBadIpv4HeaderChecksum);
}

TEST(ParserDrops, Ipv6) {
  const Bytes good = testing::build_frame({}, testing::Ipv6Spec{}, testing::TcpSpec{});
  EXPECT_EQ(parse_drop(Bytes(good.begin(), good.begin() + 53)), DropReason::kTruncatedIpv6);
  Bytes version = good;
  version[14] = 0x40;
  EXPECT_EQ(parse_drop(version), DropReason::kBadIpVersion);
  Bytes beyond = good;
  set_be16(beyond, 18, 21);
  EXPECT_EQ(parse_drop(beyond), DropReason::kIpv6PayloadLengthBeyondFrame);

  testing::Ipv6Spec ext;
  ext.extensions = {testing::destination_options_header(2)};  // 24 bytes
  ext.payload_length = 16;  // the IPv6 payload ends inside the extension header
  EXPECT_EQ(parse_drop(testing::build_frame({}, ext, testing::TcpSpec{})),
            DropReason::kTruncatedIpv6ExtensionHeader);
  ext.payload_length = 4;   // not even the 8-byte minimum
  EXPECT_EQ(parse_drop(testing::build_frame({}, ext, testing::TcpSpec{})),
            DropReason::kTruncatedIpv6ExtensionHeader);

  testing::Ipv6Spec many;
  for (std::size_t i = 0; i < kMaxIpv6ExtensionHeaders; ++i) {
    many.extensions.push_back(testing::destination_options_header(0));
  }
  EXPECT_EQ(parse_ok(testing::build_frame({}, many, testing::TcpSpec{})).ipv6_extension_count,
            kMaxIpv6ExtensionHeaders);
  many.extensions.push_back(testing::destination_options_header(0));
  EXPECT_EQ(parse_drop(testing::build_frame({}, many, testing::TcpSpec{})),
            DropReason::kTooManyIpv6ExtensionHeaders);

  testing::Ipv6Spec late_hbh;
  late_hbh.extensions = {testing::destination_options_header(0), testing::hop_by_hop_header()};
  EXPECT_EQ(parse_drop(testing::build_frame({}, late_hbh, testing::TcpSpec{})),
            DropReason::kIpv6HopByHopNotFirst);
}

TEST(ParserDrops, Tcp) {
  testing::Ipv4Spec short_ip;
  short_ip.total_length = 20 + 19;
  EXPECT_EQ(parse_drop(testing::build_frame({}, short_ip, testing::TcpSpec{})),
            DropReason::kTruncatedTcp);

  testing::TcpSpec low;
  low.data_offset_words = 4;
  EXPECT_EQ(parse_drop(testing::build_frame({}, testing::Ipv4Spec{}, low)),
            DropReason::kBadTcpDataOffset);

  testing::TcpSpec high;
  high.data_offset_words = 15;  // 60 bytes claimed, 24 present
  high.payload = {1, 2, 3, 4};
  EXPECT_EQ(parse_drop(testing::build_frame({}, testing::Ipv4Spec{}, high)),
            DropReason::kTruncatedTcp);

  const auto with_options = [](Bytes options) {
    testing::TcpSpec tcp;
    tcp.options = std::move(options);
    return testing::build_frame({}, testing::Ipv4Spec{}, tcp);
  };
  EXPECT_EQ(parse_drop(with_options({1, 1, 8, 10})), DropReason::kTcpOptionsOverrun);
  EXPECT_EQ(parse_drop(with_options({1, 1, 1, 2})), DropReason::kTcpOptionsOverrun);  // no length
  EXPECT_EQ(parse_drop(with_options({2, 1, 0, 0})), DropReason::kBadTcpOptionLength);
  EXPECT_EQ(parse_drop(with_options({99, 0, 0, 0})), DropReason::kBadTcpOptionLength);
  EXPECT_EQ(parse_drop(with_options({2, 3, 5, 1})), DropReason::kBadTcpOptionLength);   // MSS
  EXPECT_EQ(parse_drop(with_options({3, 4, 7, 0})), DropReason::kBadTcpOptionLength);   // WS
  EXPECT_EQ(parse_drop(with_options({4, 3, 0, 0})), DropReason::kBadTcpOptionLength);   // SACK-ok
  EXPECT_EQ(parse_drop(with_options({5, 6, 0, 0, 0, 0, 1, 1})),                          // SACK
            DropReason::kBadTcpOptionLength);
  EXPECT_EQ(parse_drop(with_options({8, 8, 0, 0, 0, 0, 0, 0})),                          // TS
            DropReason::kBadTcpOptionLength);
  EXPECT_EQ(parse_drop(with_options({2, 4, 5, 0xB4, 2, 4, 0x23, 0x28})),
            DropReason::kDuplicateTcpOption);
  EXPECT_EQ(parse_drop(with_options({34, 2, 254, 4, 0xF9, 0x89, 1, 1})),
            DropReason::kDuplicateTcpOption);
}

TEST(ParserDrops, UdpAndIcmp) {
  testing::Ipv4Spec short_ip;
  short_ip.total_length = 20 + 7;
  EXPECT_EQ(parse_drop(testing::build_frame({}, short_ip, testing::UdpSpec{})),
            DropReason::kTruncatedUdp);

  testing::UdpSpec wrong_length;
  wrong_length.payload = {1, 2, 3};
  wrong_length.length = 10;
  EXPECT_EQ(parse_drop(testing::build_frame({}, testing::Ipv4Spec{}, wrong_length)),
            DropReason::kUdpLengthMismatch);
  wrong_length.length = 7;
  EXPECT_EQ(parse_drop(testing::build_frame({}, testing::Ipv6Spec{}, wrong_length)),
            DropReason::kUdpLengthMismatch);

  testing::UdpSpec zero;
  zero.no_checksum = true;
  EXPECT_EQ(parse_drop(testing::build_frame({}, testing::Ipv6Spec{}, zero)),
            DropReason::kUdpZeroChecksumIpv6);

  short_ip.total_length = 20 + 4;
  EXPECT_EQ(parse_drop(testing::build_frame({}, short_ip, testing::IcmpSpec{})),
            DropReason::kTruncatedIcmp);
  testing::Ipv6Spec short_v6;
  short_v6.payload_length = 7;
  EXPECT_EQ(parse_drop(testing::build_frame({}, short_v6, testing::IcmpSpec{})),
            DropReason::kTruncatedIcmpv6);
}

TEST(DropReasons, NamesAreDistinctAndStable) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < kDropReasonCount; ++i) {
    const auto name = drop_reason_name(static_cast<DropReason>(i));
    EXPECT_NE(name, "unknown") << i;
    EXPECT_FALSE(name.empty());
    names.emplace(name);
  }
  EXPECT_EQ(names.size(), kDropReasonCount);
  EXPECT_EQ(drop_reason_name(DropReason::kNone), "none");
  EXPECT_EQ(drop_reason_name(DropReason::kBadIpv4HeaderChecksum), "bad_ipv4_header_checksum");
  EXPECT_EQ(drop_reason_name(DropReason::kTcpOptionsOverrun), "tcp_options_overrun");
  EXPECT_EQ(drop_reason_name(DropReason::kCount), "unknown");
}

// --- Truncation sweeps ----------------------------------------------------------------------

struct Fixture {
  std::string name;
  Bytes frame;
};

std::vector<Fixture> valid_fixtures() {
  std::vector<Fixture> out;
  out.push_back({"v4 syn", syn_v4()});
  out.push_back({"v4 sack", ack_with_sack_v4()});
  testing::UdpSpec udp;
  udp.payload = {1, 2, 3, 4, 5};
  out.push_back({"v4 udp", testing::build_frame({}, testing::Ipv4Spec{}, udp)});
  out.push_back({"v4 icmp", testing::build_frame({}, testing::Ipv4Spec{}, testing::IcmpSpec{})});
  out.push_back({"arp", testing::build_frame({}, testing::ArpSpec{}, std::monostate{})});
  testing::EthernetSpec tagged;
  tagged.vlan_tci = 7;
  out.push_back({"vlan", testing::build_frame(tagged, testing::Ipv4Spec{}, testing::TcpSpec{})});
  testing::TcpSpec tcp;
  tcp.options = kSynOptions;
  tcp.payload = {1, 2, 3};
  out.push_back({"v6 tcp", testing::build_frame({}, testing::Ipv6Spec{}, tcp)});
  testing::Ipv6Spec chain;
  chain.extensions = {testing::hop_by_hop_header(), testing::routing_header(1),
                      testing::fragment_header(0, true, 9), testing::ah_header(),
                      testing::destination_options_header(1)};
  out.push_back({"v6 chain", testing::build_frame({}, chain, udp)});
  out.push_back({"v6 icmp", testing::build_frame({}, testing::Ipv6Spec{}, testing::IcmpSpec{})});
  testing::Ipv4Spec options;
  options.options = {0x94, 4, 0, 0};
  out.push_back({"v4 options", testing::build_frame({}, options, tcp)});
  testing::Ipv4Spec later;
  later.flags_fragment = 10;
  later.protocol = 6;
  out.push_back({"v4 later fragment",
                 testing::build_frame({}, later, testing::RawL4{6, Bytes(16, 3)})});
  return out;
}

// The outermost length check a prefix of `frame` fails.
DropReason expected_truncation_reason(const Bytes& frame, const ParsedFrame& full,
                                      std::size_t len) {
  if (len < 14) return DropReason::kTruncatedEthernet;
  if (full.has_vlan && len < 18) return DropReason::kTruncatedVlan;
  const std::size_t l3 = full.l3_offset;
  switch (full.l3) {
    case L3Kind::kArp: return DropReason::kTruncatedArp;
    case L3Kind::kIpv4:
      if (len < l3 + 20 || len < l3 + (frame[l3] & 0x0Fu) * 4u) return DropReason::kTruncatedIpv4;
      return DropReason::kIpv4TotalLengthBeyondFrame;
    case L3Kind::kIpv6:
      if (len < l3 + 40) return DropReason::kTruncatedIpv6;
      return DropReason::kIpv6PayloadLengthBeyondFrame;
  }
  return DropReason::kNone;
}

TEST(ParserTruncation, EveryPrefixOfEveryValidFrameIsDroppedWithTheRightReason) {
  for (const Fixture& fixture : valid_fixtures()) {
    const ParseResult whole = parse_frame(fixture.frame.data(), fixture.frame.size());
    ASSERT_TRUE(whole.ok()) << fixture.name << ": " << drop_reason_name(whole.drop_reason());
    for (std::size_t len = 0; len < fixture.frame.size(); ++len) {
      // An exact-size heap copy: any read past `len` is a sanitizer error.
      const Bytes prefix(fixture.frame.begin(),
                         fixture.frame.begin() + static_cast<std::ptrdiff_t>(len));
      const ParseResult result = parse_frame(prefix.data(), prefix.size());
      ASSERT_FALSE(result.ok()) << fixture.name << " len " << len;
      EXPECT_EQ(result.drop_reason(),
                expected_truncation_reason(fixture.frame, whole.frame(), len))
          << fixture.name << " len " << len << ": " << drop_reason_name(result.drop_reason());
    }
  }
}

// Shrinks the IP packet (length fields fixed up) so that the cut falls inside the L4 header or
// IPv6 extension headers: exercises the inner truncation checks with consistent outer ones.
TEST(ParserTruncation, EveryShorterIpPacketIsHandled) {
  for (const Fixture& fixture : valid_fixtures()) {
    const ParsedFrame full = parse_frame(fixture.frame.data(), fixture.frame.size()).frame();
    if (full.l3 == L3Kind::kArp) continue;
    const std::size_t l3 = full.l3_offset;
    const std::size_t min_end = l3 + (full.is_ipv4() ? (fixture.frame[l3] & 0x0Fu) * 4u : 40u);
    for (std::size_t end = min_end; end < full.l3_end; ++end) {
      Bytes cut(fixture.frame.begin(), fixture.frame.begin() + static_cast<std::ptrdiff_t>(end));
      if (full.is_ipv4()) {
        set_be16(cut, l3 + 2, static_cast<std::uint16_t>(end - l3));
        fix_ipv4_checksum(cut, l3);
      } else {
        set_be16(cut, l3 + 4, static_cast<std::uint16_t>(end - l3 - 40));
      }
      const ParseResult result = parse_frame(cut.data(), cut.size());
      if (end < full.payload_offset && full.has_l4) {
        // Inside the L4 header (or the extension headers before it): must be refused.
        EXPECT_FALSE(result.ok()) << fixture.name << " end " << end;
      }
      if (result.ok()) {
        EXPECT_LE(result.frame().payload_offset, cut.size()) << fixture.name;
        EXPECT_EQ(result.frame().l3_end, end) << fixture.name;
      }
    }
  }
}

}  // namespace
}  // namespace sluice::packet
