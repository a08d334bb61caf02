#pragma once
// Size rules for carrying the PROXY header (spec proxy-protocol.md, TCP item 6 and
// "send = with-data"): may the header be grown into the front of a segment, and which MSS the
// client is told in with-data mode so that a full-sized first segment still fits.
#include <cstdint>

#include "dataplane/insertion/segment.hpp"
#include "dataplane/shared/tcp_rules.h"

namespace sluice::insertion {

// RFC 9293 section 3.7.1: without an MSS option the peer assumes 536 (IPv4). Used for IPv6
// backends too: it only makes growing rarer (1220 would be the IPv6 value, RFC 8200 section 8.3).
inline constexpr std::uint16_t kDefaultBackendMss = SL_TCP_DEFAULT_MSS;

// Smallest MSS we advertise after lowering it; Linux's TCP_MIN_MSS (include/net/tcp.h).
// A smaller value would make the client send absurdly small segments.
inline constexpr std::uint16_t kMinimumClientMss = SL_TCP_MIN_CLIENT_MSS;

// True when `segment` with `header_length` bytes prepended stays within both limits:
//   payload + H + TCP options <= backend MSS   (RFC 6691 section 2: the MSS excludes only the
//                                              fixed headers; the sender subtracts its options)
//   IP header + TCP header + payload + H <= egress MTU
// Never for a coalesced super-frame (GSO/LRO) or a frame already larger than the MTU: its
// segmentation happens after us, and the header must land in the first wire segment only.
bool header_fits_in_front(const SegmentDescription& segment, std::uint16_t header_length,
                          const EgressPath& egress, std::uint16_t backend_mss) noexcept;

// The MSS option value for the SYN-ACK towards the client in with-data mode: the backend's
// MSS lowered by H, but never below kMinimumClientMss and never above the backend's own value.
std::uint16_t client_facing_mss(std::uint16_t backend_mss, std::uint16_t header_length) noexcept;

}  // namespace sluice::insertion
