#include "dataplane/insertion/header_fit.hpp"

#include <algorithm>

namespace sluice::insertion {

bool header_fits_in_front(const SegmentDescription& segment, std::uint16_t header_length,
                          const EgressPath& egress, std::uint16_t backend_mss) noexcept {
  if (segment.coalesced) return false;
  // 64-bit sums: payload_length of a super-frame plus headers cannot overflow.
  const std::uint64_t tcp_options =
      segment.tcp_header_length > kFixedTcpHeaderLength
          ? std::uint64_t{segment.tcp_header_length} - kFixedTcpHeaderLength
          : 0;
  const std::uint64_t frame_now = std::uint64_t{egress.ip_header_length} +
                                  segment.tcp_header_length + segment.payload_length;
  if (frame_now > egress.mtu) return false;  // already a super-frame: never grown
  const std::uint64_t grown_payload = std::uint64_t{segment.payload_length} + header_length;
  if (grown_payload + tcp_options > backend_mss) return false;
  return frame_now + header_length <= egress.mtu;
}

std::uint16_t client_facing_mss(std::uint16_t backend_mss, std::uint16_t header_length) noexcept {
  if (backend_mss <= kMinimumClientMss) return backend_mss;  // never raise it
  const std::uint32_t room = std::uint32_t{backend_mss} - kMinimumClientMss;
  if (header_length >= room) return kMinimumClientMss;
  return static_cast<std::uint16_t>(backend_mss - header_length);
}

}  // namespace sluice::insertion
