#pragma once
// Views over the link-layer headers the load balancer touches: Ethernet II, one 802.1Q (or
// 802.1ad) tag, and ARP for IPv4 over Ethernet (RFC 826).
#include <array>
#include <cstdint>
#include <cstring>

#include "dataplane/net/address.hpp"
#include "dataplane/packet/header_view.hpp"
#include "dataplane/packet/protocols.hpp"

namespace sluice::packet {

namespace detail {
template <typename Byte>
net::MacAddress read_mac(Byte* p) noexcept {
  std::array<std::uint8_t, 6> bytes;
  std::memcpy(bytes.data(), p, bytes.size());
  return net::MacAddress(bytes);
}
}  // namespace detail

// Ethernet II: destination MAC, source MAC, ethertype (the outer one: 0x8100 when tagged).
template <typename Byte>
class BasicEthernetView : public HeaderView<Byte> {
 public:
  static constexpr std::size_t kSize = header_size::kEthernet;
  using HeaderView<Byte>::HeaderView;

  net::MacAddress dst() const noexcept { return detail::read_mac(this->bytes()); }
  net::MacAddress src() const noexcept { return detail::read_mac(this->bytes() + 6); }
  std::uint16_t ethertype() const noexcept { return this->get16(12); }

  void set_dst(const net::MacAddress& mac) const noexcept
    requires WritableByte<Byte>
  {
    std::memcpy(this->bytes(), mac.bytes().data(), 6);
  }
  void set_src(const net::MacAddress& mac) const noexcept
    requires WritableByte<Byte>
  {
    std::memcpy(this->bytes() + 6, mac.bytes().data(), 6);
  }
  void set_ethertype(std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put16(12, value);
  }
};

// The 4 bytes after the outer ethertype of a tagged frame: TCI (PCP, DEI, VID), then the
// encapsulated ethertype.
template <typename Byte>
class BasicVlanTagView : public HeaderView<Byte> {
 public:
  static constexpr std::size_t kSize = header_size::kVlanTag;
  using HeaderView<Byte>::HeaderView;

  std::uint16_t tci() const noexcept { return this->get16(0); }
  std::uint16_t vlan_id() const noexcept { return tci() & 0x0FFF; }
  std::uint8_t priority() const noexcept { return static_cast<std::uint8_t>(tci() >> 13); }
  bool drop_eligible() const noexcept { return (tci() & 0x1000) != 0; }
  std::uint16_t ethertype() const noexcept { return this->get16(2); }

  void set_tci(std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put16(0, value);
  }
  void set_ethertype(std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put16(2, value);
  }
};

// ARP for IPv4 over Ethernet (RFC 826): fixed 28 bytes once htype/ptype/hlen/plen are checked.
template <typename Byte>
class BasicArpView : public HeaderView<Byte> {
 public:
  static constexpr std::size_t kSize = header_size::kArpIpv4;
  static constexpr std::uint16_t kHardwareEthernet = 1;
  static constexpr std::uint16_t kOpRequest = 1;
  static constexpr std::uint16_t kOpReply = 2;
  using HeaderView<Byte>::HeaderView;

  std::uint16_t hardware_type() const noexcept { return this->get16(0); }
  std::uint16_t protocol_type() const noexcept { return this->get16(2); }
  std::uint8_t hardware_length() const noexcept { return this->get8(4); }
  std::uint8_t protocol_length() const noexcept { return this->get8(5); }
  std::uint16_t operation() const noexcept { return this->get16(6); }
  net::MacAddress sender_mac() const noexcept { return detail::read_mac(this->bytes() + 8); }
  net::IpAddress sender_ip() const noexcept {
    return net::IpAddress::from_bytes(net::Family::kIpv4, this->bytes() + 14);
  }
  net::MacAddress target_mac() const noexcept { return detail::read_mac(this->bytes() + 18); }
  net::IpAddress target_ip() const noexcept {
    return net::IpAddress::from_bytes(net::Family::kIpv4, this->bytes() + 24);
  }

  void set_operation(std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put16(6, value);
  }
  void set_sender(const net::MacAddress& mac, const net::IpAddress& ip) const noexcept
    requires WritableByte<Byte>
  {
    std::memcpy(this->bytes() + 8, mac.bytes().data(), 6);
    std::memcpy(this->bytes() + 14, ip.data(), 4);
  }
  void set_target(const net::MacAddress& mac, const net::IpAddress& ip) const noexcept
    requires WritableByte<Byte>
  {
    std::memcpy(this->bytes() + 18, mac.bytes().data(), 6);
    std::memcpy(this->bytes() + 24, ip.data(), 4);
  }
};

using EthernetView = BasicEthernetView<std::uint8_t>;
using ConstEthernetView = BasicEthernetView<const std::uint8_t>;
using VlanTagView = BasicVlanTagView<std::uint8_t>;
using ConstVlanTagView = BasicVlanTagView<const std::uint8_t>;
using ArpView = BasicArpView<std::uint8_t>;
using ConstArpView = BasicArpView<const std::uint8_t>;

}  // namespace sluice::packet
