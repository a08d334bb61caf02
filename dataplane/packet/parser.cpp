#include "dataplane/packet/parser.hpp"

#include "dataplane/shared/ipv6_ext.h"

#include "dataplane/packet/checksum.hpp"
#include "dataplane/packet/ethernet.hpp"
#include "dataplane/packet/ip.hpp"
#include "dataplane/packet/l4.hpp"
#include "dataplane/packet/protocols.hpp"
#include "dataplane/shared/l4_protocols.h"

namespace sluice::packet {
namespace {

bool is_vlan_ethertype(std::uint16_t type) noexcept {
  return type == ethertype::kVlan || type == ethertype::kQinQ;
}

// The shared list (dataplane/shared/ipv6_ext.h), the XDP program's too.
bool is_ipv6_extension(std::uint8_t next_header) noexcept { return sl_ipv6_is_extension(next_header) != 0; }

// Each step below owns one layer: it checks that the layer's bytes are inside the frame (or
// the IP packet) before reading them, fills its part of `out`, and returns kNone to go on.
class FrameParser {
 public:
  FrameParser(const std::uint8_t* bytes, std::size_t len, ParsedFrame& out) noexcept
      : bytes_(bytes), len_(len), out_(out) {}

  DropReason run() noexcept {
    if (len_ < header_size::kEthernet) return DropReason::kTruncatedEthernet;
    std::uint16_t type = ConstEthernetView(bytes_).ethertype();
    std::size_t l3 = header_size::kEthernet;
    if (is_vlan_ethertype(type)) {
      if (len_ < l3 + header_size::kVlanTag) return DropReason::kTruncatedVlan;
      const ConstVlanTagView tag(bytes_ + l3);
      out_.has_vlan = true;
      out_.vlan_tci = tag.tci();
      type = tag.ethertype();
      l3 += header_size::kVlanTag;
      if (is_vlan_ethertype(type)) return DropReason::kStackedVlan;
    }
    out_.l3_offset = static_cast<std::uint32_t>(l3);
    out_.ethertype = type;
    switch (type) {
      case ethertype::kIpv4: return parse_ipv4(l3);
      case ethertype::kIpv6: return parse_ipv6(l3);
      case ethertype::kArp: return parse_arp(l3);
      default: return DropReason::kUnsupportedEthertype;
    }
  }

 private:
  DropReason parse_arp(std::size_t l3) noexcept {
    if (len_ - l3 < header_size::kArpIpv4) return DropReason::kTruncatedArp;
    const ConstArpView arp(bytes_ + l3);
    if (arp.hardware_type() != ConstArpView::kHardwareEthernet ||
        arp.protocol_type() != ethertype::kIpv4 || arp.hardware_length() != 6 ||
        arp.protocol_length() != 4) {
      return DropReason::kUnsupportedArp;
    }
    out_.l3 = L3Kind::kArp;
    out_.family = net::Family::kIpv4;
    out_.src_address_offset = static_cast<std::uint32_t>(l3 + 14);
    out_.dst_address_offset = static_cast<std::uint32_t>(l3 + 24);
    out_.l3_end = static_cast<std::uint32_t>(l3 + header_size::kArpIpv4);
    out_.l4_offset = out_.payload_offset = out_.l3_end;
    return DropReason::kNone;
  }

  DropReason parse_ipv4(std::size_t l3) noexcept {
    if (len_ - l3 < header_size::kIpv4Min) return DropReason::kTruncatedIpv4;
    const ConstIpv4View ip(bytes_ + l3);
    if (ip.version() != 4) return DropReason::kBadIpVersion;
    if (ip.ihl() < 5) return DropReason::kBadIpv4Ihl;
    const std::size_t header_length = ip.header_length();
    if (len_ - l3 < header_length) return DropReason::kTruncatedIpv4;
    const std::size_t total_length = ip.total_length();
    if (total_length < header_length) return DropReason::kIpv4TotalLengthBelowHeader;
    if (total_length > len_ - l3) return DropReason::kIpv4TotalLengthBeyondFrame;
    // 20-60 bytes already in cache: verifying costs less than forwarding a corrupted header.
    if (!ipv4_header_checksum_ok(ip.bytes(), header_length)) {
      return DropReason::kBadIpv4HeaderChecksum;
    }

    out_.l3 = L3Kind::kIpv4;
    out_.family = net::Family::kIpv4;
    out_.src_address_offset = static_cast<std::uint32_t>(l3 + ConstIpv4View::kSrcOffset);
    out_.dst_address_offset = static_cast<std::uint32_t>(l3 + ConstIpv4View::kDstOffset);
    out_.ipv4_options_length = static_cast<std::uint8_t>(header_length - header_size::kIpv4Min);
    out_.l3_end = static_cast<std::uint32_t>(l3 + total_length);
    out_.l4_protocol = ip.protocol();
    const std::size_t l4 = l3 + header_length;
    if (ip.is_fragment()) {
      out_.is_fragment = true;
      out_.is_first_fragment = ip.fragment_offset() == 0;
      if (!out_.is_first_fragment) return no_l4_header(l4);
    }
    return parse_l4(l4);
  }

