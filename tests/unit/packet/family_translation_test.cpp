// IPv4 <-> IPv6 translation (RFC 7915 4.1 / 5.1) with full-NAT: one frame checked byte by
// byte against hand-computed bytes, field checks, checksums by independent recomputation,
// round trips, buffer-room paths and every refusal.
#include "dataplane/packet/family_translation.hpp"

#include <gtest/gtest.h>

#include "dataplane/packet/ethernet.hpp"
#include "dataplane/packet/ip.hpp"
#include "dataplane/packet/l4.hpp"
#include "dataplane/packet/l4_checksum.hpp"
#include "tests/unit/packet/frame_builder.hpp"

namespace sluice::packet {
namespace {

using testing::Bytes;
using testing::ip;
using testing::TestPacket;

net::Endpoint endpoint(std::string_view address, std::uint16_t port) {
  return net::Endpoint{ip(address), port};
}

ParsedFrame parse(TestPacket& packet) {
  const ParseResult result = parse_frame(packet.data(), packet.buffer().length());
  EXPECT_TRUE(result.ok()) << drop_reason_name(result.drop_reason());
  return result.frame();
}

// The updated ParsedFrame must describe the new frame exactly as a fresh parse would.
void expect_matches_reparse(TestPacket& packet, const ParsedFrame& updated) {
  const ParsedFrame fresh = parse(packet);
  EXPECT_EQ(updated.l3_offset, fresh.l3_offset);
  EXPECT_EQ(updated.l4_offset, fresh.l4_offset);
  EXPECT_EQ(updated.payload_offset, fresh.payload_offset);
  EXPECT_EQ(updated.l3_end, fresh.l3_end);
  EXPECT_EQ(updated.l3, fresh.l3);
  EXPECT_EQ(updated.family, fresh.family);
  EXPECT_EQ(updated.ethertype, fresh.ethertype);
  EXPECT_EQ(updated.src_address_offset, fresh.src_address_offset);
  EXPECT_EQ(updated.dst_address_offset, fresh.dst_address_offset);
  EXPECT_EQ(updated.l4_protocol, fresh.l4_protocol);
  EXPECT_EQ(updated.tcp_options.mss_offset, fresh.tcp_options.mss_offset);
  EXPECT_EQ(updated.tcp_options.sack_offset, fresh.tcp_options.sack_offset);
}

bool l4_ok(TestPacket& packet, const ParsedFrame& frame) {
  return testing::reference_l4_ok(packet.bytes(), frame.l3_offset, frame.l4_offset, frame.l3_end,
                                  frame.l4_protocol) &&
         l4_checksum_ok(packet.data(), frame);
}

Bytes hand_check_v4_udp() {
  testing::Ipv4Spec v4;
  v4.tos = 0xB8;
  v4.ttl = 0x39;
  testing::UdpSpec udp;
  udp.payload = {'a', 'b', 'c'};
  return testing::build_frame({}, v4, udp);
}

TEST(FamilyTranslation, HandCheckedIpv4ToIpv6Frame) {
  const Bytes input = hand_check_v4_udp();
  // The input, written out to make the test self-explanatory (checksums computed by hand).
  const Bytes expected_input{
      0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x00,
      0x45, 0xB8, 0x00, 0x1F, 0x12, 0x34, 0x40, 0x00, 0x39, 0x11, 0x42, 0xA6,
      192,  0,    2,    1,    198,  51,   100,  7,
      0x14, 0xE9, 0x00, 0x35, 0x00, 0x0B, 0x3A, 0x1B, 'a',  'b',  'c'};
  ASSERT_EQ(input, expected_input);

  TestPacket packet(input);
  ParsedFrame frame = parse(packet);
  ASSERT_EQ(translate_ipv4_to_ipv6(packet.buffer(), frame, endpoint("2001:db8:1::a", 40000),
                                   endpoint("2001:db8:2::b", 8053)),
            DropReason::kNone);
  const Bytes expected{
      // Ethernet: MACs kept, ethertype IPv6.
      0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x86, 0xDD,
      // Version 6, traffic class 0xB8 (= TOS), flow label 0; payload length 11; UDP; hop
      // limit 0x39 (= TTL).
      0x6B, 0x80, 0x00, 0x00, 0x00, 0x0B, 0x11, 0x39,
      0x20, 0x01, 0x0D, 0xB8, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x0A,
      0x20, 0x01, 0x0D, 0xB8, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x0B,
      // UDP 40000 -> 8053, length 11, checksum over the IPv6 pseudo-header, "abc".
      0x9C, 0x40, 0x1F, 0x75, 0x00, 0x0B, 0x24, 0x36, 'a', 'b', 'c'};
  EXPECT_EQ(packet.bytes(), expected);
  EXPECT_EQ(packet.buffer().data_offset(), PacketBuffer::kRequiredHeadroom - 20);
  expect_matches_reparse(packet, frame);
}

TEST(FamilyTranslation, HandCheckedIpv6ToIpv4Frame) {
  // Start from the translated frame above and go back to other IPv4 endpoints.
  TestPacket packet(hand_check_v4_udp());
  ParsedFrame frame = parse(packet);
  ASSERT_EQ(translate_ipv4_to_ipv6(packet.buffer(), frame, endpoint("2001:db8:1::a", 40000),
                                   endpoint("2001:db8:2::b", 8053)),
            DropReason::kNone);
  ASSERT_EQ(translate_ipv6_to_ipv4(packet.buffer(), frame, endpoint("10.0.0.1", 1025),
                                   endpoint("10.0.0.2", 80), 0x5678),
            DropReason::kNone);
  const Bytes expected{
      0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x00,
      // IHL 5, TOS 0xB8, total 31, ID 0x5678, DF, TTL 0x39, UDP, header checksum.
      0x45, 0xB8, 0x00, 0x1F, 0x56, 0x78, 0x40, 0x00, 0x39, 0x11, 0xD6, 0x9B,
      10, 0, 0, 1, 10, 0, 0, 2,
      0x04, 0x01, 0x00, 0x50, 0x00, 0x0B, 0x23, 0x22, 'a', 'b', 'c'};
  EXPECT_EQ(packet.bytes(), expected);
  EXPECT_EQ(packet.buffer().data_offset(), PacketBuffer::kRequiredHeadroom);
  expect_matches_reparse(packet, frame);
}

TEST(FamilyTranslation, Ipv4TcpWithOptionsToIpv6) {
  testing::Ipv4Spec v4;
  v4.tos = 0x02;  // ECN ECT(0) survives in the traffic class
  v4.ttl = 17;
  v4.options = {0x94, 0x04, 0x00, 0x00};  // router alert: ignored (RFC 7915 4.1)
  testing::TcpSpec tcp;
  tcp.options = testing::mss_option(1460);
  tcp.payload = Bytes(301, 0x5A);
  const Bytes input = testing::build_frame({}, v4, tcp, 3);  // and Ethernet padding
  TestPacket packet(input);
  ParsedFrame frame = parse(packet);
  ASSERT_EQ(translate_ipv4_to_ipv6(packet.buffer(), frame, endpoint("fd00::c", 41000),
                                   endpoint("fd00:b::1", 8080)),
            DropReason::kNone);
  EXPECT_EQ(packet.buffer().length(), input.size() - 3 - 24 + 40);  // padding dropped
  const ConstIpv6View v6(packet.data() + 14);
  EXPECT_EQ(v6.version(), 6);
  EXPECT_EQ(v6.traffic_class(), 0x02);
  EXPECT_EQ(v6.flow_label(), 0u);
  EXPECT_EQ(v6.payload_length(), 24 + 301);
  EXPECT_EQ(v6.next_header(), 6);
  EXPECT_EQ(v6.hop_limit(), 17);
  EXPECT_EQ(v6.src(), ip("fd00::c"));
  EXPECT_EQ(v6.dst(), ip("fd00:b::1"));
  const ConstTcpView out(packet.data() + 54);
  EXPECT_EQ(out.src_port(), 41000);
  EXPECT_EQ(out.dst_port(), 8080);
  EXPECT_EQ(out.seq(), TcpSeq(1000));
  // The segment after the ports and checksum is byte-identical.
  const Bytes after = packet.bytes();
  EXPECT_TRUE(std::equal(after.begin() + 54 + 4, after.begin() + 54 + 16,
                         input.begin() + 38 + 4));
  EXPECT_TRUE(std::equal(after.begin() + 54 + 18, after.end(), input.begin() + 38 + 18,
                         input.end() - 3));
  EXPECT_TRUE(l4_ok(packet, frame));
  expect_matches_reparse(packet, frame);
}

TEST(FamilyTranslation, VlanTagIsKeptAndInnerEthertypeChanged) {
  testing::EthernetSpec l2;
  l2.vlan_tci = 0x0064;
  TestPacket packet(testing::build_frame(l2, testing::Ipv4Spec{}, testing::TcpSpec{}));
  ParsedFrame frame = parse(packet);
  ASSERT_EQ(translate_ipv4_to_ipv6(packet.buffer(), frame, endpoint("fd00::1", 1),
                                   endpoint("fd00::2", 2)),
            DropReason::kNone);
  const ConstEthernetView eth(packet.data());
  EXPECT_EQ(eth.ethertype(), 0x8100);
  EXPECT_EQ(eth.src(), testing::mac("02:00:00:00:00:02"));
  const ConstVlanTagView tag(packet.data() + 14);
  EXPECT_EQ(tag.vlan_id(), 100);
  EXPECT_EQ(tag.ethertype(), 0x86DD);
  EXPECT_TRUE(l4_ok(packet, frame));
  expect_matches_reparse(packet, frame);
}

TEST(FamilyTranslation, Ipv4UdpWithoutChecksumGetsOne) {
  testing::UdpSpec udp;
  udp.no_checksum = true;
  udp.payload = {1, 2, 3, 4, 5, 6, 7};
  TestPacket packet(testing::build_frame({}, testing::Ipv4Spec{}, udp));
  ParsedFrame frame = parse(packet);
  ASSERT_EQ(translate_ipv4_to_ipv6(packet.buffer(), frame, endpoint("fd00::1", 1),
                                   endpoint("fd00::2", 2)),
            DropReason::kNone);
  EXPECT_NE(ConstUdpView(packet.data() + 54).checksum(), 0);
  EXPECT_TRUE(l4_ok(packet, frame));
}

TEST(FamilyTranslation, Ipv6WithExtensionHeadersToIpv4) {
  testing::Ipv6Spec v6;
  v6.traffic_class = 0xB9;
  v6.flow_label = 0xABCDE;  // dropped: IPv4 has no flow label
  v6.hop_limit = 200;
  v6.extensions = {testing::hop_by_hop_header(), testing::destination_options_header(1),
                   testing::routing_header(0)};
  testing::TcpSpec tcp;
  tcp.options = testing::sack_option({{5, 6}});
  tcp.payload = Bytes(55, 0x11);
  const Bytes input = testing::build_frame({}, v6, tcp);
  TestPacket packet(input);
  ParsedFrame frame = parse(packet);
  ASSERT_EQ(translate_ipv6_to_ipv4(packet.buffer(), frame, endpoint("10.9.9.9", 60000),
                                   endpoint("10.8.8.8", 443), 0xBEEF),
            DropReason::kNone);
  EXPECT_EQ(packet.buffer().length(), input.size() - 40 - 48 + 20);
  const ConstIpv4View v4(packet.data() + 14);
  EXPECT_EQ(v4.version(), 4);
  EXPECT_EQ(v4.ihl(), 5);
  EXPECT_EQ(v4.tos(), 0xB9);
  EXPECT_EQ(v4.total_length(), 20 + 32 + 55);
  EXPECT_EQ(v4.identification(), 0xBEEF);
  EXPECT_TRUE(v4.dont_fragment());
  EXPECT_FALSE(v4.more_fragments());
  EXPECT_EQ(v4.fragment_offset(), 0);
  EXPECT_EQ(v4.ttl(), 200);
  EXPECT_EQ(v4.protocol(), 6);
  EXPECT_EQ(v4.src(), ip("10.9.9.9"));
  EXPECT_EQ(v4.dst(), ip("10.8.8.8"));
  EXPECT_TRUE(testing::reference_ipv4_header_ok(packet.bytes(), 14));
  EXPECT_EQ(ConstTcpView(packet.data() + 34).src_port(), 60000);
  EXPECT_TRUE(l4_ok(packet, frame));
  expect_matches_reparse(packet, frame);
  EXPECT_EQ(frame.ipv6_extension_count, 0);
}

TEST(FamilyTranslation, RoundTripRestoresTheOriginalFrame) {
  testing::Ipv4Spec v4;
  v4.id = 0x4242;
  v4.tos = 0x10;
  testing::TcpSpec tcp;
  tcp.options = testing::sack_option({{100, 200}, {300, 400}});
  tcp.payload = Bytes(999, 0x77);
  const Bytes original = testing::build_frame({}, v4, tcp);
  TestPacket packet(original);
  ParsedFrame frame = parse(packet);
  const net::Endpoint src{ConstIpv4View(packet.data() + 14).src(), 40000};
  const net::Endpoint dst{ConstIpv4View(packet.data() + 14).dst(), 80};
  ASSERT_EQ(translate_ipv4_to_ipv6(packet.buffer(), frame, endpoint("64:ff9b::c000:201", 1111),
                                   endpoint("2001:db8::80", 2222)),
            DropReason::kNone);
  ASSERT_EQ(translate_ipv6_to_ipv4(packet.buffer(), frame, src, dst, 0x4242),
            DropReason::kNone);
  EXPECT_EQ(packet.bytes(), original);
  EXPECT_EQ(packet.buffer().data_offset(), PacketBuffer::kRequiredHeadroom);
}

TEST(FamilyTranslation, WithoutHeadroomTheSegmentMovesInstead) {
  testing::UdpSpec udp;
  udp.payload = Bytes(20, 0x20);
  TestPacket packet(testing::build_frame({}, testing::Ipv4Spec{}, udp), 0);
  ParsedFrame frame = parse(packet);
  ASSERT_EQ(translate_ipv4_to_ipv6(packet.buffer(), frame, endpoint("fd00::1", 1),
                                   endpoint("fd00::2", 2)),
            DropReason::kNone);
  EXPECT_EQ(packet.buffer().data_offset(), 0u);
  EXPECT_TRUE(l4_ok(packet, frame));
  expect_matches_reparse(packet, frame);
}

TEST(FamilyTranslation, NoRoomAtAllIsRefusedUntouched) {
  Bytes storage = testing::build_frame({}, testing::Ipv4Spec{}, testing::TcpSpec{});
  const Bytes before = storage;
  PacketBuffer buffer(storage.data(), static_cast<std::uint32_t>(storage.size()), 0,
                      static_cast<std::uint32_t>(storage.size()));
  ParsedFrame frame = parse_frame(storage.data(), storage.size()).frame();
  EXPECT_EQ(translate_ipv4_to_ipv6(buffer, frame, endpoint("fd00::1", 1), endpoint("fd00::2", 2)),
            DropReason::kNoBufferRoom);
  EXPECT_EQ(storage, before);
  EXPECT_TRUE(frame.is_ipv4());
}

TEST(FamilyTranslation, Refusals) {
  // Fragments.
  testing::Ipv4Spec fragment;
  fragment.flags_fragment = 0x2000;
  TestPacket f4(testing::build_frame({}, fragment, testing::TcpSpec{}));
  ParsedFrame pf4 = parse(f4);
  EXPECT_EQ(translate_ipv4_to_ipv6(f4.buffer(), pf4, endpoint("fd00::1", 1),
                                   endpoint("fd00::2", 2)),
            DropReason::kTranslationFragment);
  testing::Ipv6Spec fragment6;
  fragment6.extensions = {testing::fragment_header(0, true, 1)};
  TestPacket f6(testing::build_frame({}, fragment6, testing::TcpSpec{}));
  ParsedFrame pf6 = parse(f6);
  EXPECT_EQ(translate_ipv6_to_ipv4(f6.buffer(), pf6, endpoint("10.0.0.1", 1),
                                   endpoint("10.0.0.2", 2), 1),
            DropReason::kTranslationFragment);

  // Source routes: IPv4 LSRR with pointer 4 (unexpired); IPv6 routing with segments left.
  testing::Ipv4Spec lsrr;
  lsrr.options = {1, 131, 7, 4, 10, 0, 0, 1, 0, 0, 0, 0};
  TestPacket s4(testing::build_frame({}, lsrr, testing::TcpSpec{}));
  ParsedFrame ps4 = parse(s4);
  EXPECT_EQ(translate_ipv4_to_ipv6(s4.buffer(), ps4, endpoint("fd00::1", 1),
                                   endpoint("fd00::2", 2)),
            DropReason::kTranslationSourceRoute);
  testing::Ipv4Spec expired;
  expired.options = {1, 131, 7, 8, 10, 0, 0, 1, 0, 0, 0, 0};  // pointer 8 > length 7
  TestPacket e4(testing::build_frame({}, expired, testing::TcpSpec{}));
  ParsedFrame pe4 = parse(e4);
  EXPECT_EQ(translate_ipv4_to_ipv6(e4.buffer(), pe4, endpoint("fd00::1", 1),
                                   endpoint("fd00::2", 2)),
            DropReason::kNone);
  EXPECT_TRUE(l4_ok(e4, pe4));
  testing::Ipv6Spec routed;
  routed.extensions = {testing::routing_header(1)};
  TestPacket s6(testing::build_frame({}, routed, testing::TcpSpec{}));
  ParsedFrame ps6 = parse(s6);
  EXPECT_EQ(translate_ipv6_to_ipv4(s6.buffer(), ps6, endpoint("10.0.0.1", 1),
                                   endpoint("10.0.0.2", 2), 1),
            DropReason::kTranslationSourceRoute);

  // Wrong protocol, wrong families.
  TestPacket icmp(testing::build_frame({}, testing::Ipv4Spec{}, testing::IcmpSpec{}));
  ParsedFrame picmp = parse(icmp);
  EXPECT_EQ(translate_ipv4_to_ipv6(icmp.buffer(), picmp, endpoint("fd00::1", 1),
                                   endpoint("fd00::2", 2)),
            DropReason::kNotRewritable);
  TestPacket tcp(testing::build_frame({}, testing::Ipv4Spec{}, testing::TcpSpec{}));
  ParsedFrame ptcp = parse(tcp);
  const Bytes before = tcp.bytes();
  EXPECT_EQ(translate_ipv4_to_ipv6(tcp.buffer(), ptcp, endpoint("10.0.0.1", 1),
                                   endpoint("fd00::2", 2)),
            DropReason::kFamilyMismatch);
  EXPECT_EQ(translate_ipv6_to_ipv4(tcp.buffer(), ptcp, endpoint("10.0.0.1", 1),
                                   endpoint("10.0.0.2", 2), 1),
            DropReason::kFamilyMismatch);
  EXPECT_EQ(tcp.bytes(), before);
}

TEST(Ipv4SourceRoute, DetectsOnlyUnexpiredRoutes) {
  const std::uint8_t ssrr[] = {137, 7, 4, 1, 2, 3, 4, 0};
  EXPECT_TRUE(ipv4_has_unexpired_source_route(ssrr, sizeof ssrr));
  const std::uint8_t done[] = {137, 7, 8, 1, 2, 3, 4, 0};
  EXPECT_FALSE(ipv4_has_unexpired_source_route(done, sizeof done));
  const std::uint8_t after_eol[] = {0, 131, 7, 4, 1, 2, 3, 4};
  EXPECT_FALSE(ipv4_has_unexpired_source_route(after_eol, sizeof after_eol));
  const std::uint8_t malformed[] = {131, 40, 4, 0};
  EXPECT_FALSE(ipv4_has_unexpired_source_route(malformed, sizeof malformed));
  const std::uint8_t other[] = {0x94, 4, 0, 0, 131, 7, 4, 1, 2, 3, 4, 0};
  EXPECT_TRUE(ipv4_has_unexpired_source_route(other, sizeof other));
}

}  // namespace
}  // namespace sluice::packet
