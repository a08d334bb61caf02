#pragma once
// Views over the IPv4 header (RFC 791 section 3.1), the IPv6 header (RFC 8200 section 3) and
// the generic shape of IPv6 extension headers (RFC 8200 section 4, RFC 4302 for AH).
#include <cstdint>
#include <cstring>

#include "dataplane/net/address.hpp"
#include "dataplane/packet/header_view.hpp"
#include "dataplane/packet/protocols.hpp"

namespace sluice::packet {

template <typename Byte>
class BasicIpv4View : public HeaderView<Byte> {
 public:
  static constexpr std::size_t kMinSize = header_size::kIpv4Min;
  static constexpr std::size_t kSrcOffset = 12;
  static constexpr std::size_t kDstOffset = 16;
  static constexpr std::size_t kChecksumOffset = 10;
  static constexpr std::uint16_t kFlagDontFragment = 0x4000;
  static constexpr std::uint16_t kFlagMoreFragments = 0x2000;
  static constexpr std::uint16_t kFragmentOffsetMask = 0x1FFF;
  using HeaderView<Byte>::HeaderView;

  std::uint8_t version() const noexcept { return static_cast<std::uint8_t>(this->get8(0) >> 4); }
  // Internet Header Length in 32-bit words (5..15) and in bytes.
  std::uint8_t ihl() const noexcept { return static_cast<std::uint8_t>(this->get8(0) & 0x0F); }
  std::size_t header_length() const noexcept { return std::size_t{ihl()} * 4; }
  std::uint8_t tos() const noexcept { return this->get8(1); }
  std::uint8_t dscp() const noexcept { return static_cast<std::uint8_t>(tos() >> 2); }
  std::uint8_t ecn() const noexcept { return static_cast<std::uint8_t>(tos() & 0x03); }
  std::uint16_t total_length() const noexcept { return this->get16(2); }
  std::uint16_t identification() const noexcept { return this->get16(4); }
  // The 16-bit word holding flags (3 bits) and fragment offset (13 bits).
  std::uint16_t flags_and_fragment_offset() const noexcept { return this->get16(6); }
  std::uint8_t flags() const noexcept {
    return static_cast<std::uint8_t>(flags_and_fragment_offset() >> 13);
  }
  bool dont_fragment() const noexcept {
    return (flags_and_fragment_offset() & kFlagDontFragment) != 0;
  }
  bool more_fragments() const noexcept {
    return (flags_and_fragment_offset() & kFlagMoreFragments) != 0;
  }
  // Fragment offset in 8-byte units, as on the wire.
  std::uint16_t fragment_offset() const noexcept {
    return flags_and_fragment_offset() & kFragmentOffsetMask;
  }
  bool is_fragment() const noexcept { return more_fragments() || fragment_offset() != 0; }
  std::uint8_t ttl() const noexcept { return this->get8(8); }
  std::uint8_t protocol() const noexcept { return this->get8(9); }
  std::uint16_t checksum() const noexcept { return this->get16(kChecksumOffset); }
  Byte* src_bytes() const noexcept { return this->bytes() + kSrcOffset; }
  Byte* dst_bytes() const noexcept { return this->bytes() + kDstOffset; }
  net::IpAddress src() const noexcept {
    return net::IpAddress::from_bytes(net::Family::kIpv4, src_bytes());
  }
  net::IpAddress dst() const noexcept {
    return net::IpAddress::from_bytes(net::Family::kIpv4, dst_bytes());
  }

  // Setters write the field only; checksum maintenance is the caller's (see checksum.hpp).
  void set_version_and_ihl(std::uint8_t version_value, std::uint8_t ihl_words) const noexcept
    requires WritableByte<Byte>
  {
    this->put8(0, static_cast<std::uint8_t>((version_value << 4) | (ihl_words & 0x0F)));
  }
  void set_tos(std::uint8_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put8(1, value);
  }
  void set_total_length(std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put16(2, value);
  }
  void set_identification(std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put16(4, value);
  }
  void set_flags_and_fragment_offset(std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put16(6, value);
  }
  void set_dont_fragment(bool on) const noexcept
    requires WritableByte<Byte>
  {
    const std::uint16_t word = flags_and_fragment_offset();
    set_flags_and_fragment_offset(on ? static_cast<std::uint16_t>(word | kFlagDontFragment)
                                     : static_cast<std::uint16_t>(word & ~kFlagDontFragment));
  }
  void set_ttl(std::uint8_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put8(8, value);
  }
  void set_protocol(std::uint8_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put8(9, value);
  }
  void set_checksum(std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put16(kChecksumOffset, value);
  }
  void set_src(const net::IpAddress& address) const noexcept
    requires WritableByte<Byte>
  {
    std::memcpy(src_bytes(), address.data(), net::IpAddress::kV4Size);
  }
  void set_dst(const net::IpAddress& address) const noexcept
    requires WritableByte<Byte>
  {
    std::memcpy(dst_bytes(), address.data(), net::IpAddress::kV4Size);
  }
};

template <typename Byte>
class BasicIpv6View : public HeaderView<Byte> {
 public:
  static constexpr std::size_t kSize = header_size::kIpv6;
  static constexpr std::size_t kSrcOffset = 8;
  static constexpr std::size_t kDstOffset = 24;
  using HeaderView<Byte>::HeaderView;