  DropReason parse_ipv6(std::size_t l3) noexcept {
    if (len_ - l3 < header_size::kIpv6) return DropReason::kTruncatedIpv6;
    const ConstIpv6View ip(bytes_ + l3);
    if (ip.version() != 6) return DropReason::kBadIpVersion;
    const std::size_t end = l3 + header_size::kIpv6 + ip.payload_length();
    if (end > len_) return DropReason::kIpv6PayloadLengthBeyondFrame;

    out_.l3 = L3Kind::kIpv6;
    out_.family = net::Family::kIpv6;
    out_.src_address_offset = static_cast<std::uint32_t>(l3 + ConstIpv6View::kSrcOffset);
    out_.dst_address_offset = static_cast<std::uint32_t>(l3 + ConstIpv6View::kDstOffset);
    out_.l3_end = static_cast<std::uint32_t>(end);

    std::uint8_t next_header = ip.next_header();
    std::size_t at = l3 + header_size::kIpv6;
    std::size_t count = 0;
    while (is_ipv6_extension(next_header)) {
      if (count == kMaxIpv6ExtensionHeaders) return DropReason::kTooManyIpv6ExtensionHeaders;
      // RFC 8200 section 4.3: hop-by-hop options only ever directly follow the IPv6 header.
      if (next_header == ip_proto::kHopByHop && count != 0) {
        return DropReason::kIpv6HopByHopNotFirst;
      }
      if (end - at < ConstIpv6ExtensionView::kMinSize) {
        return DropReason::kTruncatedIpv6ExtensionHeader;
      }
      const ConstIpv6ExtensionView ext(bytes_ + at);
      const std::size_t ext_length = ext.length_in_bytes(next_header);
      if (end - at < ext_length) return DropReason::kTruncatedIpv6ExtensionHeader;
      ++count;
      out_.ipv6_extension_count = static_cast<std::uint8_t>(count);
      if (next_header == ip_proto::kRouting && ext.routing_segments_left() != 0) {
        out_.ipv6_routing_segments_left = true;
      }
      const std::uint8_t following = ext.next_header();
      if (next_header == ip_proto::kFragment) {
        out_.ipv6_fragment_header_offset = static_cast<std::uint32_t>(at);
        out_.is_fragment = true;
        out_.is_first_fragment = ext.fragment_offset() == 0;
        if (!out_.is_first_fragment) {
          out_.l4_protocol = following;
          return no_l4_header(at + ext_length);
        }
      }
      next_header = following;
      at += ext_length;
    }
    out_.l4_protocol = next_header;
    return parse_l4(at);
  }

  DropReason no_l4_header(std::size_t l4) noexcept {
    out_.has_l4 = false;
    out_.l4_offset = out_.payload_offset = static_cast<std::uint32_t>(l4);
    return DropReason::kNone;
  }

  DropReason parse_l4(std::size_t l4) noexcept {
    out_.l4_offset = out_.payload_offset = static_cast<std::uint32_t>(l4);
    const std::size_t available = out_.l3_end - l4;
    const bool v4 = out_.l3 == L3Kind::kIpv4;
    switch (out_.l4_protocol) {
      case ip_proto::kTcp: return parse_tcp(l4, available);
      case ip_proto::kUdp: return parse_udp(l4, available);
      case ip_proto::kIcmp:
      case ip_proto::kIcmpv6:
        // Only the family's own ICMP (the shared rule, dataplane/shared/l4_protocols.h).
        if (!sl_is_icmp_of_family(v4 ? 1 : 0, out_.l4_protocol)) break;
        return parse_icmp(l4, available, v4 ? DropReason::kTruncatedIcmp : DropReason::kTruncatedIcmpv6);
      default:
        break;
    }
    return no_l4_header(l4);
  }

  DropReason parse_tcp(std::size_t l4, std::size_t available) noexcept {
    if (available < header_size::kTcpMin) return DropReason::kTruncatedTcp;
    const ConstTcpView tcp(bytes_ + l4);
    if (tcp.data_offset() < 5) return DropReason::kBadTcpDataOffset;
    const std::size_t header_length = tcp.header_length();
    if (available < header_length) return DropReason::kTruncatedTcp;
    const DropReason options = parse_tcp_options(tcp.bytes(), header_length, out_.tcp_options);
    if (options != DropReason::kNone) return options;
    out_.tcp_flags = tcp.flags();
    out_.has_l4 = true;
    out_.payload_offset = static_cast<std::uint32_t>(l4 + header_length);
    return DropReason::kNone;
  }

  DropReason parse_udp(std::size_t l4, std::size_t available) noexcept {
    if (available < header_size::kUdp) return DropReason::kTruncatedUdp;
    const ConstUdpView udp(bytes_ + l4);
    // The UDP length covers the whole datagram, which a fragment only carries part of.
    if (!out_.is_fragment &&
        (udp.length() < header_size::kUdp || udp.length() != available)) {
      return DropReason::kUdpLengthMismatch;
    }
    if (out_.l3 == L3Kind::kIpv6 && udp.checksum() == 0) {
      return DropReason::kUdpZeroChecksumIpv6;  // RFC 8200 section 8.1
    }
    out_.has_l4 = true;
    out_.payload_offset = static_cast<std::uint32_t>(l4 + header_size::kUdp);
    return DropReason::kNone;
  }

  DropReason parse_icmp(std::size_t l4, std::size_t available, DropReason truncated) noexcept {
    if (available < header_size::kIcmp) return truncated;
    const BasicIcmpView<const std::uint8_t> icmp(bytes_ + l4);
    out_.icmp_type = icmp.type();
    out_.icmp_code = icmp.code();
    out_.has_l4 = true;
    out_.payload_offset = static_cast<std::uint32_t>(l4 + header_size::kIcmp);
    return DropReason::kNone;
  }

  const std::uint8_t* bytes_;
  std::size_t len_;
  ParsedFrame& out_;
};

}  // namespace

ParseResult parse_frame(const std::uint8_t* bytes, std::size_t len) noexcept {
  // Parsed in place into the result (returned without a copy of the ~70-byte frame).
  ParseResult result{ParsedFrame{}};
  const DropReason reason = FrameParser(bytes, len, result.frame()).run();
  if (reason != DropReason::kNone) return reason;
  return result;
}

}  // namespace sluice::packet
