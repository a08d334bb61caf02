#pragma once
// Why the packet core refused a frame. One value per distinct cause, so that each has its own
// counter; the names are stable strings for `show stats` and the metrics exporter (never
// rename one, only add). docs/packet-layer.md has the table with the exact conditions.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::packet {

enum class DropReason : std::uint8_t {
  kNone = 0,  // not dropped: the operation succeeded

  // Parser: link layer.
  kTruncatedEthernet,
  kTruncatedVlan,
  kStackedVlan,
  kUnsupportedEthertype,
  kTruncatedArp,
  kUnsupportedArp,

  // Parser: IPv4.
  kTruncatedIpv4,
  kBadIpVersion,
  kBadIpv4Ihl,
  kIpv4TotalLengthBelowHeader,
  kIpv4TotalLengthBeyondFrame,
  kBadIpv4HeaderChecksum,

  // Parser: IPv6.
  kTruncatedIpv6,
  kIpv6PayloadLengthBeyondFrame,
  kTruncatedIpv6ExtensionHeader,
  kTooManyIpv6ExtensionHeaders,
  kIpv6HopByHopNotFirst,

  // Parser: transport.
  kTruncatedTcp,
  kBadTcpDataOffset,
  kTcpOptionsOverrun,
  kBadTcpOptionLength,
  kDuplicateTcpOption,
  kTruncatedUdp,
  kUdpLengthMismatch,
  kUdpZeroChecksumIpv6,
  kTruncatedIcmp,
  kTruncatedIcmpv6,

  // Rewrites.
  kTtlExpired,
  kNoBufferRoom,
  kFamilyMismatch,
  kNotRewritable,
  kTranslationFragment,
  kTranslationSourceRoute,

  kCount  // keep last: the number of reasons, for counter arrays
};

inline constexpr std::size_t kDropReasonCount = static_cast<std::size_t>(DropReason::kCount);

// "truncated_ipv4", "bad_tcp_data_offset", ...; "none" for kNone, "unknown" out of range.
std::string_view drop_reason_name(DropReason reason) noexcept;

}  // namespace sluice::packet
