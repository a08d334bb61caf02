#include "dataplane/packet/drop_reason.hpp"

namespace sluice::packet {

std::string_view drop_reason_name(DropReason reason) noexcept {
  // A switch without default: -Wswitch flags any enumerator left without a name.
  switch (reason) {
    case DropReason::kNone: return "none";
    case DropReason::kTruncatedEthernet: return "truncated_ethernet";
    case DropReason::kTruncatedVlan: return "truncated_vlan";
    case DropReason::kStackedVlan: return "stacked_vlan";
    case DropReason::kUnsupportedEthertype: return "unsupported_ethertype";
    case DropReason::kTruncatedArp: return "truncated_arp";
    case DropReason::kUnsupportedArp: return "unsupported_arp";
    case DropReason::kTruncatedIpv4: return "truncated_ipv4";
    case DropReason::kBadIpVersion: return "bad_ip_version";
    case DropReason::kBadIpv4Ihl: return "bad_ipv4_ihl";
    case DropReason::kIpv4TotalLengthBelowHeader: return "ipv4_total_length_below_header";
    case DropReason::kIpv4TotalLengthBeyondFrame: return "ipv4_total_length_beyond_frame";
    case DropReason::kBadIpv4HeaderChecksum: return "bad_ipv4_header_checksum";
    case DropReason::kTruncatedIpv6: return "truncated_ipv6";
    case DropReason::kIpv6PayloadLengthBeyondFrame: return "ipv6_payload_length_beyond_frame";
    case DropReason::kTruncatedIpv6ExtensionHeader: return "truncated_ipv6_extension_header";
    case DropReason::kTooManyIpv6ExtensionHeaders: return "too_many_ipv6_extension_headers";
    case DropReason::kIpv6HopByHopNotFirst: return "ipv6_hop_by_hop_not_first";
    case DropReason::kTruncatedTcp: return "truncated_tcp";
    case DropReason::kBadTcpDataOffset: return "bad_tcp_data_offset";
    case DropReason::kTcpOptionsOverrun: return "tcp_options_overrun";
    case DropReason::kBadTcpOptionLength: return "bad_tcp_option_length";
    case DropReason::kDuplicateTcpOption: return "duplicate_tcp_option";
    case DropReason::kTruncatedUdp: return "truncated_udp";
    case DropReason::kUdpLengthMismatch: return "udp_length_mismatch";
    case DropReason::kUdpZeroChecksumIpv6: return "udp_zero_checksum_ipv6";
    case DropReason::kTruncatedIcmp: return "truncated_icmp";
    case DropReason::kTruncatedIcmpv6: return "truncated_icmpv6";
    case DropReason::kTtlExpired: return "ttl_expired";
    case DropReason::kNoBufferRoom: return "no_buffer_room";
    case DropReason::kFamilyMismatch: return "family_mismatch";
    case DropReason::kNotRewritable: return "not_rewritable";
    case DropReason::kTranslationFragment: return "translation_fragment";
    case DropReason::kTranslationSourceRoute: return "translation_source_route";
    case DropReason::kCount: break;
  }
  return "unknown";
}

}  // namespace sluice::packet
