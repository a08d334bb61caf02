#pragma once
// In-place TCP header rewrites that keep the TCP checksum right incrementally (RFC 1624): the
// sequence/acknowledgement translation after a PROXY header (spec "proxy-protocol.md", TCP
// rule 4), SACK edges (including D-SACK, RFC 2883), MSS clamping (rule 6 and "with-data"),
// and TFO removal from a client SYN (rule 1). None of these changes a length, so incremental
// updates are exact whatever the field's alignment.
//
// `tcp_header` points at the TCP header of a parsed frame; `options` is that frame's
// ParsedFrame::tcp_options (kept up to date by the functions that change options).
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dataplane/net/address.hpp"
#include "dataplane/packet/byte_order.hpp"
#include "dataplane/packet/checksum.hpp"
#include "dataplane/packet/drop_reason.hpp"
#include "dataplane/packet/l4.hpp"
#include "dataplane/packet/packet_buffer.hpp"
#include "dataplane/packet/parser.hpp"
#include "dataplane/packet/protocols.hpp"
#include "dataplane/packet/tcp_seq.hpp"
#include "dataplane/packet/tcp_options.hpp"

namespace sluice::packet {

// Linux's TCP_MIN_MSS: the smallest MSS a peer is ever told, whatever the arithmetic says.
inline constexpr std::uint16_t kMinimumMss = 88;

// The MSS that fills an MTU-sized IP packet with a TCP header without options:
// MTU - 20 - 20 (IPv4) or MTU - 40 - 20 (IPv6). A family translation changes the IP header by
// 20 bytes, so a clamp must use the family of the side the segment will travel on.
constexpr std::uint16_t mss_for_mtu(std::uint16_t mtu, net::Family family) noexcept {
  const std::uint16_t overhead =
      static_cast<std::uint16_t>((family == net::Family::kIpv4 ? header_size::kIpv4Min
                                                               : header_size::kIpv6) +
                                 header_size::kTcpMin);
  return mtu > overhead + kMinimumMss ? static_cast<std::uint16_t>(mtu - overhead) : kMinimumMss;
}

// Overwrites len bytes at `offset` in the TCP header with new_bytes and folds the change into
// the TCP checksum. The building block of everything below.
void rewrite_tcp_header_bytes(std::uint8_t* tcp_header, std::size_t offset,
                              const std::uint8_t* new_bytes, std::size_t len) noexcept;

// A 32-bit field at an even offset of the header (sequence at 4, acknowledgement at 8):
// rewrite_tcp_header_bytes' arithmetic, inline with the length a constant (every segment of
// a PROXY flow is translated: the general out-of-line form was ~60 instructions of it).
inline void rewrite_tcp_header_word(std::uint8_t* tcp_header, std::size_t offset,
                                    std::uint32_t value) noexcept {
  std::uint8_t bytes[4];
  store_be32(bytes, value);
  const std::uint16_t stored = load_be16(tcp_header + TcpView::kChecksumOffset);
  store_be16(tcp_header + TcpView::kChecksumOffset,
             checksum_replace_sum(stored, ones_complement_sum(tcp_header + offset, 4),
                                  ones_complement_sum(bytes, 4)));
  std::memcpy(tcp_header + offset, bytes, 4);
}
inline void rewrite_tcp_seq(std::uint8_t* tcp_header, TcpSeq seq) noexcept {
  rewrite_tcp_header_word(tcp_header, 4, seq.value());
}
inline void rewrite_tcp_ack(std::uint8_t* tcp_header, TcpSeq ack) noexcept {
  rewrite_tcp_header_word(tcp_header, 8, ack.value());
}

// Lowers the MSS option to max_mss when it is larger. True when the option was changed.
// Without an MSS option nothing happens (the peer assumes 536 / 1220, RFC 9293 section 3.7.1).
bool clamp_mss(std::uint8_t* tcp_header, TcpOptionsSummary& options,
               std::uint16_t max_mss) noexcept;

// Lowers the MSS option by `by` bytes, not below `floor` ("with-data" mode: room for the
// PROXY header in the client's first full-sized segment). True when the option was changed.
bool lower_mss(std::uint8_t* tcp_header, TcpOptionsSummary& options, std::uint16_t by,
               std::uint16_t floor = kMinimumMss) noexcept;

// Applies `translate` (TcpSeq -> TcpSeq) to every SACK block edge, D-SACK block included, and
// keeps the checksum right. `translate` must be callable without allocating.
template <typename Translate>
void translate_sack_blocks(std::uint8_t* tcp_header, const TcpOptionsSummary& options,
                           Translate&& translate) noexcept {
  if (!options.has_sack()) return;
  std::size_t edge = std::size_t{options.sack_offset} + 2;
  const std::size_t edges = std::size_t{options.sack_block_count} * 2;  // left, right
  for (std::size_t i = 0; i < edges; ++i, edge += 4) {
    const TcpSeq old_edge(load_be32(tcp_header + edge));
    const TcpSeq new_edge = translate(old_edge);
    if (new_edge == old_edge) continue;
    std::uint8_t bytes[4];
    store_be32(bytes, new_edge.value());
    rewrite_tcp_header_bytes(tcp_header, edge, bytes, sizeof bytes);
  }
}

// Overwrites the TCP Fast Open option (kind 34 or 254/0xF989) with NOPs: the header keeps its
// length, the server sees a plain SYN and the client falls back to a regular handshake
// (RFC 7413 section 4.1.3). True when an option was stripped.
bool strip_fast_open(std::uint8_t* tcp_header, TcpOptionsSummary& options) noexcept;

// Removes the payload of a TCP segment (the data of a TFO SYN), including any Ethernet
// padding: trims the frame, fixes the IPv4 total length and header checksum or the IPv6
// payload length, recomputes the TCP checksum and updates `parsed`. kNotRewritable for
// non-TCP frames and fragments.
DropReason remove_tcp_payload(PacketBuffer& buffer, ParsedFrame& parsed) noexcept;

}  // namespace sluice::packet
