#include "dataplane/insertion/header_fit.hpp"

namespace sluice::insertion {

// Both are the shared rules (dataplane/shared/tcp_rules.h), the XDP program's too.
bool header_fits_in_front(const SegmentDescription& segment, std::uint16_t header_length,
                          const EgressPath& egress, std::uint16_t backend_mss) noexcept {
  return sl_header_fits_in_front(segment.payload_length, segment.tcp_header_length, segment.coalesced ? 1 : 0,
                                 header_length, egress.mtu, egress.ip_header_length, backend_mss) != 0;
}

std::uint16_t client_facing_mss(std::uint16_t backend_mss, std::uint16_t header_length) noexcept {
  return sl_client_facing_mss(backend_mss, header_length);
}

}  // namespace sluice::insertion
