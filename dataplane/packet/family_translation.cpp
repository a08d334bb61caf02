#include "dataplane/packet/family_translation.hpp"

#include <array>
#include <cstring>

#include "dataplane/packet/byte_order.hpp"
#include "dataplane/packet/checksum.hpp"
#include "dataplane/packet/ip.hpp"
#include "dataplane/packet/l4_checksum.hpp"
#include "dataplane/packet/protocols.hpp"

namespace sluice::packet {
namespace {

constexpr std::uint8_t kOptionLooseSourceRoute = 131;   // RFC 791 section 3.1
constexpr std::uint8_t kOptionStrictSourceRoute = 137;

// What both directions check before touching anything.
DropReason check_translatable(const ParsedFrame& parsed, const net::Endpoint& src,
                              const net::Endpoint& dst, net::Family to) noexcept {
  if (parsed.is_fragment) return DropReason::kTranslationFragment;
  if (!(parsed.is_tcp() || parsed.is_udp())) return DropReason::kNotRewritable;
  if (src.address.family() != to || dst.address.family() != to) {
    return DropReason::kFamilyMismatch;
  }
  return DropReason::kNone;
}

// Resizes the L3 header in place from old_size to new_size bytes, moving the bytes in front
// of it (the Ethernet header) and dropping Ethernet padding after the IP packet first.
bool resize_l3_header(PacketBuffer& buffer, const ParsedFrame& parsed, std::uint32_t old_size,
                      std::uint32_t new_size) noexcept {
  const std::uint32_t padding = buffer.length() - parsed.l3_end;
  if (new_size > old_size) {
    if (!buffer.insert_gap(parsed.l3_offset, new_size - old_size)) return false;
  } else if (new_size < old_size) {
    if (!buffer.remove_gap(parsed.l3_offset, old_size - new_size)) return false;
  }
  // Cannot fail: the frame only loses bytes it had.
  return buffer.trim(padding);
}

void set_encapsulated_ethertype(std::uint8_t* frame, const ParsedFrame& parsed,
                                std::uint16_t type) noexcept {
  // The last two bytes before L3: the Ethernet ethertype, or the VLAN tag's inner one.
  store_be16(frame + parsed.l3_offset - 2, type);
}

// Moves the L4 checksum from the old pseudo-header sum to the new one and rewrites the ports.
void finish_l4(std::uint8_t* frame, const ParsedFrame& parsed, std::uint16_t old_checksum,
               std::uint16_t old_pseudo_sum, const net::Endpoint& src,
               const net::Endpoint& dst) noexcept {
  std::uint8_t* const l4 = frame + parsed.l4_offset;
  std::uint8_t* const checksum_field = l4 + l4_checksum_field_offset(parsed);
  const bool udp = parsed.l4_protocol == ip_proto::kUdp;
  if (udp && old_checksum == 0) {
    // IPv4 UDP without checksum: IPv6 requires one, compute it (RFC 7915 section 4.5).
    store_be16(l4, src.port);
    store_be16(l4 + 2, dst.port);
    store_be16(checksum_field, 0);
    store_be16(checksum_field,
               udp_checksum_for_wire(l4_checksum(frame_pseudo_header_sum(frame, parsed), l4,
                                                 parsed.l4_length())));
    return;
  }
  std::uint16_t checksum =
      checksum_replace_sum(old_checksum, old_pseudo_sum, frame_pseudo_header_sum(frame, parsed));
  checksum = checksum_update16(checksum, load_be16(l4), src.port);
  checksum = checksum_update16(checksum, load_be16(l4 + 2), dst.port);
  store_be16(l4, src.port);
  store_be16(l4 + 2, dst.port);
  store_be16(checksum_field, udp ? udp_checksum_for_wire(checksum) : checksum);
}

}  // namespace

bool ipv4_has_unexpired_source_route(const std::uint8_t* options, std::size_t len) noexcept {
  std::size_t at = 0;
  while (at < len) {  // advances by at least one byte per step: at most 40 steps
    const std::uint8_t type = options[at];
    if (type == 0) return false;  // end of option list
    if (type == 1) {              // no operation
      ++at;
      continue;
    }
    if (at + 1 >= len) return false;
    const std::size_t length = options[at + 1];
    if (length < 2 || length > len - at) return false;  // malformed: ignored, as all options
    if ((type == kOptionLooseSourceRoute || type == kOptionStrictSourceRoute) && length >= 3) {
      const std::uint8_t pointer = options[at + 2];
      if (pointer <= length) return true;  // a pointer past the end marks a completed route
    }
    at += length;
  }
  return false;
}

DropReason translate_ipv4_to_ipv6(PacketBuffer& buffer, ParsedFrame& parsed,
                                  const net::Endpoint& src, const net::Endpoint& dst) noexcept {
  if (!parsed.is_ipv4()) return DropReason::kFamilyMismatch;
  const DropReason reason = check_translatable(parsed, src, dst, net::Family::kIpv6);
  if (reason != DropReason::kNone) return reason;

  // Everything needed from the IPv4 header, read before the header is overwritten.
  const ConstIpv4View old_ip(buffer.data() + parsed.l3_offset);
  const std::uint32_t old_header_size = parsed.l3_header_length();
  if (ipv4_has_unexpired_source_route(old_ip.bytes() + header_size::kIpv4Min,
                                      old_header_size - header_size::kIpv4Min)) {
    return DropReason::kTranslationSourceRoute;
  }
  const std::uint8_t tos = old_ip.tos();
  const std::uint8_t ttl = old_ip.ttl();
  const std::uint16_t old_pseudo_sum = frame_pseudo_header_sum(buffer.data(), parsed);
  const std::uint16_t old_checksum =
      load_be16(buffer.data() + parsed.l4_offset + l4_checksum_field_offset(parsed));

  constexpr auto kNewHeaderSize = static_cast<std::uint32_t>(header_size::kIpv6);
  if (!resize_l3_header(buffer, parsed, old_header_size, kNewHeaderSize)) {
    return DropReason::kNoBufferRoom;
  }
  std::uint8_t* const frame = buffer.data();
  const std::uint32_t l4_length = parsed.l4_length();

  // RFC 7915 section 4.1, field by field.
  const Ipv6View ip(frame + parsed.l3_offset);
  ip.set_version_class_flow(tos, 0);   // Traffic Class = TOS; Flow Label = 0
  ip.set_payload_length(static_cast<std::uint16_t>(l4_length));  // options are gone
  ip.set_next_header(parsed.l4_protocol);                           // TCP/UDP unchanged
  ip.set_hop_limit(ttl);
  ip.set_src(src.address);
  ip.set_dst(dst.address);
  set_encapsulated_ethertype(frame, parsed, ethertype::kIpv6);

  // Describe the new frame before the checksum, which reads it.
  const std::uint32_t new_l4_offset = parsed.l3_offset + kNewHeaderSize;
  parsed.payload_offset = parsed.payload_offset - parsed.l4_offset + new_l4_offset;
  parsed.l4_offset = new_l4_offset;
  parsed.l3_end = new_l4_offset + l4_length;
  parsed.l3 = L3Kind::kIpv6;
  parsed.family = net::Family::kIpv6;
  parsed.ethertype = ethertype::kIpv6;
  parsed.src_address_offset = parsed.l3_offset + Ipv6View::kSrcOffset;
  parsed.dst_address_offset = parsed.l3_offset + Ipv6View::kDstOffset;
  parsed.ipv4_options_length = 0;

  finish_l4(frame, parsed, old_checksum, old_pseudo_sum, src, dst);
  return DropReason::kNone;
}

DropReason translate_ipv6_to_ipv4(PacketBuffer& buffer, ParsedFrame& parsed,
                                  const net::Endpoint& src, const net::Endpoint& dst,
                                  std::uint16_t identification) noexcept {
  if (!parsed.is_ipv6()) return DropReason::kFamilyMismatch;
  const DropReason reason = check_translatable(parsed, src, dst, net::Family::kIpv4);
  if (reason != DropReason::kNone) return reason;
  if (parsed.ipv6_routing_segments_left) return DropReason::kTranslationSourceRoute;
  const std::uint32_t l4_length = parsed.l4_length();
  constexpr auto kNewHeaderSize = static_cast<std::uint32_t>(header_size::kIpv4Min);
  if (l4_length > 0xFFFF - kNewHeaderSize) return DropReason::kNotRewritable;

  const ConstIpv6View old_ip(buffer.data() + parsed.l3_offset);
  const std::uint8_t traffic_class = old_ip.traffic_class();
  const std::uint8_t hop_limit = old_ip.hop_limit();
  const std::uint16_t old_pseudo_sum = frame_pseudo_header_sum(buffer.data(), parsed);
  const std::uint16_t old_checksum =
      load_be16(buffer.data() + parsed.l4_offset + l4_checksum_field_offset(parsed));

  // The IPv6 header and all extension headers (RFC 7915 section 5.1: hop-by-hop, destination
  // options and completed routing headers are ignored) become one 20-byte IPv4 header.
  if (!resize_l3_header(buffer, parsed, parsed.l3_header_length(), kNewHeaderSize)) {
    return DropReason::kNoBufferRoom;  // not reachable: shrinking always fits
  }
  std::uint8_t* const frame = buffer.data();

  // RFC 7915 section 5.1, field by field.
  const Ipv4View ip(frame + parsed.l3_offset);
  ip.set_version_and_ihl(4, 5);
  ip.set_tos(traffic_class);
  ip.set_total_length(static_cast<std::uint16_t>(kNewHeaderSize + l4_length));
  ip.set_identification(identification);
  ip.set_flags_and_fragment_offset(Ipv4View::kFlagDontFragment);
  ip.set_ttl(hop_limit);
  ip.set_protocol(parsed.l4_protocol);
  ip.set_src(src.address);
  ip.set_dst(dst.address);
  ip.set_checksum(ipv4_header_checksum(ip.bytes(), kNewHeaderSize));
  set_encapsulated_ethertype(frame, parsed, ethertype::kIpv4);

  const std::uint32_t new_l4_offset = parsed.l3_offset + kNewHeaderSize;
  parsed.payload_offset = parsed.payload_offset - parsed.l4_offset + new_l4_offset;
  parsed.l4_offset = new_l4_offset;
  parsed.l3_end = new_l4_offset + l4_length;
  parsed.l3 = L3Kind::kIpv4;
  parsed.family = net::Family::kIpv4;
  parsed.ethertype = ethertype::kIpv4;
  parsed.src_address_offset = parsed.l3_offset + Ipv4View::kSrcOffset;
  parsed.dst_address_offset = parsed.l3_offset + Ipv4View::kDstOffset;
  parsed.ipv6_extension_count = 0;
  parsed.ipv6_fragment_header_offset = 0;
  parsed.ipv6_routing_segments_left = false;

  finish_l4(frame, parsed, old_checksum, old_pseudo_sum, src, dst);
  return DropReason::kNone;
}

}  // namespace sluice::packet
