#include "tests/unit/packet/frame_builder.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

namespace sluice::packet::testing {
namespace {

void put16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value & 0xFF));
}
void put32(Bytes& out, std::uint32_t value) {
  put16(out, static_cast<std::uint16_t>(value >> 16));
  put16(out, static_cast<std::uint16_t>(value & 0xFFFF));
}
void set16(Bytes& out, std::size_t offset, std::uint16_t value) {
  out[offset] = static_cast<std::uint8_t>(value >> 8);
  out[offset + 1] = static_cast<std::uint8_t>(value & 0xFF);
}
void append(Bytes& out, const Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }
void append_address(Bytes& out, const net::IpAddress& address) {
  out.insert(out.end(), address.data(), address.data() + address.size());
}
Bytes concat(const Bytes& a, const Bytes& b) {
  Bytes out = a;
  append(out, b);
  return out;
}

std::uint8_t l4_protocol(const L4Spec& l4, bool v6) {
  if (std::holds_alternative<TcpSpec>(l4)) return 6;
  if (std::holds_alternative<UdpSpec>(l4)) return 17;
  if (std::holds_alternative<IcmpSpec>(l4)) return v6 ? 58 : 1;
  if (const auto* raw = std::get_if<RawL4>(&l4)) return raw->protocol;
  return 59;  // no next header
}

// The L4 segment with its checksum over the pseudo-header (none for ICMPv4).
Bytes build_l4(const L4Spec& l4, bool v6,
               const net::IpAddress& src, const net::IpAddress& dst) {
  Bytes seg;
  std::size_t checksum_offset = 0;
  bool zero_checksum = false;
  bool udp = false;
  bool has_checksum = true;
  bool pseudo = true;
  if (const auto* tcp = std::get_if<TcpSpec>(&l4)) {
    put16(seg, tcp->src_port);
    put16(seg, tcp->dst_port);
    put32(seg, tcp->seq);
    put32(seg, tcp->ack);
    const std::size_t words = tcp->data_offset_words.value_or(
        static_cast<std::uint8_t>((20 + tcp->options.size()) / 4));
    seg.push_back(static_cast<std::uint8_t>(words << 4));
    seg.push_back(tcp->flags);
    put16(seg, tcp->window);
    put16(seg, 0);
    put16(seg, tcp->urgent);
    append(seg, tcp->options);
    append(seg, tcp->payload);
    checksum_offset = 16;
  } else if (const auto* u = std::get_if<UdpSpec>(&l4)) {
    put16(seg, u->src_port);
    put16(seg, u->dst_port);
    put16(seg, u->length.value_or(static_cast<std::uint16_t>(8 + u->payload.size())));
    put16(seg, 0);
    append(seg, u->payload);
    checksum_offset = 6;
    zero_checksum = u->no_checksum;
    udp = true;
  } else if (const auto* icmp = std::get_if<IcmpSpec>(&l4)) {
    seg.push_back(icmp->type);
    seg.push_back(icmp->code);
    put16(seg, 0);
    put32(seg, icmp->rest);
    append(seg, icmp->payload);
    checksum_offset = 2;
    pseudo = v6;
  } else if (const auto* raw = std::get_if<RawL4>(&l4)) {
    seg = raw->bytes;
    has_checksum = false;
  } else {
    has_checksum = false;
  }
  if (has_checksum && !zero_checksum) {
    Bytes summed;
    if (pseudo) {
      summed = v6 ? ipv6_pseudo_header(src, dst, l4_protocol(l4, v6), seg.size())
                  : ipv4_pseudo_header(src, dst, l4_protocol(l4, v6), seg.size());
    }
    append(summed, seg);
    std::uint16_t checksum = reference_checksum(summed);
    if (udp && checksum == 0) checksum = 0xFFFF;
    set16(seg, checksum_offset, checksum);
  }
  return seg;
}

}  // namespace

std::uint16_t reference_checksum(const Bytes& data) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < data.size(); i += 2) {
    const std::uint32_t high = data[i];
    const std::uint32_t low = i + 1 < data.size() ? data[i + 1] : 0;
    sum += (high << 8) | low;
    while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
  }
  return static_cast<std::uint16_t>(~sum & 0xFFFF);
}

Bytes ipv4_pseudo_header(const net::IpAddress& src, const net::IpAddress& dst,
                         std::uint8_t protocol, std::size_t l4_length) {
  Bytes out;
  append_address(out, src);
  append_address(out, dst);
  out.push_back(0);
  out.push_back(protocol);
  put16(out, static_cast<std::uint16_t>(l4_length));
  return out;
}

