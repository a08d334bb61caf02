#include "dataplane/packet/l4_checksum.hpp"

#include "dataplane/packet/byte_order.hpp"
#include "dataplane/packet/checksum.hpp"
#include "dataplane/packet/ip.hpp"
#include "dataplane/packet/l4.hpp"
#include "dataplane/packet/protocols.hpp"

namespace sluice::packet {

std::uint32_t l4_checksum_field_offset(const ParsedFrame& parsed) noexcept {
  if (!parsed.has_l4) return 0;
  switch (parsed.l4_protocol) {
    case ip_proto::kTcp: return TcpView::kChecksumOffset;
    case ip_proto::kUdp: return UdpView::kChecksumOffset;
    case ip_proto::kIcmp:
    case ip_proto::kIcmpv6: return Icmpv4View::kChecksumOffset;
    default: return 0;
  }
}

std::uint16_t frame_pseudo_header_sum(const std::uint8_t* frame,
                                      const ParsedFrame& parsed) noexcept {
  const std::uint8_t* const src = frame + parsed.src_address_offset;
  const std::uint8_t* const dst = frame + parsed.dst_address_offset;
  if (parsed.is_ipv4()) {
    if (parsed.l4_protocol == ip_proto::kIcmp) return 0;
    return ipv4_pseudo_header_sum(src, dst, parsed.l4_protocol,
                                  static_cast<std::uint16_t>(parsed.l4_length()));
  }
  return ipv6_pseudo_header_sum(src, dst, parsed.l4_protocol, parsed.l4_length());
}

void recompute_l4_checksum(std::uint8_t* frame, const ParsedFrame& parsed) noexcept {
  const std::uint32_t field = l4_checksum_field_offset(parsed);
  if (field == 0 || parsed.is_fragment) return;
  std::uint8_t* const segment = frame + parsed.l4_offset;
  const bool udp = parsed.l4_protocol == ip_proto::kUdp;
  if (udp && parsed.is_ipv4() && load_be16(segment + field) == 0) return;  // RFC 768: none
  store_be16(segment + field, 0);
  std::uint16_t checksum =
      l4_checksum(frame_pseudo_header_sum(frame, parsed), segment, parsed.l4_length());
  if (udp) checksum = udp_checksum_for_wire(checksum);
  store_be16(segment + field, checksum);
}

bool l4_checksum_ok(const std::uint8_t* frame, const ParsedFrame& parsed) noexcept {
  const std::uint32_t field = l4_checksum_field_offset(parsed);
  if (field == 0 || parsed.is_fragment) return false;
  const std::uint8_t* const segment = frame + parsed.l4_offset;
  if (parsed.l4_protocol == ip_proto::kUdp) {
    const std::uint16_t stored = load_be16(segment + field);
    if (stored == 0) return parsed.is_ipv4();
  }
  const std::uint16_t sum = ones_add(frame_pseudo_header_sum(frame, parsed),
                                     ones_complement_sum(segment, parsed.l4_length()));
  return sum == 0xFFFF;
}

void recompute_ipv4_header_checksum(std::uint8_t* frame, const ParsedFrame& parsed) noexcept {
  if (!parsed.is_ipv4()) return;
  const Ipv4View ip(frame + parsed.l3_offset);
  ip.set_checksum(ipv4_header_checksum(ip.bytes(), ip.header_length()));
}

}  // namespace sluice::packet
