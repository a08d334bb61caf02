#pragma once
// Full checksum computation and verification for a parsed frame: the slow, always-right path.
//
// Use it whenever bytes were inserted into or removed from the checksummed part of a segment
// (PROXY header insertion, SYN payload removal). An insertion of odd length shifts every
// following byte to the other half of its 16-bit word, so no incremental update of the old
// checksum is valid any more (spec "proxy-protocol.md", TCP rule 4); docs/packet-layer.md
// lists when incremental updates are safe.
#include <cstdint>

#include "dataplane/packet/parser.hpp"

namespace sluice::packet {

// The pseudo-header sum for the frame's L4 segment as the frame is now (addresses, protocol,
// L4 length = l3_end - l4_offset). Zero for ICMPv4, which has no pseudo-header.
std::uint16_t frame_pseudo_header_sum(const std::uint8_t* frame, const ParsedFrame& parsed) noexcept;

// Recomputes and stores the checksum of the TCP, UDP, ICMPv4 or ICMPv6 segment. An IPv4 UDP
// datagram sent without checksum (0) keeps 0. No-op without an L4 header (has_l4 false) or for
// fragments (the checksum covers bytes this frame does not have).
void recompute_l4_checksum(std::uint8_t* frame, const ParsedFrame& parsed) noexcept;

// True when the stored L4 checksum verifies (or is an allowed IPv4 UDP zero). False for
// fragments and frames without an L4 header: there is nothing that can be verified.
bool l4_checksum_ok(const std::uint8_t* frame, const ParsedFrame& parsed) noexcept;

// Recomputes and stores the IPv4 header checksum. No-op for non-IPv4 frames.
void recompute_ipv4_header_checksum(std::uint8_t* frame, const ParsedFrame& parsed) noexcept;

// Offset of the checksum field inside the frame's L4 header (TCP 16, UDP 6, ICMP 2), or 0 when
// the frame has no L4 header with a checksum.
std::uint32_t l4_checksum_field_offset(const ParsedFrame& parsed) noexcept;

}  // namespace sluice::packet