  std::uint8_t version() const noexcept { return static_cast<std::uint8_t>(this->get8(0) >> 4); }
  std::uint8_t traffic_class() const noexcept {
    return static_cast<std::uint8_t>((this->get32(0) >> 20) & 0xFF);
  }
  std::uint32_t flow_label() const noexcept { return this->get32(0) & 0x000FFFFF; }
  std::uint16_t payload_length() const noexcept { return this->get16(4); }
  std::uint8_t next_header() const noexcept { return this->get8(6); }
  std::uint8_t hop_limit() const noexcept { return this->get8(7); }
  Byte* src_bytes() const noexcept { return this->bytes() + kSrcOffset; }
  Byte* dst_bytes() const noexcept { return this->bytes() + kDstOffset; }
  net::IpAddress src() const noexcept {
    return net::IpAddress::from_bytes(net::Family::kIpv6, src_bytes());
  }
  net::IpAddress dst() const noexcept {
    return net::IpAddress::from_bytes(net::Family::kIpv6, dst_bytes());
  }

  // Writes version 6, the traffic class and the flow label (the first 32-bit word).
  void set_version_class_flow(std::uint8_t traffic_class_value, std::uint32_t flow) const
      noexcept
    requires WritableByte<Byte>
  {
    this->put32(0, (std::uint32_t{6} << 28) | (std::uint32_t{traffic_class_value} << 20) |
                       (flow & 0x000FFFFF));
  }
  void set_traffic_class(std::uint8_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put32(0, (this->get32(0) & 0xF00FFFFF) | (std::uint32_t{value} << 20));
  }
  void set_flow_label(std::uint32_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put32(0, (this->get32(0) & 0xFFF00000) | (value & 0x000FFFFF));
  }
  void set_payload_length(std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put16(4, value);
  }
  void set_next_header(std::uint8_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put8(6, value);
  }
  void set_hop_limit(std::uint8_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put8(7, value);
  }
  void set_src(const net::IpAddress& address) const noexcept
    requires WritableByte<Byte>
  {
    std::memcpy(src_bytes(), address.data(), net::IpAddress::kV6Size);
  }
  void set_dst(const net::IpAddress& address) const noexcept
    requires WritableByte<Byte>
  {
    std::memcpy(dst_bytes(), address.data(), net::IpAddress::kV6Size);
  }
};

// The common prefix of IPv6 extension headers: next header, then a length whose unit depends
// on the header type (RFC 8200 section 4: 8-octet units not counting the first 8; RFC 4302
// section 2.2: AH counts 4-octet units minus 2; the fragment header is always 8 octets).
template <typename Byte>
class BasicIpv6ExtensionView : public HeaderView<Byte> {
 public:
  static constexpr std::size_t kMinSize = 8;
  using HeaderView<Byte>::HeaderView;

  std::uint8_t next_header() const noexcept { return this->get8(0); }
  std::uint8_t length_field() const noexcept { return this->get8(1); }
  std::size_t length_in_bytes(std::uint8_t header_type) const noexcept {
    if (header_type == ip_proto::kFragment) return header_size::kIpv6FragmentHeader;
    if (header_type == ip_proto::kAh) return (std::size_t{length_field()} + 2) * 4;
    return (std::size_t{length_field()} + 1) * 8;
  }
  // Routing header (RFC 8200 section 4.4) only.
  std::uint8_t routing_segments_left() const noexcept { return this->get8(3); }
  // Fragment header (RFC 8200 section 4.5) only.
  std::uint16_t fragment_offset() const noexcept {
    return static_cast<std::uint16_t>(this->get16(2) >> 3);
  }
  bool more_fragments() const noexcept { return (this->get16(2) & 0x1) != 0; }
  std::uint32_t fragment_identification() const noexcept { return this->get32(4); }
};

using Ipv4View = BasicIpv4View<std::uint8_t>;
using ConstIpv4View = BasicIpv4View<const std::uint8_t>;
using Ipv6View = BasicIpv6View<std::uint8_t>;
using ConstIpv6View = BasicIpv6View<const std::uint8_t>;
using Ipv6ExtensionView = BasicIpv6ExtensionView<std::uint8_t>;
using ConstIpv6ExtensionView = BasicIpv6ExtensionView<const std::uint8_t>;

}  // namespace sluice::packet
