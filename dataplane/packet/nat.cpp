#include "dataplane/packet/nat.hpp"

#include <cstring>

#include "dataplane/packet/byte_order.hpp"
#include "dataplane/packet/checksum.hpp"
#include "dataplane/packet/ethernet.hpp"
#include "dataplane/packet/ip.hpp"
#include "dataplane/packet/l4_checksum.hpp"
#include "dataplane/packet/protocols.hpp"

namespace sluice::packet {

void rewrite_l2(std::uint8_t* frame, const net::MacAddress& src,
                const net::MacAddress& dst) noexcept {
  const EthernetView ethernet(frame);
  ethernet.set_src(src);
  ethernet.set_dst(dst);
}

DropReason decrement_ttl(std::uint8_t* frame, const ParsedFrame& parsed) noexcept {
  if (parsed.is_ipv4()) {
    const Ipv4View ip(frame + parsed.l3_offset);
    if (ip.ttl() <= 1) return DropReason::kTtlExpired;
    // TTL shares its 16-bit word with the protocol byte: update the checksum by that word.
    const std::uint16_t old_word = load_be16(ip.bytes() + 8);
    ip.set_ttl(static_cast<std::uint8_t>(ip.ttl() - 1));
    ip.set_checksum(checksum_update16(ip.checksum(), old_word, load_be16(ip.bytes() + 8)));
    return DropReason::kNone;
  }
  if (parsed.is_ipv6()) {
    const Ipv6View ip(frame + parsed.l3_offset);
    if (ip.hop_limit() <= 1) return DropReason::kTtlExpired;
    ip.set_hop_limit(static_cast<std::uint8_t>(ip.hop_limit() - 1));
    return DropReason::kNone;
  }
  return DropReason::kNotRewritable;
}

DropReason rewrite_l3l4(std::uint8_t* frame, const ParsedFrame& parsed, const net::Endpoint& src,
                        const net::Endpoint& dst) noexcept {
  if (!(parsed.is_tcp() || parsed.is_udp()) || parsed.is_fragment) {
    return DropReason::kNotRewritable;
  }
  if (src.address.family() != parsed.family || dst.address.family() != parsed.family) {
    return DropReason::kFamilyMismatch;
  }
  const std::size_t address_size = parsed.address_size();
  std::uint8_t* const l4 = frame + parsed.l4_offset;
  std::uint8_t* const checksum_field = l4 + l4_checksum_field_offset(parsed);
  std::uint16_t checksum = load_be16(checksum_field);
  const bool udp = parsed.l4_protocol == ip_proto::kUdp;
  const bool without_checksum = udp && parsed.is_ipv4() && checksum == 0;

  std::uint8_t* const src_address = frame + parsed.src_address_offset;
  std::uint8_t* const dst_address = frame + parsed.dst_address_offset;
  // One delta for both addresses (4 or 16 bytes, at even offsets in every header and
  // pseudo-header), applied to the IPv4 header checksum and, with the ports, to the L4 one.
  ChecksumDelta addresses;
  addresses.replace_words(src_address, src.address.data(), address_size);
  addresses.replace_words(dst_address, dst.address.data(), address_size);
  if (parsed.is_ipv4()) {
    const Ipv4View ip(frame + parsed.l3_offset);
    ip.set_checksum(addresses.apply(ip.checksum()));
  }
  // TCP and UDP checksums cover the addresses through the pseudo-header, and the ports.
  ChecksumDelta l4_delta = addresses;
  l4_delta.replace16(load_be16(l4), src.port);
  l4_delta.replace16(load_be16(l4 + 2), dst.port);
  checksum = l4_delta.apply(checksum);
  std::memcpy(src_address, src.address.data(), address_size);
  std::memcpy(dst_address, dst.address.data(), address_size);
  store_be16(l4, src.port);
  store_be16(l4 + 2, dst.port);

  if (without_checksum) return DropReason::kNone;
  store_be16(checksum_field, udp ? udp_checksum_for_wire(checksum) : checksum);
  return DropReason::kNone;
}

}  // namespace sluice::packet
