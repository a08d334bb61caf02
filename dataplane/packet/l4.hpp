#pragma once
// Views over the transport headers: TCP (RFC 9293 section 3.1), UDP (RFC 768), ICMPv4
// (RFC 792) and ICMPv6 (RFC 4443). Checksums are plain fields here; keeping them right is the
// job of checksum.hpp and the rewrites.
#include <cstdint>

#include "dataplane/packet/header_view.hpp"
#include "dataplane/packet/protocols.hpp"
#include "dataplane/packet/tcp_seq.hpp"

namespace sluice::packet {

template <typename Byte>
class BasicTcpView : public HeaderView<Byte> {
 public:
  static constexpr std::size_t kMinSize = header_size::kTcpMin;
  static constexpr std::size_t kChecksumOffset = 16;
  using HeaderView<Byte>::HeaderView;

  std::uint16_t src_port() const noexcept { return this->get16(0); }
  std::uint16_t dst_port() const noexcept { return this->get16(2); }
  TcpSeq seq() const noexcept { return TcpSeq(this->get32(4)); }
  TcpSeq ack() const noexcept { return TcpSeq(this->get32(8)); }
  // Data offset in 32-bit words (5..15) and in bytes.
  std::uint8_t data_offset() const noexcept {
    return static_cast<std::uint8_t>(this->get8(12) >> 4);
  }
  std::size_t header_length() const noexcept { return std::size_t{data_offset()} * 4; }
  std::uint8_t flags() const noexcept { return this->get8(13); }
  bool has_flags(std::uint8_t mask) const noexcept { return (flags() & mask) == mask; }
  bool fin() const noexcept { return has_flags(tcp_flag::kFin); }
  bool syn() const noexcept { return has_flags(tcp_flag::kSyn); }
  bool rst() const noexcept { return has_flags(tcp_flag::kRst); }
  bool psh() const noexcept { return has_flags(tcp_flag::kPsh); }
  bool ack_flag() const noexcept { return has_flags(tcp_flag::kAck); }
  bool urg() const noexcept { return has_flags(tcp_flag::kUrg); }
  bool ece() const noexcept { return has_flags(tcp_flag::kEce); }
  bool cwr() const noexcept { return has_flags(tcp_flag::kCwr); }
  std::uint16_t window() const noexcept { return this->get16(14); }
  std::uint16_t checksum() const noexcept { return this->get16(kChecksumOffset); }
  std::uint16_t urgent_pointer() const noexcept { return this->get16(18); }
  Byte* options() const noexcept { return this->bytes() + kMinSize; }

  void set_src_port(std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put16(0, value);
  }
  void set_dst_port(std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put16(2, value);
  }
  void set_seq(TcpSeq value) const noexcept
    requires WritableByte<Byte>
  {
    this->put32(4, value.value());
  }
  void set_ack(TcpSeq value) const noexcept
    requires WritableByte<Byte>
  {
    this->put32(8, value.value());
  }
  // Keeps the 4 reserved bits (RFC 9293: reserved for future use, passed through).
  void set_data_offset(std::uint8_t words) const noexcept
    requires WritableByte<Byte>
  {
    this->put_bits8(12, 0xF0, static_cast<std::uint8_t>(words << 4));
  }
  void set_flags(std::uint8_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put8(13, value);
  }
  void set_window(std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put16(14, value);
  }
  void set_checksum(std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put16(kChecksumOffset, value);
  }
  void set_urgent_pointer(std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put16(18, value);
  }
};

template <typename Byte>
class BasicUdpView : public HeaderView<Byte> {
 public:
  static constexpr std::size_t kSize = header_size::kUdp;
  static constexpr std::size_t kChecksumOffset = 6;
  using HeaderView<Byte>::HeaderView;

  std::uint16_t src_port() const noexcept { return this->get16(0); }
  std::uint16_t dst_port() const noexcept { return this->get16(2); }
  // Header plus data, in bytes (RFC 768).
  std::uint16_t length() const noexcept { return this->get16(4); }
  // 0 over IPv4 means "no checksum" (RFC 768); over IPv6 it is invalid (RFC 8200 section 8.1).
  std::uint16_t checksum() const noexcept { return this->get16(kChecksumOffset); }

