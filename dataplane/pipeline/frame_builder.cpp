#include "dataplane/pipeline/frame_builder.hpp"

#include <algorithm>
#include <cstring>

#include "dataplane/packet/byte_order.hpp"
#include "dataplane/packet/checksum.hpp"
#include "dataplane/packet/ethernet.hpp"
#include "dataplane/packet/ip.hpp"
#include "dataplane/packet/l4.hpp"
#include "dataplane/packet/l4_checksum.hpp"
#include "dataplane/packet/parser.hpp"
#include "dataplane/packet/protocols.hpp"

namespace sluice::pipeline {

namespace {

namespace hs = packet::header_size;
constexpr std::uint8_t kDefaultTtl = 64;
constexpr std::uint8_t kNdHopLimit = 255;  // RFC 4861 section 7.1.1: NDP must carry 255

// Grows the empty frame to `length` bytes, zeroed.
std::uint8_t* start_frame(packet::PacketBuffer& frame, std::size_t length) noexcept {
  if (frame.length() != 0 || !frame.append(static_cast<std::uint32_t>(length))) return nullptr;
  std::memset(frame.data(), 0, length);
  return frame.data();
}

// The Ethernet header's size for `l2`: 14, or 18 with an 802.1Q tag.
std::size_t ethernet_size(const L2Addresses& l2) noexcept {
  return l2.vlan_tci ? hs::kEthernet + 4 : hs::kEthernet;
}

// Writes the Ethernet header (and the 802.1Q tag when l2 has one); returns its size.
std::size_t write_ethernet(std::uint8_t* at, const L2Addresses& l2, std::uint16_t type) noexcept {
  const packet::EthernetView eth(at);
  eth.set_dst(l2.destination);
  eth.set_src(l2.source);
  if (!l2.vlan_tci) {
    eth.set_ethertype(type);
    return hs::kEthernet;
  }
  // IEEE 802.1Q: TPID 0x8100 where the EtherType was, then the TCI, then the EtherType.
  packet::store_be16(at + 12, 0x8100);
  packet::store_be16(at + 14, *l2.vlan_tci);
  packet::store_be16(at + 16, type);
  return hs::kEthernet + 4;
}

// Writes an IP header for `payload_length` bytes of `protocol`; returns its size.
std::size_t write_ip(std::uint8_t* at, const net::IpAddress& src, const net::IpAddress& dst,
                     std::uint8_t protocol, std::size_t payload_length, std::uint8_t ttl) noexcept {
  if (src.is_v4()) {
    const packet::Ipv4View ip(at);
    ip.set_version_and_ihl(4, 5);
    ip.set_total_length(static_cast<std::uint16_t>(hs::kIpv4Min + payload_length));
    ip.set_dont_fragment(true);
    ip.set_ttl(ttl);
    ip.set_protocol(protocol);
    ip.set_src(src);
    ip.set_dst(dst);
    ip.set_checksum(packet::ipv4_header_checksum(at, hs::kIpv4Min));
    return hs::kIpv4Min;
  }
  const packet::Ipv6View ip(at);
  ip.set_version_class_flow(0, 0);
  ip.set_payload_length(static_cast<std::uint16_t>(payload_length));
  ip.set_next_header(protocol);
  ip.set_hop_limit(ttl);
  ip.set_src(src);
  ip.set_dst(dst);
  return hs::kIpv6;
}

// Re-parses the written frame (its IP header is complete) and computes the L4 checksum.
bool finish_checksums(packet::PacketBuffer& frame) noexcept {
  auto parsed = packet::parse_frame(frame.data(), frame.length());
  if (!parsed.ok()) return false;
  packet::recompute_l4_checksum(frame.data(), parsed.frame());
  return true;
}

std::uint16_t ethertype_of(const net::IpAddress& address) noexcept {
  return address.is_v4() ? packet::ethertype::kIpv4 : packet::ethertype::kIpv6;
}

}  // namespace

bool write_tcp_segment(packet::PacketBuffer& frame, const TcpSegmentSpec& spec) noexcept {
  // RFC 9293 section 3.1: the data offset counts 32-bit words, at most 15 of them.
  if (spec.options.size() % 4 != 0 || spec.options.size() > 40) return false;
  const std::size_t options =
      !spec.options.empty() ? spec.options.size() : spec.timestamps != nullptr ? 12 : 0;
  const std::size_t tcp_length = hs::kTcpMin + options + spec.payload.size();
  const std::size_t ip_length = ip_header_size(spec.source.address.family());
  const std::size_t l2_length = ethernet_size(spec.l2);
  std::uint8_t* at = start_frame(frame, l2_length + ip_length + tcp_length);
  if (at == nullptr) return false;
  write_ethernet(at, spec.l2, ethertype_of(spec.source.address));
  write_ip(at + l2_length, spec.source.address, spec.destination.address,
           packet::ip_proto::kTcp, tcp_length, kDefaultTtl);
  std::uint8_t* tcp_bytes = at + l2_length + ip_length;
  const packet::TcpView tcp(tcp_bytes);
  tcp.set_src_port(spec.source.port);
  tcp.set_dst_port(spec.destination.port);
  tcp.set_seq(spec.seq);
  tcp.set_ack(spec.ack);
  tcp.set_data_offset(static_cast<std::uint8_t>((hs::kTcpMin + options) / 4));
  tcp.set_flags(spec.flags);
  tcp.set_window(spec.window);
  if (!spec.options.empty()) {
    std::memcpy(tcp_bytes + hs::kTcpMin, spec.options.data(), spec.options.size());
  } else if (spec.timestamps != nullptr) {
    std::uint8_t* option = tcp_bytes + hs::kTcpMin;
    option[0] = 1;   // NOP
    option[1] = 1;   // NOP
    option[2] = 8;   // timestamps, RFC 7323 section 3
    option[3] = 10;
    std::memcpy(option + 4, spec.timestamps, 8);
  }
  if (!spec.payload.empty()) {
    std::memcpy(tcp_bytes + hs::kTcpMin + options, spec.payload.data(), spec.payload.size());
  }
  return finish_checksums(frame);
}

bool write_icmp_too_big(packet::PacketBuffer& frame, const L2Addresses& l2,
                        const net::IpAddress& source, std::span<const std::uint8_t> offending_ip,
                        std::uint16_t mtu) noexcept {
  const bool v4 = source.is_v4();
  if (offending_ip.size() < (v4 ? hs::kIpv4Min : hs::kIpv6)) return false;
  net::IpAddress destination;
  std::size_t quote = 0;
  if (v4) {
    const packet::ConstIpv4View original(offending_ip.data());
    destination = original.src();
    // RFC 792: the original IP header and the first 64 bits of its data.
    quote = std::min(offending_ip.size(), original.header_length() + 8);
  } else {
    const packet::ConstIpv6View original(offending_ip.data());
    destination = original.src();
    // RFC 4443 section 3.2: as much as fits without exceeding the minimum IPv6 MTU.
    quote = std::min(offending_ip.size(), std::size_t{1280} - hs::kIpv6 - hs::kIcmp);
  }
  const std::size_t icmp_length = hs::kIcmp + quote;
  const std::size_t ip_length = ip_header_size(source.family());
  std::uint8_t* at = start_frame(frame, hs::kEthernet + ip_length + icmp_length);
  if (at == nullptr) return false;
  write_ethernet(at, l2, ethertype_of(source));
  write_ip(at + hs::kEthernet, source, destination,
           v4 ? packet::ip_proto::kIcmp : packet::ip_proto::kIcmpv6, icmp_length, kDefaultTtl);
  std::uint8_t* icmp = at + hs::kEthernet + ip_length;
  if (v4) {
    icmp[0] = 3;  // destination unreachable
    icmp[1] = 4;  // fragmentation needed and DF set
    packet::store_be16(icmp + 6, mtu);  // RFC 1191 section 4: next-hop MTU in the low 16 bits
  } else {
    icmp[0] = 2;  // packet too big
    icmp[1] = 0;
    packet::store_be32(icmp + 4, mtu);
  }
  std::memcpy(icmp + hs::kIcmp, offending_ip.data(), quote);
  return finish_checksums(frame);
}

bool write_arp_request(packet::PacketBuffer& frame, const net::MacAddress& sender_mac,
                       const net::IpAddress& sender_ip, const net::IpAddress& target) noexcept {
  std::uint8_t* at = start_frame(frame, hs::kEthernet + hs::kArpIpv4);
  if (at == nullptr) return false;
  const net::MacAddress broadcast({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});
  write_ethernet(at, L2Addresses{sender_mac, broadcast}, packet::ethertype::kArp);
  std::uint8_t* arp = at + hs::kEthernet;
  packet::store_be16(arp, 1);                            // hardware: Ethernet
  packet::store_be16(arp + 2, packet::ethertype::kIpv4);  // protocol: IPv4
  arp[4] = 6;
  arp[5] = 4;
  const packet::ArpView view(arp);
  view.set_operation(1);  // request
  view.set_sender(sender_mac, sender_ip);
  view.set_target(net::MacAddress{}, target);
  return true;
}

namespace {

// ff02::1:ffXX:XXXX and its multicast MAC 33:33:ff:XX:XX:XX (RFC 4291 section 2.7.1,
// RFC 2464 section 7).
net::IpAddress solicited_node(const net::IpAddress& target) noexcept {
  std::array<std::uint8_t, 16> bytes{0xFF, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xFF, 0, 0, 0};
  bytes[13] = target.data()[13];
  bytes[14] = target.data()[14];
  bytes[15] = target.data()[15];
  return net::IpAddress::v6(bytes);
}

net::MacAddress multicast_mac(const net::IpAddress& group) noexcept {
  const std::uint8_t* g = group.data();
  return net::MacAddress({0x33, 0x33, g[12], g[13], g[14], g[15]});
}

// ICMPv6 NS/NA body: type, code, checksum, 4 bytes (flags), target, one link-layer option.
constexpr std::size_t kNdLength = 4 + 4 + 16 + 8;

bool write_nd(packet::PacketBuffer& frame, const L2Addresses& l2, const net::IpAddress& source,
              const net::IpAddress& destination, std::uint8_t type, std::uint32_t flags,
              const net::IpAddress& target, std::uint8_t option_type,
              const net::MacAddress& option_mac) noexcept {
  std::uint8_t* at = start_frame(frame, hs::kEthernet + hs::kIpv6 + kNdLength);
  if (at == nullptr) return false;
  write_ethernet(at, l2, packet::ethertype::kIpv6);
  write_ip(at + hs::kEthernet, source, destination, packet::ip_proto::kIcmpv6, kNdLength,
           kNdHopLimit);
  std::uint8_t* icmp = at + hs::kEthernet + hs::kIpv6;
  icmp[0] = type;
  packet::store_be32(icmp + 4, flags);
  std::memcpy(icmp + 8, target.data(), 16);
  icmp[24] = option_type;
  icmp[25] = 1;  // length in units of 8 bytes
  std::memcpy(icmp + 26, option_mac.bytes().data(), 6);
  return finish_checksums(frame);
}

}  // namespace

bool write_neighbor_solicitation(packet::PacketBuffer& frame, const net::MacAddress& sender_mac,
                                 const net::IpAddress& sender_ip,
                                 const net::IpAddress& target) noexcept {
  const net::IpAddress group = solicited_node(target);
  return write_nd(frame, L2Addresses{sender_mac, multicast_mac(group)}, sender_ip, group,
                  135, 0, target, 1 /* source link-layer address */, sender_mac);
}

bool write_neighbor_advertisement(packet::PacketBuffer& frame, const L2Addresses& l2,
                                  const net::IpAddress& target,
                                  const net::IpAddress& destination) noexcept {
  constexpr std::uint32_t kSolicited = 0x40000000;
  constexpr std::uint32_t kOverride = 0x20000000;
  return write_nd(frame, l2, target, destination, 136, kSolicited | kOverride, target,
                  2 /* target link-layer address */, l2.source);
}

}  // namespace sluice::pipeline
