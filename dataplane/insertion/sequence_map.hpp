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
#include "dataplane/shared/tcp_rules.h"

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
  // The shared rules (dataplane/shared/tcp_rules.h), which the XDP program applies too.
  TcpSeq translate_client_seq(TcpSeq seq) const noexcept {
    return TcpSeq(sl_translate_client_seq(client_isn_.value(), header_length_, seq.value()));
  }

  // Backend space -> client space, for an acknowledgement number or one SACK edge.
  //   x <= c+1            unchanged (nothing of the stream acknowledged yet)
  //   c+1 < x <= c+1+H    c+1 (only header bytes acknowledged)
  //   x > c+1+H           x - H
  TcpSeq translate_server_ack(TcpSeq ack) const noexcept {
    return TcpSeq(sl_translate_server_ack(client_isn_.value(), header_length_, ack.value()));
  }

  // One SACK block, edge by edge. A block that is malformed (left >= right, RFC 2018 section
  // 3 requires right > left) or that covers header bytes only (so it translates to an empty
  // range, as a D-SACK of a resent header does) is dropped: std::nullopt tells the pipeline
  // to remove it from the option.
  std::optional<SackBlock> translate_sack_block(SackBlock block) const noexcept {
    std::uint32_t left = block.left.value();
    std::uint32_t right = block.right.value();
    if (sl_translate_sack_block(client_isn_.value(), header_length_, &left, &right) == 0) return std::nullopt;
    return SackBlock{TcpSeq(left), TcpSeq(right)};
  }

 private:
  TcpSeq client_isn_;
  std::uint16_t header_length_;
};


}  // namespace sluice::insertion
