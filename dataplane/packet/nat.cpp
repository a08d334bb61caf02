#include "dataplane/packet/nat.hpp"

#include <cstring>

#include "dataplane/packet/byte_order.hpp"
#include "dataplane/packet/checksum.hpp"
#include "dataplane/packet/ethernet.hpp"
#include "dataplane/packet/ip.hpp"
#include "dataplane/packet/l4.hpp"
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

namespace {

// The rewrite for one address size: constant-length loops and copies, which the compiler
// unrolls into a few loads and stores (a runtime length cost ~100 instructions per packet in
// loop control and a memcpy call, docs/performance.md).
// With kRoute, the TTL / hop limit is decremented too (the caller checked it is above 1), and
// for IPv4 its change joins the addresses' in one header checksum update.
template <std::size_t kAddressSize, bool kRoute>
void rewrite_l3l4_sized(std::uint8_t* frame, const ParsedFrame& parsed,
                        const std::uint8_t* src_address, std::uint16_t src_port,
                        const std::uint8_t* dst_address, std::uint16_t dst_port) noexcept {
  std::uint8_t* const l4 = frame + parsed.l4_offset;
  const bool udp = parsed.l4_protocol == ip_proto::kUdp;
  std::uint8_t* const checksum_field =
      l4 + (udp ? UdpView::kChecksumOffset : TcpView::kChecksumOffset);
  std::uint16_t checksum = load_be16(checksum_field);
  const bool without_checksum = udp && kAddressSize == 4 && checksum == 0;

  std::uint8_t* const frame_src = frame + parsed.src_address_offset;
  std::uint8_t* const frame_dst = frame + parsed.dst_address_offset;
  // One delta for both addresses (4 or 16 bytes, at even offsets in every header and
  // pseudo-header), applied to the IPv4 header checksum and, with the ports, to the L4 one.
  ChecksumDelta addresses;
  addresses.replace_words(frame_src, src_address, kAddressSize);
  addresses.replace_words(frame_dst, dst_address, kAddressSize);
  if constexpr (kAddressSize == 4) {
    const Ipv4View ip(frame + parsed.l3_offset);
    ChecksumDelta header = addresses;
    if constexpr (kRoute) {
      // TTL shares its 16-bit word with the protocol byte: the delta takes the whole word.
      const std::uint16_t old_word = load_be16(ip.bytes() + 8);
      ip.set_ttl(static_cast<std::uint8_t>(ip.ttl() - 1));
      header.replace16(old_word, load_be16(ip.bytes() + 8));
    }
    ip.set_checksum(header.apply(ip.checksum()));
  } else if constexpr (kRoute) {
    const Ipv6View ip(frame + parsed.l3_offset);
    ip.set_hop_limit(static_cast<std::uint8_t>(ip.hop_limit() - 1));
  }
  // TCP and UDP checksums cover the addresses through the pseudo-header, and the ports.
  ChecksumDelta l4_delta = addresses;
  l4_delta.replace16(load_be16(l4), src_port);
  l4_delta.replace16(load_be16(l4 + 2), dst_port);
  checksum = l4_delta.apply(checksum);
  std::memcpy(frame_src, src_address, kAddressSize);
  std::memcpy(frame_dst, dst_address, kAddressSize);
  store_be16(l4, src_port);
  store_be16(l4 + 2, dst_port);

  if (without_checksum) return;
  store_be16(checksum_field, udp ? udp_checksum_for_wire(checksum) : checksum);
}

}  // namespace

DropReason rewrite_l3l4(std::uint8_t* frame, const ParsedFrame& parsed,
                        const std::uint8_t* src_address, std::uint16_t src_port,
                        const std::uint8_t* dst_address, std::uint16_t dst_port) noexcept {
  if (!(parsed.is_tcp() || parsed.is_udp()) || parsed.is_fragment) {
    return DropReason::kNotRewritable;
  }
  if (parsed.is_ipv4()) {
    rewrite_l3l4_sized<net::IpAddress::kV4Size, false>(frame, parsed, src_address, src_port,
                                                       dst_address, dst_port);
  } else {
    rewrite_l3l4_sized<net::IpAddress::kV6Size, false>(frame, parsed, src_address, src_port,
                                                       dst_address, dst_port);
  }
  return DropReason::kNone;
}

DropReason route_l3l4(std::uint8_t* frame, const ParsedFrame& parsed,
                      const std::uint8_t* src_address, std::uint16_t src_port,
                      const std::uint8_t* dst_address, std::uint16_t dst_port) noexcept {
  if (parsed.is_ipv4()) {
    if (ConstIpv4View(frame + parsed.l3_offset).ttl() <= 1) return DropReason::kTtlExpired;
  } else if (parsed.is_ipv6()) {
    if (ConstIpv6View(frame + parsed.l3_offset).hop_limit() <= 1) return DropReason::kTtlExpired;
  } else {
    return DropReason::kNotRewritable;
  }
  if (!(parsed.is_tcp() || parsed.is_udp()) || parsed.is_fragment) {
    return DropReason::kNotRewritable;
  }
  if (parsed.is_ipv4()) {
    rewrite_l3l4_sized<net::IpAddress::kV4Size, true>(frame, parsed, src_address, src_port,
                                                      dst_address, dst_port);
  } else {
    rewrite_l3l4_sized<net::IpAddress::kV6Size, true>(frame, parsed, src_address, src_port,
                                                      dst_address, dst_port);
  }
  return DropReason::kNone;
}

DropReason rewrite_l3l4(std::uint8_t* frame, const ParsedFrame& parsed, const net::Endpoint& src,
                        const net::Endpoint& dst) noexcept {
  if (!(parsed.is_tcp() || parsed.is_udp()) || parsed.is_fragment) {
    return DropReason::kNotRewritable;
  }
  if (src.address.family() != parsed.family || dst.address.family() != parsed.family) {
    return DropReason::kFamilyMismatch;
  }
  return rewrite_l3l4(frame, parsed, src.address.data(), src.port, dst.address.data(), dst.port);
}

}  // namespace sluice::packet
