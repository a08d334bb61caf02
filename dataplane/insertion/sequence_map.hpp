#pragma once
// The two sequence spaces of a flow with an inserted PROXY header (spec proxy-protocol.md,
// "TCP, send = on-connect", items 3-4). Client ISN c, header length H:
//
//   client view   ... c | c+1  c+2  ...          k ...
//   backend view  ... c | c+1 .. c+H | c+1+H ... k+H ...
//                         (header)
//
// Client->backend sequence numbers from c+1 on move up by H; backend->client acknowledgements
// and SACK edges move down by H, and those that land inside the header collapse to c+1 (the
// client never sent those bytes). Pure functions of (c, H): no flow state, no clock.
#include <cstdint>
#include <optional>

#include "dataplane/insertion/segment.hpp"
#include "dataplane/packet/tcp_seq.hpp"

namespace sluice::insertion {

class SequenceMap {
 public:
  constexpr SequenceMap(TcpSeq client_isn, std::uint16_t header_length) noexcept
      : client_isn_(client_isn), header_length_(header_length) {}

  // First byte of the client's stream on both sides: where the header starts.
  constexpr TcpSeq stream_start() const noexcept { return client_isn_ + 1; }
  // First client byte in the backend's space: one past the header.
  constexpr TcpSeq header_end() const noexcept { return stream_start() + header_length_; }

  // Client space -> backend space. The SYN slot (and anything before it) is not shifted.
  constexpr TcpSeq translate_client_seq(TcpSeq seq) const noexcept {
    return seq < stream_start() ? seq : seq + header_length_;
  }

  // Backend space -> client space, for an acknowledgement number or one SACK edge.
  //   x <= c+1            unchanged (nothing of the stream acknowledged yet)
  //   c+1 < x <= c+1+H    c+1 (only header bytes acknowledged)
  //   x > c+1+H           x - H
  constexpr TcpSeq translate_server_ack(TcpSeq ack) const noexcept {
    if (ack <= stream_start()) return ack;
    if (ack <= header_end()) return stream_start();
    return ack - header_length_;
  }

  // One SACK block, edge by edge. A block that is malformed (left >= right, RFC 2018 section
  // 3 requires right > left) or that covers header bytes only (so it translates to an empty
  // range, as a D-SACK of a resent header does) is dropped: std::nullopt tells the pipeline
  // to remove it from the option.
  constexpr std::optional<SackBlock> translate_sack_block(SackBlock block) const noexcept {
    if (!(block.left < block.right)) return std::nullopt;
    const SackBlock translated{translate_server_ack(block.left), translate_server_ack(block.right)};
    if (!(translated.left < translated.right)) return std::nullopt;
    return translated;
  }

 private:
  TcpSeq client_isn_;
  std::uint16_t header_length_;
};

namespace sequence_map_checks {
inline constexpr SequenceMap kWrapping(TcpSeq(0xFFFFFFF0u), 28);  // header crosses 2^32
static_assert(kWrapping.translate_client_seq(TcpSeq(0xFFFFFFF0u)) == TcpSeq(0xFFFFFFF0u));
static_assert(kWrapping.translate_client_seq(TcpSeq(0xFFFFFFF1u)) == TcpSeq(0x0000000Du));
static_assert(kWrapping.translate_server_ack(TcpSeq(0x0000000Du)) == TcpSeq(0xFFFFFFF1u));
static_assert(kWrapping.translate_server_ack(TcpSeq(0x00000005u)) == TcpSeq(0xFFFFFFF1u));
static_assert(kWrapping.translate_server_ack(TcpSeq(0x0000000Eu)) == TcpSeq(0xFFFFFFF2u));
}  // namespace sequence_map_checks

}  // namespace sluice::insertion
