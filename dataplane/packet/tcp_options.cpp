#include "dataplane/packet/tcp_options.hpp"

#include "dataplane/packet/byte_order.hpp"
#include "dataplane/packet/protocols.hpp"

namespace sluice::packet {
namespace {

// Records the first occurrence of an option; a second one is a drop (see the header).
bool claim(std::uint8_t& slot, std::size_t offset) noexcept {
  if (slot != 0) return false;
  slot = static_cast<std::uint8_t>(offset);
  return true;
}

}  // namespace

DropReason parse_tcp_options(const std::uint8_t* tcp_header, std::size_t header_length,
                             TcpOptionsSummary& summary) noexcept {
  summary = TcpOptionsSummary{};
  // The layout nearly every segment of a timestamping connection carries (RFC 7323 appendix A):
  // NOP, NOP, timestamps, and nothing after them. Recognised with one compare; the walk below
  // would record exactly the same summary.
  constexpr std::size_t kAlignedTimestamps = header_size::kTcpMin + 2 + tcp_option::kTimestampsLength;
  if (header_length == kAlignedTimestamps &&
      load_be32(tcp_header + header_size::kTcpMin) ==
          (std::uint32_t{tcp_option::kNop} << 24 | std::uint32_t{tcp_option::kNop} << 16 |
           std::uint32_t{tcp_option::kTimestamps} << 8 |
           static_cast<std::uint32_t>(tcp_option::kTimestampsLength))) {
    summary.timestamps_offset = static_cast<std::uint8_t>(header_size::kTcpMin + 2);
    return DropReason::kNone;
  }
  std::size_t at = header_size::kTcpMin;
  // Each step advances by at least one byte, so this runs at most 40 times.
  while (at < header_length) {
    const std::uint8_t kind = tcp_header[at];
    if (kind == tcp_option::kEndOfList) break;
    if (kind == tcp_option::kNop) {
      ++at;
      continue;
    }
    if (at + 1 >= header_length) return DropReason::kTcpOptionsOverrun;
    const std::size_t length = tcp_header[at + 1];
    if (length < 2) return DropReason::kBadTcpOptionLength;
    if (length > header_length - at) return DropReason::kTcpOptionsOverrun;
    const std::uint8_t* const body = tcp_header + at + 2;

    switch (kind) {
      case tcp_option::kMss:
        if (length != tcp_option::kMssLength) return DropReason::kBadTcpOptionLength;
        if (!claim(summary.mss_offset, at)) return DropReason::kDuplicateTcpOption;
        summary.mss = load_be16(body);
        break;
      case tcp_option::kWindowScale:
        if (length != tcp_option::kWindowScaleLength) return DropReason::kBadTcpOptionLength;
        if (!claim(summary.window_scale_offset, at)) return DropReason::kDuplicateTcpOption;
        summary.window_scale = body[0];
        break;
      case tcp_option::kSackPermitted:
        if (length != tcp_option::kSackPermittedLength) return DropReason::kBadTcpOptionLength;
        if (!claim(summary.sack_permitted_offset, at)) return DropReason::kDuplicateTcpOption;
        break;
      case tcp_option::kSack:
        if (length < 2 + tcp_option::kSackBlockSize ||
            (length - 2) % tcp_option::kSackBlockSize != 0) {
          return DropReason::kBadTcpOptionLength;
        }
        if (!claim(summary.sack_offset, at)) return DropReason::kDuplicateTcpOption;
        summary.sack_block_count =
            static_cast<std::uint8_t>((length - 2) / tcp_option::kSackBlockSize);
        break;
      case tcp_option::kTimestamps:
        if (length != tcp_option::kTimestampsLength) return DropReason::kBadTcpOptionLength;
        if (!claim(summary.timestamps_offset, at)) return DropReason::kDuplicateTcpOption;
        break;
      case tcp_option::kFastOpen:
        // Cookie request (length 2) or a cookie of 4..16 bytes (RFC 7413 section 4.1.1); any
        // length is recorded as is, since the option is only ever stripped whole.
        if (!claim(summary.fast_open_offset, at)) return DropReason::kDuplicateTcpOption;
        summary.fast_open_length = static_cast<std::uint8_t>(length);
        summary.fast_open_experimental = false;
        break;
      case tcp_option::kExperimental:
        // RFC 6994: a 16-bit ExID follows the length; 0xF989 is TFO before its kind was given.
        if (length >= 4 && load_be16(body) == tcp_option::kFastOpenExperimentId) {
          if (!claim(summary.fast_open_offset, at)) return DropReason::kDuplicateTcpOption;
          summary.fast_open_length = static_cast<std::uint8_t>(length);
          summary.fast_open_experimental = true;
        }
        break;
      default:
        break;  // unknown options are carried untouched
    }
    at += length;
  }
  return DropReason::kNone;
}

}  // namespace sluice::packet
