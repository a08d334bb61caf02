#pragma once
// Which interface, and which of its addresses, the appliance uses to reach a host: the
// connected subnet holding it (longest prefix first), else the longest-prefix route whose
// gateway is on a connected subnet. Used to derive a service's SNAT source (spec config.md,
// `snat` default: "the address of the interface that reaches the backend").
#include <cstddef>
#include <optional>
#include <span>

#include "control/config/config.hpp"

namespace sluice::config {

struct Egress {
  std::size_t interface_index = 0;        // into the interfaces span given
  net::IpAddress source;                  // the interface address on the subnet used (same family)
  std::optional<net::IpAddress> gateway;  // set when reached through a route
};

// The interface address whose subnet holds `host`, longest prefix first.
std::optional<Egress> find_connected(std::span<const Interface> interfaces,
                                     const net::IpAddress& host);
// Connected first, then through routes (one level: a gateway must itself be connected).
std::optional<Egress> find_egress(std::span<const Interface> interfaces,
                                  std::span<const Route> routes, const net::IpAddress& host);

}  // namespace sluice::config
