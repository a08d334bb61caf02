#pragma once
// parse_frame(): validates one Ethernet frame and records where everything is.
//
// The result holds offsets from the first byte of the frame (the PacketBuffer's data()), not
// pointers, so it stays valid when the frame moves inside its buffer (insert_gap, prepend).
// The parser reads only: it never touches a byte at or beyond `len`, loops only over bounded
// structures (at most kMaxIpv6ExtensionHeaders extension headers, at most 40 option bytes),
// allocates nothing and throws nothing. Every refusal is a DropReason (drop_reason.hpp).
#include <cstddef>
#include <cstdint>

#include "dataplane/net/address.hpp"
#include "dataplane/packet/drop_reason.hpp"
#include "dataplane/packet/protocols.hpp"
#include "dataplane/packet/tcp_options.hpp"

namespace sluice::packet {

// Extension headers walked before giving up (RFC 8200 section 4.1 lists at most 6 distinct
// kinds plus destination options twice; real traffic carries 0-2). A fixed bound keeps the
// XDP datapath's verifier and the worker's per-packet cost predictable.
inline constexpr std::size_t kMaxIpv6ExtensionHeaders = 8;

enum class L3Kind : std::uint8_t { kArp, kIpv4, kIpv6 };

// An address inside the frame: bytes in network order, 4 or 16 of them.
struct IpAddressView {
  const std::uint8_t* bytes = nullptr;
  net::Family family = net::Family::kIpv4;

  std::size_t size() const noexcept {
    return family == net::Family::kIpv4 ? net::IpAddress::kV4Size : net::IpAddress::kV6Size;
  }
  net::IpAddress to_address() const noexcept { return net::IpAddress::from_bytes(family, bytes); }
};

struct ParsedFrame {
  // Layer offsets from the start of the frame.
  std::uint32_t l2_offset = 0;       // always 0: the frame starts with its Ethernet header
  std::uint32_t l3_offset = 0;       // 14, or 18 with a VLAN tag
  std::uint32_t l4_offset = 0;       // after IPv4 options / IPv6 extension headers
  std::uint32_t payload_offset = 0;  // after the L4 header (== l4_offset without one)
  // End of the IP packet as its length fields say (or of the ARP body). Bytes from here to
  // the end of the frame are Ethernet padding: ignored, and dropped by rewrites that resize.
  std::uint32_t l3_end = 0;

  bool has_vlan = false;
  std::uint16_t vlan_tci = 0;
  std::uint16_t ethertype = 0;       // the encapsulated one when tagged

  L3Kind l3 = L3Kind::kArp;
  net::Family family = net::Family::kIpv4;  // meaningful for kIpv4 / kIpv6
  std::uint32_t src_address_offset = 0;     // sender / target protocol address for ARP
  std::uint32_t dst_address_offset = 0;

  // IPv4 options (skipped, not interpreted) and IPv6 extension headers (walked).
  std::uint8_t ipv4_options_length = 0;
  std::uint8_t ipv6_extension_count = 0;
  std::uint32_t ipv6_fragment_header_offset = 0;  // 0: none
  bool ipv6_routing_segments_left = false;        // a routing header not yet fully processed

  // Fragments (IPv4 MF/offset, or an IPv6 fragment header). A first fragment carries the L4
  // header and is parsed as usual; later fragments have no L4 header (has_l4 == false).
  bool is_fragment = false;
  bool is_first_fragment = false;

  std::uint8_t l4_protocol = 0;      // IPv4 protocol or the IPv6 header chain's last next header
  // True when an L4 header the parser knows (TCP, UDP, ICMP for IPv4, ICMPv6 for IPv6) was
  // present and validated. ESP, no-next-header, unknown protocols and later fragments: false.
  bool has_l4 = false;

  std::uint8_t tcp_flags = 0;
  TcpOptionsSummary tcp_options;
  std::uint8_t icmp_type = 0;
  std::uint8_t icmp_code = 0;

  bool is_ipv4() const noexcept { return l3 == L3Kind::kIpv4; }
  bool is_ipv6() const noexcept { return l3 == L3Kind::kIpv6; }
  bool is_tcp() const noexcept { return has_l4 && l4_protocol == ip_proto::kTcp; }
  bool is_udp() const noexcept { return has_l4 && l4_protocol == ip_proto::kUdp; }
  std::uint32_t l2_length() const noexcept { return l3_offset - l2_offset; }
  std::uint32_t l3_header_length() const noexcept { return l4_offset - l3_offset; }
  std::uint32_t l4_length() const noexcept { return l3_end - l4_offset; }
  std::uint32_t payload_length() const noexcept { return l3_end - payload_offset; }
  std::size_t address_size() const noexcept {
    return family == net::Family::kIpv4 ? net::IpAddress::kV4Size : net::IpAddress::kV6Size;
  }
  IpAddressView src_address(const std::uint8_t* frame) const noexcept {
    return {frame + src_address_offset, family};
  }
  IpAddressView dst_address(const std::uint8_t* frame) const noexcept {
    return {frame + dst_address_offset, family};
  }
};

// Either a ParsedFrame or the reason the frame is dropped.
class ParseResult {
 public:
  ParseResult(const ParsedFrame& frame) noexcept : frame_(frame) {}  // NOLINT: implicit by design
  ParseResult(DropReason reason) noexcept : reason_(reason) {}       // NOLINT: implicit by design

  bool ok() const noexcept { return reason_ == DropReason::kNone; }
  explicit operator bool() const noexcept { return ok(); }
  DropReason drop_reason() const noexcept { return reason_; }
  // Only meaningful when ok().
  const ParsedFrame& frame() const noexcept { return frame_; }
  ParsedFrame& frame() noexcept { return frame_; }

 private:
  ParsedFrame frame_{};
  DropReason reason_ = DropReason::kNone;
};

ParseResult parse_frame(const std::uint8_t* bytes, std::size_t len) noexcept;

}  // namespace sluice::packet
