#pragma once
// IPv4 <-> IPv6 header translation for TCP and UDP (RFC 7915 sections 4.1 and 5.1), combined
// with the full-NAT address/port rewrite that always accompanies it in the load balancer
// (spec "proxy-protocol.md", "Families"). The IP header changes size, so the frame is resized
// at the front: the Ethernet header moves into the headroom (IPv4 -> IPv6, +20 bytes for an
// option-less header) or towards the payload (IPv6 -> IPv4); the L4 segment never moves.
//
// The L4 checksum is moved from the old pseudo-header to the new one: the difference of the
// two pseudo-header sums plus the port changes (RFC 1624), which equals a full recomputation
// over the new pseudo-header but does not launder a segment that arrived corrupted. An IPv4
// UDP datagram without checksum gets a fully computed one (IPv6 requires it, RFC 7915 4.5).
//
// Not translated (frame untouched, drop reason returned): fragments (kTranslationFragment;
// hence no IPv6 fragment header is ever produced and the IPv4 ID needs no mapping), packets
// with an unexpired IPv4 source route or an IPv6 routing header with segments left
// (kTranslationSourceRoute, RFC 7915 4.1/5.1), anything but TCP/UDP (kNotRewritable), and
// endpoints of the wrong family (kFamilyMismatch). TTL / hop limit are copied, not decremented:
// call decrement_ttl() as for any forwarded packet. docs/packet-layer.md has the field table.
#include <cstdint>

#include "dataplane/net/address.hpp"
#include "dataplane/packet/drop_reason.hpp"
#include "dataplane/packet/packet_buffer.hpp"
#include "dataplane/packet/parser.hpp"

namespace sluice::packet {

// IPv4 frame -> IPv6 frame from src to dst (both IPv6 endpoints). Needs 40 - IHL*4 bytes of
// headroom (20 without IPv4 options), or as much tailroom (then the segment moves instead).
// On success `parsed` describes the new frame.
DropReason translate_ipv4_to_ipv6(PacketBuffer& buffer, ParsedFrame& parsed,
                                  const net::Endpoint& src, const net::Endpoint& dst) noexcept;

// IPv6 frame -> IPv4 frame from src to dst (both IPv4 endpoints), DF set, Identification
// `identification` (the caller's per-flow or per-worker counter). IPv6 extension headers are
// dropped. On success `parsed` describes the new frame.
DropReason translate_ipv6_to_ipv4(PacketBuffer& buffer, ParsedFrame& parsed,
                                  const net::Endpoint& src, const net::Endpoint& dst,
                                  std::uint16_t identification) noexcept;

// True when the IPv4 options carry a loose or strict source route whose pointer has not run
// past its end (RFC 791 section 3.1; RFC 7915 section 4.1: such packets are not translated).
bool ipv4_has_unexpired_source_route(const std::uint8_t* options, std::size_t len) noexcept;

}  // namespace sluice::packet
