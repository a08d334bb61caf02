#pragma once
// Parsing the TCP option list (RFC 9293 section 3.1 "Options") into the summary the load
// balancer needs: where the options it rewrites are (MSS, SACK, TFO) and the values it
// reads. Offsets are from the first byte of the TCP header; 0 means "absent" (options start at
// byte 20, so 0 can never be a real option offset).
#include <cstddef>
#include <cstdint>

#include "dataplane/packet/drop_reason.hpp"

namespace sluice::packet {

struct TcpOptionsSummary {
  std::uint8_t mss_offset = 0;             // kind byte of MSS; its value is at +2
  std::uint16_t mss = 0;
  std::uint8_t window_scale_offset = 0;
  std::uint8_t window_scale = 0;           // shift count as sent (RFC 7323 caps use at 14)
  std::uint8_t sack_permitted_offset = 0;
  std::uint8_t sack_offset = 0;            // kind byte of the SACK option; blocks start at +2
  std::uint8_t sack_block_count = 0;       // 1..4 (the first may be a D-SACK, RFC 2883)
  std::uint8_t timestamps_offset = 0;      // kind byte; TSval at +2, TSecr at +6
  std::uint8_t fast_open_offset = 0;       // kind byte of the TFO option (34 or 254/0xF989)
  std::uint8_t fast_open_length = 0;       // the whole option, kind and length bytes included
  bool fast_open_experimental = false;     // kind 254 with ExID 0xF989 (RFC 7413 section 4.1.1)

  bool has_mss() const noexcept { return mss_offset != 0; }
  bool has_window_scale() const noexcept { return window_scale_offset != 0; }
  bool sack_permitted() const noexcept { return sack_permitted_offset != 0; }
  bool has_sack() const noexcept { return sack_offset != 0; }
  bool has_timestamps() const noexcept { return timestamps_offset != 0; }
  bool has_fast_open() const noexcept { return fast_open_offset != 0; }
};

// Walks the options of a TCP header of header_length bytes (20..60, already validated against
// the packet). At most 40 steps. Errors:
//   kTcpOptionsOverrun   an option's length byte or body runs past the header;
//   kBadTcpOptionLength  a length below 2, or a known option with the wrong length;
//   kDuplicateTcpOption  MSS, window scale, SACK, timestamps or TFO twice — one copy would
//                        escape the rewrites (an untranslated SACK edge, an unclamped MSS).
// Unknown kinds are skipped by their length; End of Option List stops the walk.
DropReason parse_tcp_options(const std::uint8_t* tcp_header, std::size_t header_length,
                             TcpOptionsSummary& summary) noexcept;

}  // namespace sluice::packet
