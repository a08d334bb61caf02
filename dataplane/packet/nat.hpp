#pragma once
// Same-family full-NAT rewrites, in place, with incremental checksum updates (RFC 1624):
// L2 addresses, TTL / hop limit, and the L3/L4 addresses and ports of TCP and UDP.
// None of them changes a length, so incremental updates are exact.
#include <cstdint>

#include "dataplane/net/address.hpp"
#include "dataplane/packet/drop_reason.hpp"
#include "dataplane/packet/parser.hpp"

namespace sluice::packet {

// Writes the Ethernet source and destination MACs (no checksum covers them).
void rewrite_l2(std::uint8_t* frame, const net::MacAddress& src,
                const net::MacAddress& dst) noexcept;

// Decrements the IPv4 TTL (fixing the header checksum) or the IPv6 hop limit, as a router
// does (RFC 1812 section 5.3.1, RFC 8200 section 3). kTtlExpired, frame untouched, when the
// value would reach 0 (the caller may answer with ICMP time exceeded).
DropReason decrement_ttl(std::uint8_t* frame, const ParsedFrame& parsed) noexcept;

// Replaces source and destination address and port of a TCP or UDP packet whose family
// matches the endpoints'. Fixes the IPv4 header checksum and the L4 checksum (whose
// pseudo-header covers the addresses). An IPv4 UDP datagram without checksum (0) keeps 0;
// IPv6 UDP always has one (the parser refuses zero). Errors, frame untouched:
//   kFamilyMismatch  an endpoint's family differs from the frame's (use family_translation.hpp);
//   kNotRewritable   not TCP/UDP, or a fragment (the ports and most of the checksummed bytes
//                    are not in this frame).
DropReason rewrite_l3l4(std::uint8_t* frame, const ParsedFrame& parsed, const net::Endpoint& src,
                        const net::Endpoint& dst) noexcept;

// The same rewrite with the new addresses as raw bytes of the frame's own family (4 or 16 bytes
// in network order, what a conntrack FlowKey holds) and ports in host order: the per-packet
// path of an established flow builds no IpAddress or Endpoint. The caller has checked that
// the flow's family is the frame's; kNotRewritable as above.
DropReason rewrite_l3l4(std::uint8_t* frame, const ParsedFrame& parsed,
                        const std::uint8_t* src_address, std::uint16_t src_port,
                        const std::uint8_t* dst_address, std::uint16_t dst_port) noexcept;

// What a router does to a full-NAT packet it forwards, in one pass: decrement_ttl() then the
// raw rewrite_l3l4() above, with one IPv4 header checksum update for the TTL and both
// addresses. Errors, frame untouched: kTtlExpired (the TTL / hop limit would reach 0),
// kNotRewritable (not IP, not TCP/UDP, or a fragment).
DropReason route_l3l4(std::uint8_t* frame, const ParsedFrame& parsed,
                      const std::uint8_t* src_address, std::uint16_t src_port,
                      const std::uint8_t* dst_address, std::uint16_t dst_port) noexcept;

}  // namespace sluice::packet