Bytes ipv6_pseudo_header(const net::IpAddress& src, const net::IpAddress& dst,
                         std::uint8_t next_header, std::size_t l4_length) {
  Bytes out;
  append_address(out, src);
  append_address(out, dst);
  put32(out, static_cast<std::uint32_t>(l4_length));
  out.insert(out.end(), {0, 0, 0, next_header});
  return out;
}

net::IpAddress ip(std::string_view text) {
  const auto parsed = net::IpAddress::parse(text);
  if (!parsed) std::abort();
  return *parsed;
}

net::MacAddress mac(std::string_view text) {
  const auto parsed = net::MacAddress::parse(text);
  if (!parsed) std::abort();
  return *parsed;
}

std::uint16_t be16(const Bytes& bytes, std::size_t offset) {
  return static_cast<std::uint16_t>((bytes.at(offset) << 8) | bytes.at(offset + 1));
}

std::uint32_t be32(const Bytes& bytes, std::size_t offset) {
  return (std::uint32_t{be16(bytes, offset)} << 16) | be16(bytes, offset + 2);
}

Ipv6ExtensionHeader hop_by_hop_header() {
  // Next header, length 0 (8 bytes), then a PadN option covering the remaining 6 bytes.
  return {0, {0, 0, 1, 4, 0, 0, 0, 0}};
}

Ipv6ExtensionHeader destination_options_header(std::size_t units) {
  Bytes bytes((units + 1) * 8, 0);
  bytes[1] = static_cast<std::uint8_t>(units);
  bytes[2] = 1;  // PadN covering the rest
  bytes[3] = static_cast<std::uint8_t>(bytes.size() - 4);
  return {60, bytes};
}

Ipv6ExtensionHeader routing_header(std::uint8_t segments_left) {
  Bytes bytes(24, 0);
  bytes[1] = 2;  // (2 + 1) * 8 = 24 bytes
  bytes[2] = 0;  // routing type
  bytes[3] = segments_left;
  return {43, bytes};
}

Ipv6ExtensionHeader fragment_header(std::uint16_t offset_units, bool more, std::uint32_t id) {
  Bytes bytes(8, 0);
  const auto word = static_cast<std::uint16_t>((offset_units << 3) | (more ? 1 : 0));
  set16(bytes, 2, word);
  bytes[4] = static_cast<std::uint8_t>(id >> 24);
  bytes[5] = static_cast<std::uint8_t>(id >> 16);
  bytes[6] = static_cast<std::uint8_t>(id >> 8);
  bytes[7] = static_cast<std::uint8_t>(id);
  return {44, bytes};
}

Ipv6ExtensionHeader ah_header() {
  Bytes bytes(24, 0);
  bytes[1] = 4;  // (4 + 2) * 4 = 24 bytes
  bytes[7] = 0x42;  // SPI
  return {51, bytes};
}

