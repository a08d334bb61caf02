#include "control/config/egress.hpp"

namespace sluice::config {

std::optional<Egress> find_connected(std::span<const Interface> interfaces,
                                     const net::IpAddress& host) {
  std::optional<Egress> best;
  int best_length = -1;
  for (std::size_t i = 0; i < interfaces.size(); ++i) {
    for (const net::Prefix& subnet : interfaces[i].addresses) {
      if (subnet.length > best_length && subnet.contains(host)) {
        best = Egress{i, subnet.address, std::nullopt};
        best_length = subnet.length;
      }
    }
  }
  return best;
}

std::optional<Egress> find_egress(std::span<const Interface> interfaces,
                                  std::span<const Route> routes, const net::IpAddress& host) {
  if (auto connected = find_connected(interfaces, host)) return connected;
  const Route* best = nullptr;
  for (const Route& route : routes) {
    if (route.prefix.contains(host) &&
        (best == nullptr || route.prefix.length > best->prefix.length)) {
      best = &route;
    }
  }
  if (best == nullptr) return std::nullopt;
  auto egress = find_connected(interfaces, best->via);
  if (egress) egress->gateway = best->via;
  return egress;
}

}  // namespace sluice::config
