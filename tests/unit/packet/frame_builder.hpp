#pragma once
// Test-only frame construction, deliberately independent of the code under test: fields are
// written byte by byte and checksums come from reference_checksum(), a literal RFC 1071
// 16-bit word loop over an explicitly materialised pseudo-header.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "dataplane/net/address.hpp"
#include "dataplane/packet/packet_buffer.hpp"

namespace sluice::packet::testing {

using Bytes = std::vector<std::uint8_t>;

// ~(sum of big-endian 16-bit words), odd byte padded with zero. Straight from RFC 1071 4.1.
std::uint16_t reference_checksum(const Bytes& data);
Bytes ipv4_pseudo_header(const net::IpAddress& src, const net::IpAddress& dst,
                         std::uint8_t protocol, std::size_t l4_length);
Bytes ipv6_pseudo_header(const net::IpAddress& src, const net::IpAddress& dst,
                         std::uint8_t next_header, std::size_t l4_length);

net::IpAddress ip(std::string_view text);   // parses or aborts the test
net::MacAddress mac(std::string_view text);
std::uint16_t be16(const Bytes& bytes, std::size_t offset);
std::uint32_t be32(const Bytes& bytes, std::size_t offset);

struct EthernetSpec {
  net::MacAddress dst = mac("02:00:00:00:00:01");
  net::MacAddress src = mac("02:00:00:00:00:02");
  std::optional<std::uint16_t> vlan_tci;     // adds an 802.1Q tag
  std::optional<std::uint16_t> ethertype;    // overrides the one derived from L3
};

struct Ipv4Spec {
  net::IpAddress src = ip("192.0.2.1");
  net::IpAddress dst = ip("198.51.100.7");
  std::uint8_t tos = 0;
  std::uint16_t id = 0x1234;
  std::uint16_t flags_fragment = 0x4000;   // DF
  std::uint8_t ttl = 64;
  Bytes options;                            // multiple of 4 bytes
  std::optional<std::uint8_t> protocol;     // overrides the L4-derived one
  std::optional<std::uint16_t> total_length;
  bool corrupt_checksum = false;
};

struct Ipv6ExtensionHeader {
  std::uint8_t type = 0;
  Bytes bytes;  // the whole header; byte 0 (next header) is filled in by the builder
};
Ipv6ExtensionHeader hop_by_hop_header();                          // 8 bytes, PadN
Ipv6ExtensionHeader destination_options_header(std::size_t units); // (units + 1) * 8 bytes
Ipv6ExtensionHeader routing_header(std::uint8_t segments_left);   // 8 + 16 bytes, type 0
Ipv6ExtensionHeader fragment_header(std::uint16_t offset_units, bool more, std::uint32_t id);
Ipv6ExtensionHeader ah_header();                                  // 24 bytes (len field 4)

struct Ipv6Spec {
  net::IpAddress src = ip("2001:db8::1");
  net::IpAddress dst = ip("2001:db8:ffff::7");
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;
  std::uint8_t hop_limit = 64;
  std::vector<Ipv6ExtensionHeader> extensions;
  std::optional<std::uint8_t> next_header;      // overrides the L4-derived one (last header)
  std::optional<std::uint16_t> payload_length;
};

struct ArpSpec {
  std::uint16_t operation = 1;
  net::MacAddress sender_mac = mac("02:00:00:00:00:02");
  net::IpAddress sender_ip = ip("192.0.2.1");
  net::MacAddress target_mac;
  net::IpAddress target_ip = ip("192.0.2.254");
};

struct TcpSpec {
  std::uint16_t src_port = 40000;
  std::uint16_t dst_port = 80;
  std::uint32_t seq = 1000;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0x02;  // SYN
  std::uint16_t window = 65535;
  std::uint16_t urgent = 0;
  Bytes options;              // multiple of 4 bytes
  Bytes payload;
  std::optional<std::uint8_t> data_offset_words;  // overrides the computed one
};

struct UdpSpec {
  std::uint16_t src_port = 5353;
  std::uint16_t dst_port = 53;
  Bytes payload;
  bool no_checksum = false;                 // IPv4 "no checksum" (0)
  std::optional<std::uint16_t> length;      // overrides the computed one
};

struct IcmpSpec {
  std::uint8_t type = 8;
  std::uint8_t code = 0;
  std::uint32_t rest = 0x00010002;          // echo identifier 1, sequence 2
  Bytes payload;
};

struct RawL4 {
  std::uint8_t protocol = 0;
  Bytes bytes;
};

using L3Spec = std::variant<Ipv4Spec, Ipv6Spec, ArpSpec>;
using L4Spec = std::variant<std::monostate, TcpSpec, UdpSpec, IcmpSpec, RawL4>;

// L2 + L3 + L4 with correct lengths and checksums (unless overridden), then `padding` zero
// bytes of Ethernet padding.
Bytes build_frame(const EthernetSpec& l2, const L3Spec& l3, const L4Spec& l4,
                  std::size_t padding = 0);

// TCP option byte strings.
Bytes mss_option(std::uint16_t mss);
Bytes sack_option(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& blocks);

// The sum verifications, done the reference way on a finished frame.
// l3_offset: 14 or 18. Verifies the IPv4 header checksum.
bool reference_ipv4_header_ok(const Bytes& frame, std::size_t l3_offset);
// Verifies a TCP/UDP/ICMPv6 checksum: addresses from the IP header at l3_offset (version
// from its first nibble), the segment is [l4_offset, l4_end).
bool reference_l4_ok(const Bytes& frame, std::size_t l3_offset, std::size_t l4_offset,
                     std::size_t l4_end, std::uint8_t protocol);

// A frame in a buffer with `headroom` bytes in front and spare room behind, like an mbuf.
class TestPacket {
 public:
  static constexpr std::uint32_t kCapacity = 4096;
  explicit TestPacket(const Bytes& frame, std::uint32_t headroom = PacketBuffer::kRequiredHeadroom);
  PacketBuffer& buffer() { return buffer_; }
  std::uint8_t* data() { return buffer_.data(); }
  Bytes bytes() const;  // the current frame

 private:
  std::vector<std::uint8_t> storage_;
  PacketBuffer buffer_;
};

}  // namespace sluice::packet::testing