Bytes build_frame(const EthernetSpec& l2, const L3Spec& l3, const L4Spec& l4,
                  std::size_t padding) {
  Bytes l3_bytes;
  std::uint16_t ethertype = 0;
  if (const auto* v4 = std::get_if<Ipv4Spec>(&l3)) {
    ethertype = 0x0800;
    const Bytes seg = build_l4(l4, false, v4->src, v4->dst);
    const std::size_t header_length = 20 + v4->options.size();
    l3_bytes.push_back(static_cast<std::uint8_t>(0x40 | (header_length / 4)));
    l3_bytes.push_back(v4->tos);
    put16(l3_bytes, v4->total_length.value_or(
                        static_cast<std::uint16_t>(header_length + seg.size())));
    put16(l3_bytes, v4->id);
    put16(l3_bytes, v4->flags_fragment);
    l3_bytes.push_back(v4->ttl);
    l3_bytes.push_back(v4->protocol.value_or(l4_protocol(l4, false)));
    put16(l3_bytes, 0);
    append_address(l3_bytes, v4->src);
    append_address(l3_bytes, v4->dst);
    append(l3_bytes, v4->options);
    std::uint16_t checksum = reference_checksum(l3_bytes);
    if (v4->corrupt_checksum) checksum = static_cast<std::uint16_t>(checksum ^ 0x0101);
    set16(l3_bytes, 10, checksum);
    append(l3_bytes, seg);
  } else if (const auto* v6 = std::get_if<Ipv6Spec>(&l3)) {
    ethertype = 0x86DD;
    const Bytes seg = build_l4(l4, true, v6->src, v6->dst);
    Bytes chain;
    for (std::size_t i = 0; i < v6->extensions.size(); ++i) {
      Bytes ext = v6->extensions[i].bytes;
      ext[0] = i + 1 < v6->extensions.size() ? v6->extensions[i + 1].type
                                              : v6->next_header.value_or(l4_protocol(l4, true));
      append(chain, ext);
    }
    const std::uint8_t first_next = v6->extensions.empty()
                                        ? v6->next_header.value_or(l4_protocol(l4, true))
                                        : v6->extensions.front().type;
    put32(l3_bytes, (6u << 28) | (std::uint32_t{v6->traffic_class} << 20) |
                        (v6->flow_label & 0xFFFFF));
    put16(l3_bytes, v6->payload_length.value_or(
                        static_cast<std::uint16_t>(chain.size() + seg.size())));
    l3_bytes.push_back(first_next);
    l3_bytes.push_back(v6->hop_limit);
    append_address(l3_bytes, v6->src);
    append_address(l3_bytes, v6->dst);
    append(l3_bytes, chain);
    append(l3_bytes, seg);
  } else {
    const auto& arp = std::get<ArpSpec>(l3);
    ethertype = 0x0806;
    put16(l3_bytes, 1);
    put16(l3_bytes, 0x0800);
    l3_bytes.push_back(6);
    l3_bytes.push_back(4);
    put16(l3_bytes, arp.operation);
    l3_bytes.insert(l3_bytes.end(), arp.sender_mac.bytes().begin(), arp.sender_mac.bytes().end());
    append_address(l3_bytes, arp.sender_ip);
    l3_bytes.insert(l3_bytes.end(), arp.target_mac.bytes().begin(), arp.target_mac.bytes().end());
    append_address(l3_bytes, arp.target_ip);
  }

  Bytes frame;
  frame.insert(frame.end(), l2.dst.bytes().begin(), l2.dst.bytes().end());
  frame.insert(frame.end(), l2.src.bytes().begin(), l2.src.bytes().end());
  if (l2.vlan_tci) {
    put16(frame, 0x8100);
    put16(frame, *l2.vlan_tci);
  }
  put16(frame, l2.ethertype.value_or(ethertype));
  append(frame, l3_bytes);
  frame.insert(frame.end(), padding, 0);
  return frame;
}

Bytes mss_option(std::uint16_t mss) {
  Bytes out{2, 4};
  put16(out, mss);
  return out;
}

Bytes sack_option(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& blocks) {
  Bytes out{1, 1, 5, static_cast<std::uint8_t>(2 + 8 * blocks.size())};
  for (const auto& [left, right] : blocks) {
    put32(out, left);
    put32(out, right);
  }
  return out;
}

bool reference_ipv4_header_ok(const Bytes& frame, std::size_t l3_offset) {
  const std::size_t header_length = std::size_t{frame.at(l3_offset) & 0x0Fu} * 4;
  const Bytes header(frame.begin() + static_cast<std::ptrdiff_t>(l3_offset),
                     frame.begin() + static_cast<std::ptrdiff_t>(l3_offset + header_length));
  return reference_checksum(header) == 0;
}

bool reference_l4_ok(const Bytes& frame, std::size_t l3_offset, std::size_t l4_offset,
                     std::size_t l4_end, std::uint8_t protocol) {
  const bool v6 = (frame.at(l3_offset) >> 4) == 6;
  const auto family = v6 ? net::Family::kIpv6 : net::Family::kIpv4;
  const std::size_t src_offset = l3_offset + (v6 ? 8 : 12);
  const std::size_t dst_offset = l3_offset + (v6 ? 24 : 16);
  const auto src = net::IpAddress::from_bytes(family, frame.data() + src_offset);
  const auto dst = net::IpAddress::from_bytes(family, frame.data() + dst_offset);
  const Bytes segment(frame.begin() + static_cast<std::ptrdiff_t>(l4_offset),
                      frame.begin() + static_cast<std::ptrdiff_t>(l4_end));
  const Bytes pseudo = v6 ? ipv6_pseudo_header(src, dst, protocol, segment.size())
                          : ipv4_pseudo_header(src, dst, protocol, segment.size());
  return reference_checksum(concat(pseudo, segment)) == 0;
}

TestPacket::TestPacket(const Bytes& frame, std::uint32_t headroom)
    : storage_(kCapacity, 0xEE),
      buffer_(storage_.data(), kCapacity, headroom, static_cast<std::uint32_t>(frame.size())) {
  std::memcpy(buffer_.data(), frame.data(), frame.size());
}

Bytes TestPacket::bytes() const {
  return Bytes(buffer_.data(), buffer_.data() + buffer_.length());
}

}  // namespace sluice::packet::testing
