#pragma once
// What the insertion engine needs to know about one TCP segment: the sequence-space facts the
// pipeline reads from the parsed headers, and nothing byte-level. The engine decides from these;
// the pipeline applies the decision to the bytes (docs/resequencing.md, "Division of labour").
#include <array>
#include <cstddef>
#include <cstdint>

#include "dataplane/packet/protocols.hpp"
#include "dataplane/packet/tcp_seq.hpp"
#include "dataplane/shared/tcp_rules.h"

namespace sluice::insertion {

// One SACK block (RFC 2018 section 3): the receiver holds [left, right).
struct SackBlock {
  TcpSeq left;
  TcpSeq right;
  friend constexpr bool operator==(SackBlock, SackBlock) noexcept = default;
};

// 40 bytes of option space hold at most 4 blocks (RFC 2018 section 3: 2 + 8n <= 40).
inline constexpr std::size_t kMaxSackBlocks = SL_TCP_MAX_SACK_BLOCKS;

// Fixed TCP header size: the MSS option counts payload beyond it (RFC 6691 section 2).
inline constexpr std::uint16_t kFixedTcpHeaderLength = SL_TCP_FIXED_HEADER;

struct SegmentDescription {
  TcpSeq seq;
  TcpSeq ack;                          // meaningful only with the ACK flag
  std::uint8_t flags = 0;              // the TCP flag byte as on the wire (packet::tcp_flag)
  std::uint32_t payload_length = 0;    // TCP payload of this frame; a super-frame may exceed 64 KiB
  std::uint16_t tcp_header_length = kFixedTcpHeaderLength;  // with options
  std::uint16_t mss_option = 0;        // backend SYN-ACK only: the MSS option, 0 when absent
  bool coalesced = false;              // GSO/TSO/LRO super-frame per the NIC/mbuf metadata
  std::uint8_t sack_count = 0;         // backend segments only: blocks used in `sack`
  std::array<SackBlock, kMaxSackBlocks> sack{};

  constexpr bool has(std::uint8_t flag) const noexcept { return (flags & flag) != 0; }
  constexpr bool syn() const noexcept { return has(packet::tcp_flag::kSyn); }
  constexpr bool fin() const noexcept { return has(packet::tcp_flag::kFin); }
  constexpr bool rst() const noexcept { return has(packet::tcp_flag::kRst); }
  constexpr bool ack_flag() const noexcept { return has(packet::tcp_flag::kAck); }

  // Sequence space after the SYN (RFC 9293 section 3.4): payload bytes plus one for a FIN.
  // A SYN's own slot and any SYN payload (TCP Fast Open) are never counted: the pipeline
  // strips SYN data, so it never reaches the backend.
  constexpr std::uint32_t stream_length() const noexcept {
    if (syn()) return 0;
    return payload_length + (fin() ? 1u : 0u);
  }
  constexpr TcpSeq stream_end() const noexcept { return seq + stream_length(); }
};

// The egress side of a client->backend segment: what the frame may grow into.
struct EgressPath {
  std::uint16_t mtu = 1500;               // egress interface MTU (largest IP packet)
  std::uint16_t ip_header_length = 20;    // IP header of the forwarded frame, after any family
                                          // translation (20 IPv4, 40 IPv6)
};

}  // namespace sluice::insertion
