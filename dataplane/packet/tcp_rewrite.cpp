#include "dataplane/packet/tcp_rewrite.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "dataplane/packet/checksum.hpp"
#include "dataplane/packet/ip.hpp"
#include "dataplane/packet/l4.hpp"
#include "dataplane/packet/l4_checksum.hpp"

namespace sluice::packet {
namespace {

bool write_mss(std::uint8_t* tcp_header, TcpOptionsSummary& options,
               std::uint16_t new_mss) noexcept {
  if (new_mss == options.mss) return false;
  std::uint8_t bytes[2];
  store_be16(bytes, new_mss);
  rewrite_tcp_header_bytes(tcp_header, std::size_t{options.mss_offset} + 2, bytes, sizeof bytes);
  options.mss = new_mss;
  return true;
}

}  // namespace

void rewrite_tcp_header_bytes(std::uint8_t* tcp_header, std::size_t offset,
                              const std::uint8_t* new_bytes, std::size_t len) noexcept {
  // The pseudo-header is 12 (IPv4) or 40 (IPv6) bytes: the TCP header starts at an even
  // position of the checksummed stream, so the offset inside the header gives the parity.
  const TcpView tcp(tcp_header);
  tcp.set_checksum(
      checksum_update_bytes(tcp.checksum(), offset, tcp_header + offset, new_bytes, len));
  std::memmove(tcp_header + offset, new_bytes, len);
}

bool clamp_mss(std::uint8_t* tcp_header, TcpOptionsSummary& options,
               std::uint16_t max_mss) noexcept {
  if (!options.has_mss() || options.mss <= max_mss) return false;
  return write_mss(tcp_header, options, max_mss);
}

bool lower_mss(std::uint8_t* tcp_header, TcpOptionsSummary& options, std::uint16_t by,
               std::uint16_t floor) noexcept {
  if (!options.has_mss()) return false;
  const std::uint16_t lowered =
      options.mss > floor + by ? static_cast<std::uint16_t>(options.mss - by) : floor;
  return write_mss(tcp_header, options, std::min(lowered, options.mss));
}

bool strip_fast_open(std::uint8_t* tcp_header, TcpOptionsSummary& options) noexcept {
  if (!options.has_fast_open()) return false;
  std::array<std::uint8_t, header_size::kTcpMax> nops;
  nops.fill(tcp_option::kNop);
  rewrite_tcp_header_bytes(tcp_header, options.fast_open_offset, nops.data(),
                           options.fast_open_length);
  options.fast_open_offset = 0;
  options.fast_open_length = 0;
  options.fast_open_experimental = false;
  return true;
}

DropReason remove_tcp_payload(PacketBuffer& buffer, ParsedFrame& parsed) noexcept {
  if (!parsed.is_tcp() || parsed.is_fragment) return DropReason::kNotRewritable;
  const std::uint32_t removed = parsed.payload_length();
  if (!buffer.trim(buffer.length() - parsed.payload_offset)) return DropReason::kNoBufferRoom;
  std::uint8_t* const frame = buffer.data();
  if (parsed.is_ipv4()) {
    const Ipv4View ip(frame + parsed.l3_offset);
    const std::uint16_t old_length = ip.total_length();
    const auto new_length = static_cast<std::uint16_t>(old_length - removed);
    ip.set_total_length(new_length);
    ip.set_checksum(checksum_update16(ip.checksum(), old_length, new_length));
  } else {
    const Ipv6View ip(frame + parsed.l3_offset);
    ip.set_payload_length(static_cast<std::uint16_t>(ip.payload_length() - removed));
  }
  parsed.l3_end = parsed.payload_offset;
  recompute_l4_checksum(frame, parsed);
  return DropReason::kNone;
}

}  // namespace sluice::packet