  void set_src_port(std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put16(0, value);
  }
  void set_dst_port(std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put16(2, value);
  }
  void set_length(std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put16(4, value);
  }
  void set_checksum(std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put16(kChecksumOffset, value);
  }
};

// ICMPv4 and ICMPv6 share the first 8 bytes' shape: type, code, checksum, then 4 bytes whose
// meaning depends on the type (echo identifier/sequence, next-hop MTU, pointer, ...).
// The difference that matters here: the ICMPv6 checksum covers an IPv6 pseudo-header
// (RFC 4443 section 2.3), the ICMPv4 one does not (RFC 792).
template <typename Byte>
class BasicIcmpView : public HeaderView<Byte> {
 public:
  static constexpr std::size_t kSize = header_size::kIcmp;
  static constexpr std::size_t kChecksumOffset = 2;
  using HeaderView<Byte>::HeaderView;

  std::uint8_t type() const noexcept { return this->get8(0); }
  std::uint8_t code() const noexcept { return this->get8(1); }
  std::uint16_t checksum() const noexcept { return this->get16(kChecksumOffset); }
  std::uint32_t rest_of_header() const noexcept { return this->get32(4); }
  // Echo request/reply (RFC 792, RFC 4443 section 4).
  std::uint16_t echo_identifier() const noexcept { return this->get16(4); }
  std::uint16_t echo_sequence() const noexcept { return this->get16(6); }

  void set_type(std::uint8_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put8(0, value);
  }
  void set_code(std::uint8_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put8(1, value);
  }
  void set_checksum(std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put16(kChecksumOffset, value);
  }
  void set_rest_of_header(std::uint32_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put32(4, value);
  }
};

template <typename Byte>
class BasicIcmpv4View : public BasicIcmpView<Byte> {
 public:
  static constexpr std::uint8_t kEchoReply = 0;
  static constexpr std::uint8_t kDestinationUnreachable = 3;
  static constexpr std::uint8_t kEchoRequest = 8;
  static constexpr std::uint8_t kTimeExceeded = 11;
  static constexpr std::uint8_t kCodeFragmentationNeeded = 4;
  using BasicIcmpView<Byte>::BasicIcmpView;

  // Destination unreachable / fragmentation needed: next-hop MTU (RFC 1191 section 4).
  std::uint16_t next_hop_mtu() const noexcept { return this->get16(6); }
  void set_next_hop_mtu(std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put16(4, 0);
    this->put16(6, value);
  }
};

template <typename Byte>
class BasicIcmpv6View : public BasicIcmpView<Byte> {
 public:
  static constexpr std::uint8_t kDestinationUnreachable = 1;
  static constexpr std::uint8_t kPacketTooBig = 2;
  static constexpr std::uint8_t kTimeExceeded = 3;
  static constexpr std::uint8_t kEchoRequest = 128;
  static constexpr std::uint8_t kEchoReply = 129;
  static constexpr std::uint8_t kNeighborSolicitation = 135;
  static constexpr std::uint8_t kNeighborAdvertisement = 136;
  using BasicIcmpView<Byte>::BasicIcmpView;

  // Packet Too Big: the MTU of the next-hop link (RFC 4443 section 3.2).
  std::uint32_t mtu() const noexcept { return this->get32(4); }
  void set_mtu(std::uint32_t value) const noexcept
    requires WritableByte<Byte>
  {
    this->put32(4, value);
  }
};

using TcpView = BasicTcpView<std::uint8_t>;
using ConstTcpView = BasicTcpView<const std::uint8_t>;
using UdpView = BasicUdpView<std::uint8_t>;
using ConstUdpView = BasicUdpView<const std::uint8_t>;
using Icmpv4View = BasicIcmpv4View<std::uint8_t>;
using ConstIcmpv4View = BasicIcmpv4View<const std::uint8_t>;
using Icmpv6View = BasicIcmpv6View<std::uint8_t>;
using ConstIcmpv6View = BasicIcmpv6View<const std::uint8_t>;

}  // namespace sluice::packet
