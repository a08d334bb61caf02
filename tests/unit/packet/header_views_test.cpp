// Byte order helpers and every accessor of the header views, read and write, against
// hand-written bytes.
#include <gtest/gtest.h>

#include <array>

#include "dataplane/packet/byte_order.hpp"
#include "dataplane/packet/ethernet.hpp"
#include "dataplane/packet/ip.hpp"
#include "dataplane/packet/l4.hpp"
#include "tests/unit/packet/frame_builder.hpp"

namespace sluice::packet {
namespace {

using testing::ip;
using testing::mac;

constexpr std::uint16_t constexpr_load16() {
  const std::uint8_t bytes[2] = {0xAB, 0xCD};
  return load_be16(bytes);
}
constexpr std::uint32_t constexpr_round_trip32() {
  std::uint8_t bytes[4] = {};
  store_be32(bytes, 0x01020304);
  return load_be32(bytes);
}
static_assert(constexpr_load16() == 0xABCD);
static_assert(constexpr_round_trip32() == 0x01020304);

TEST(ByteOrder, LoadsAndStoresBigEndianAtOddAddresses) {
  std::array<std::uint8_t, 7> bytes{0x00, 0x12, 0x34, 0x56, 0x78, 0x9A, 0x00};
  EXPECT_EQ(load_be16(bytes.data() + 1), 0x1234);
  EXPECT_EQ(load_be32(bytes.data() + 1), 0x12345678u);
  EXPECT_EQ(load_be32(bytes.data() + 2), 0x3456789Au);
  store_be16(bytes.data() + 3, 0xBEEF);
  EXPECT_EQ(bytes[3], 0xBE);
  EXPECT_EQ(bytes[4], 0xEF);
  store_be32(bytes.data() + 1, 0xCAFEF00D);
  EXPECT_EQ(bytes[1], 0xCA);
  EXPECT_EQ(bytes[2], 0xFE);
  EXPECT_EQ(bytes[3], 0xF0);
  EXPECT_EQ(bytes[4], 0x0D);
  EXPECT_EQ(bytes[0], 0x00);
  EXPECT_EQ(bytes[5], 0x9A);
}

TEST(EthernetView, ReadsAndWritesAddressesAndEthertype) {
  std::array<std::uint8_t, 18> bytes{0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02,
                                     0x81, 0x00, 0xA0, 0x64, 0x08, 0x00};
  const EthernetView eth(bytes.data());
  EXPECT_EQ(eth.dst(), mac("02:00:00:00:00:01"));
  EXPECT_EQ(eth.src(), mac("02:00:00:00:00:02"));
  EXPECT_EQ(eth.ethertype(), 0x8100);
  const ConstVlanTagView tag(bytes.data() + 14);
  EXPECT_EQ(tag.tci(), 0xA064);
  EXPECT_EQ(tag.vlan_id(), 100);
  EXPECT_EQ(tag.priority(), 5);
  EXPECT_FALSE(tag.drop_eligible());
  EXPECT_EQ(tag.ethertype(), 0x0800);

  eth.set_dst(mac("aa:bb:cc:dd:ee:ff"));
  eth.set_src(mac("11:22:33:44:55:66"));
  eth.set_ethertype(0x86DD);
  EXPECT_EQ(bytes[0], 0xAA);
  EXPECT_EQ(bytes[5], 0xFF);
  EXPECT_EQ(bytes[6], 0x11);
  EXPECT_EQ(bytes[11], 0x66);
  EXPECT_EQ(bytes[12], 0x86);
  EXPECT_EQ(bytes[13], 0xDD);
  const VlanTagView writable_tag(bytes.data() + 14);
  writable_tag.set_tci(0x1FFF);
  writable_tag.set_ethertype(0x0806);
  EXPECT_TRUE(writable_tag.drop_eligible());
  EXPECT_EQ(writable_tag.vlan_id(), 0xFFF);
  EXPECT_EQ(bytes[16], 0x08);
  EXPECT_EQ(bytes[17], 0x06);
}

TEST(ArpView, ReadsEveryField) {
  const testing::Bytes frame = testing::build_frame({}, testing::ArpSpec{}, std::monostate{});
  const ConstArpView arp(frame.data() + 14);
  EXPECT_EQ(arp.hardware_type(), 1);
  EXPECT_EQ(arp.protocol_type(), 0x0800);
  EXPECT_EQ(arp.hardware_length(), 6);
  EXPECT_EQ(arp.protocol_length(), 4);
  EXPECT_EQ(arp.operation(), ConstArpView::kOpRequest);
  EXPECT_EQ(arp.sender_mac(), mac("02:00:00:00:00:02"));
  EXPECT_EQ(arp.sender_ip(), ip("192.0.2.1"));
  EXPECT_TRUE(arp.target_mac().is_zero());
  EXPECT_EQ(arp.target_ip(), ip("192.0.2.254"));

  testing::Bytes copy = frame;
  const ArpView writable(copy.data() + 14);
  writable.set_operation(ArpView::kOpReply);
  writable.set_sender(mac("02:00:00:00:00:09"), ip("192.0.2.254"));
  writable.set_target(mac("02:00:00:00:00:02"), ip("192.0.2.1"));
  EXPECT_EQ(writable.operation(), 2);
  EXPECT_EQ(writable.sender_mac(), mac("02:00:00:00:00:09"));
  EXPECT_EQ(writable.sender_ip(), ip("192.0.2.254"));
  EXPECT_EQ(writable.target_mac(), mac("02:00:00:00:00:02"));
  EXPECT_EQ(writable.target_ip(), ip("192.0.2.1"));
  EXPECT_EQ(copy[14 + 7], 2);
  EXPECT_EQ(copy[14 + 27], 1);  // last byte of the target IP
}

TEST(Ipv4View, ReadsEveryField) {
  // 45 B8 0054 ABCD 2005 3F 06 cksum C0000201 C6336407: ihl 5, DSCP 46 ECN 0, MF, offset 5.
  const std::array<std::uint8_t, 20> bytes{0x45, 0xB8, 0x00, 0x54, 0xAB, 0xCD, 0x20,
                                           0x05, 0x3F, 0x06, 0x12, 0x34, 192,  0,
                                           2,    1,    198,  51,   100,  7};
  const ConstIpv4View v(bytes.data());
  EXPECT_EQ(v.version(), 4);
  EXPECT_EQ(v.ihl(), 5);
  EXPECT_EQ(v.header_length(), 20u);
  EXPECT_EQ(v.tos(), 0xB8);
  EXPECT_EQ(v.dscp(), 46);
  EXPECT_EQ(v.ecn(), 0);
  EXPECT_EQ(v.total_length(), 0x54);
  EXPECT_EQ(v.identification(), 0xABCD);
  EXPECT_EQ(v.flags(), 1);  // MF only
  EXPECT_FALSE(v.dont_fragment());
  EXPECT_TRUE(v.more_fragments());
  EXPECT_EQ(v.fragment_offset(), 5);
  EXPECT_TRUE(v.is_fragment());
  EXPECT_EQ(v.ttl(), 0x3F);
  EXPECT_EQ(v.protocol(), 6);
  EXPECT_EQ(v.checksum(), 0x1234);
  EXPECT_EQ(v.src(), ip("192.0.2.1"));
  EXPECT_EQ(v.dst(), ip("198.51.100.7"));
}

TEST(Ipv4View, WritesEveryField) {
  std::array<std::uint8_t, 24> bytes{};
  const Ipv4View v(bytes.data());
  v.set_version_and_ihl(4, 6);
  v.set_tos(0x02);
  v.set_total_length(1500);
  v.set_identification(0x0102);
  v.set_flags_and_fragment_offset(0x2000 | 185);
  v.set_dont_fragment(true);
  v.set_ttl(1);
  v.set_protocol(17);
  v.set_checksum(0xBEEF);
  v.set_src(ip("10.0.0.1"));
  v.set_dst(ip("10.0.0.2"));
  const std::array<std::uint8_t, 20> expected{0x46, 0x02, 0x05, 0xDC, 0x01, 0x02, 0x60,
                                              0xB9, 0x01, 0x11, 0xBE, 0xEF, 10,   0,
                                              0,    1,    10,   0,    0,    2};
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(bytes[i], expected[i]) << i;
  EXPECT_EQ(v.header_length(), 24u);
  v.set_dont_fragment(false);
  EXPECT_EQ(v.flags_and_fragment_offset(), 0x2000 | 185);
}

TEST(Ipv6View, ReadsAndWritesEveryField) {
  std::array<std::uint8_t, 40> bytes{};
  const Ipv6View v(bytes.data());
  v.set_version_class_flow(0xAB, 0x12345);
  v.set_payload_length(1460);
  v.set_next_header(6);
  v.set_hop_limit(255);
  v.set_src(ip("2001:db8::1"));
  v.set_dst(ip("2001:db8:ffff::7"));
  EXPECT_EQ(bytes[0], 0x6A);
  EXPECT_EQ(bytes[1], 0xB1);
  EXPECT_EQ(bytes[2], 0x23);
  EXPECT_EQ(bytes[3], 0x45);
  EXPECT_EQ(bytes[4], 0x05);
  EXPECT_EQ(bytes[5], 0xB4);
  EXPECT_EQ(bytes[6], 6);
  EXPECT_EQ(bytes[7], 255);
  EXPECT_EQ(bytes[8], 0x20);
  EXPECT_EQ(bytes[23], 0x01);
  EXPECT_EQ(bytes[39], 0x07);
  const ConstIpv6View r(bytes.data());
  EXPECT_EQ(r.version(), 6);
  EXPECT_EQ(r.traffic_class(), 0xAB);
  EXPECT_EQ(r.flow_label(), 0x12345u);
  EXPECT_EQ(r.payload_length(), 1460);
  EXPECT_EQ(r.next_header(), 6);
  EXPECT_EQ(r.hop_limit(), 255);
  EXPECT_EQ(r.src(), ip("2001:db8::1"));
  EXPECT_EQ(r.dst(), ip("2001:db8:ffff::7"));
  v.set_traffic_class(0x05);
  v.set_flow_label(0xFFFFF);
  EXPECT_EQ(r.version(), 6);
  EXPECT_EQ(r.traffic_class(), 0x05);
  EXPECT_EQ(r.flow_label(), 0xFFFFFu);
}

TEST(Ipv6ExtensionView, ComputesLengthPerHeaderType) {
  const std::array<std::uint8_t, 8> bytes{6, 2, 0x00, 0x29, 0xDE, 0xAD, 0xBE, 0xEF};
  const ConstIpv6ExtensionView ext(bytes.data());
  EXPECT_EQ(ext.next_header(), 6);
  EXPECT_EQ(ext.length_in_bytes(0), 24u);   // (2 + 1) * 8
  EXPECT_EQ(ext.length_in_bytes(60), 24u);
  EXPECT_EQ(ext.length_in_bytes(51), 16u);  // AH: (2 + 2) * 4
  EXPECT_EQ(ext.length_in_bytes(44), 8u);
  EXPECT_EQ(ext.routing_segments_left(), 0x29);
  EXPECT_EQ(ext.fragment_offset(), 5);      // 0x0029 >> 3
  EXPECT_TRUE(ext.more_fragments());
  EXPECT_EQ(ext.fragment_identification(), 0xDEADBEEFu);
}

TEST(TcpView, ReadsAndWritesEveryField) {
  const std::array<std::uint8_t, 20> wire{0x9C, 0x40, 0x00, 0x50, 0xFF, 0xFF, 0xFF,
                                          0xFE, 0x00, 0x00, 0x00, 0x07, 0x80, 0xD2,
                                          0x72, 0x10, 0xAB, 0xCD, 0x00, 0x09};
  const ConstTcpView r(wire.data());
  EXPECT_EQ(r.src_port(), 40000);
  EXPECT_EQ(r.dst_port(), 80);
  EXPECT_EQ(r.seq(), TcpSeq(0xFFFFFFFEu));
  EXPECT_EQ(r.ack(), TcpSeq(7));
  EXPECT_EQ(r.data_offset(), 8);
  EXPECT_EQ(r.header_length(), 32u);
  EXPECT_EQ(r.flags(), 0xD2);  // CWR ECE ACK SYN
  EXPECT_TRUE(r.cwr());
  EXPECT_TRUE(r.ece());
  EXPECT_FALSE(r.urg());
  EXPECT_TRUE(r.ack_flag());
  EXPECT_FALSE(r.psh());
  EXPECT_FALSE(r.rst());
  EXPECT_TRUE(r.syn());
  EXPECT_FALSE(r.fin());
  EXPECT_EQ(r.window(), 0x7210);
  EXPECT_EQ(r.checksum(), 0xABCD);
  EXPECT_EQ(r.urgent_pointer(), 9);
  EXPECT_EQ(r.options(), wire.data() + 20);

  std::array<std::uint8_t, 20> bytes{};
  bytes[12] = 0x0E;  // reserved bits set: must survive set_data_offset
  const TcpView w(bytes.data());
  w.set_src_port(40000);
  w.set_dst_port(80);
  w.set_seq(TcpSeq(0xFFFFFFFEu));
  w.set_ack(TcpSeq(7));
  w.set_data_offset(8);
  w.set_flags(0xD2);
  w.set_window(0x7210);
  w.set_checksum(0xABCD);
  w.set_urgent_pointer(9);
  EXPECT_EQ(bytes[12], 0x8E);
  bytes[12] = 0x80;
  EXPECT_EQ(bytes, wire);
}

TEST(UdpView, ReadsAndWritesEveryField) {
  std::array<std::uint8_t, 8> bytes{};
  const UdpView w(bytes.data());
  w.set_src_port(5353);
  w.set_dst_port(53);
  w.set_length(36);
  w.set_checksum(0xFFFF);
  const std::array<std::uint8_t, 8> expected{0x14, 0xE9, 0x00, 0x35, 0x00, 0x24, 0xFF, 0xFF};
  EXPECT_EQ(bytes, expected);
  const ConstUdpView r(bytes.data());
  EXPECT_EQ(r.src_port(), 5353);
  EXPECT_EQ(r.dst_port(), 53);
  EXPECT_EQ(r.length(), 36);
  EXPECT_EQ(r.checksum(), 0xFFFF);
}

TEST(IcmpViews, ReadAndWriteEveryField) {
  std::array<std::uint8_t, 8> bytes{8, 0, 0x12, 0x34, 0x00, 0x01, 0x00, 0x02};
  const Icmpv4View v4(bytes.data());
  EXPECT_EQ(v4.type(), Icmpv4View::kEchoRequest);
  EXPECT_EQ(v4.code(), 0);
  EXPECT_EQ(v4.checksum(), 0x1234);
  EXPECT_EQ(v4.rest_of_header(), 0x00010002u);
  EXPECT_EQ(v4.echo_identifier(), 1);
  EXPECT_EQ(v4.echo_sequence(), 2);
  v4.set_type(Icmpv4View::kDestinationUnreachable);
  v4.set_code(Icmpv4View::kCodeFragmentationNeeded);
  v4.set_next_hop_mtu(1400);
  v4.set_checksum(0xAAAA);
  const std::array<std::uint8_t, 8> frag_needed{3, 4, 0xAA, 0xAA, 0, 0, 0x05, 0x78};
  EXPECT_EQ(bytes, frag_needed);
  EXPECT_EQ(v4.next_hop_mtu(), 1400);

  const Icmpv6View v6(bytes.data());
  v6.set_type(Icmpv6View::kPacketTooBig);
  v6.set_code(0);
  v6.set_mtu(1280);
  v6.set_rest_of_header(v6.rest_of_header());
  EXPECT_EQ(v6.type(), 2);
  EXPECT_EQ(v6.mtu(), 1280u);
  EXPECT_EQ(bytes[6], 0x05);
  EXPECT_EQ(bytes[7], 0x00);
}

}  // namespace
}  // namespace sluice::packet
