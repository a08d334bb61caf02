#pragma once
// Frames the pipeline originates: the standalone PROXY header segment, RSTs, ICMP errors and
// ARP/NDP messages. Each writer fills an empty frame from the shell and leaves every checksum
// right (it re-parses what it wrote and recomputes, the same code that checks input frames).
#include <cstdint>
#include <optional>
#include <span>

#include "dataplane/net/address.hpp"
#include "dataplane/packet/packet_buffer.hpp"
#include "dataplane/packet/tcp_seq.hpp"

namespace sluice::pipeline {

// The IP header of a frame the pipeline writes or translates to: no IPv4 options, no IPv6
// extension headers.
constexpr std::uint16_t ip_header_size(net::Family family) noexcept {
  return family == net::Family::kIpv4 ? 20 : 40;
}

struct L2Addresses {
  net::MacAddress source;
  net::MacAddress destination;
  // An 802.1Q tag (TCI) to carry: the SYN proxy answers a tagged SYN on its own VLAN. Without
  // one the frame is untagged, as every other frame the pipeline originates.
  std::optional<std::uint16_t> vlan_tci = std::nullopt;
};

struct TcpSegmentSpec {
  L2Addresses l2;
  net::Endpoint source;       // both endpoints of one family: the frame's IP family
  net::Endpoint destination;
  TcpSeq seq;
  TcpSeq ack;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;
  const std::uint8_t* timestamps = nullptr;  // 8 bytes (TSval, TSecr) or null: no option
  // A whole options block (a multiple of 4 bytes, at most 40) written as given, instead of
  // NOP NOP timestamps: the SYN proxy's SYN-ACK (sl_sp_options, dataplane/shared/syn_proxy.h).
  std::span<const std::uint8_t> options;
  std::span<const std::uint8_t> payload;
};

// Ethernet (a VLAN tag when l2 has one) + IP (IPv4: TOS 0, ID 0, DF, TTL 64; IPv6: class 0,
// flow 0, hop limit 64) + TCP (options: `options` when given, else NOP, NOP, timestamps when
// given) + payload. False when the frame has no room or the options block is malformed.
bool write_tcp_segment(packet::PacketBuffer& frame, const TcpSegmentSpec& spec) noexcept;

// ICMPv4 "fragmentation needed" (type 3 code 4, RFC 1191) or ICMPv6 "packet too big" (type 2,
// RFC 4443 section 3.2) answering `offending_ip` (the original IP packet, from its IP header),
// from `source` to the packet's sender, carrying `mtu`.
bool write_icmp_too_big(packet::PacketBuffer& frame, const L2Addresses& l2,
                        const net::IpAddress& source, std::span<const std::uint8_t> offending_ip,
                        std::uint16_t mtu) noexcept;

// ARP request (RFC 826) for `target` from (sender_mac, sender_ip), broadcast.
bool write_arp_request(packet::PacketBuffer& frame, const net::MacAddress& sender_mac,
                       const net::IpAddress& sender_ip, const net::IpAddress& target) noexcept;

// Neighbour solicitation (RFC 4861 section 4.3) for `target` to its solicited-node multicast
// address, with the source link-layer address option.
bool write_neighbor_solicitation(packet::PacketBuffer& frame, const net::MacAddress& sender_mac,
                                 const net::IpAddress& sender_ip,
                                 const net::IpAddress& target) noexcept;

// Neighbour advertisement (RFC 4861 section 4.4), solicited and override flags set, with the
// target link-layer address option, from `target` to `destination`.
bool write_neighbor_advertisement(packet::PacketBuffer& frame, const L2Addresses& l2,
                                  const net::IpAddress& target,
                                  const net::IpAddress& destination) noexcept;

}  // namespace sluice::pipeline
