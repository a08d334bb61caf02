// Checks across [[interfaces]], [[routes]] and [[neighbors]]: presence, unique names and
// addresses, non-overlapping subnets, the per-mode device keys, gateways and neighbours on a
// connected subnet.
#include <algorithm>

#include "control/config/draft.hpp"
#include "control/config/egress.hpp"

namespace sluice::config::detail {
namespace {

bool overlaps(const net::Prefix& a, const net::Prefix& b) {
  return a.length <= b.length ? a.contains(b.address) : b.contains(a.address);
}

void check_interfaces(ConfigDraft& draft, Diagnostics& diagnostics) {
  auto& interfaces = draft.interfaces;
  for (std::size_t i = 0; i < interfaces.size(); ++i) {
    const InterfaceDraft& current = interfaces[i];
    for (std::size_t j = 0; j < i; ++j) {
      const InterfaceDraft& earlier = interfaces[j];
      if (current.name_ok && earlier.name_ok && current.value.name == earlier.value.name) {
        diagnostics.error(current.name_at,
                          fmt::format("{}.name: duplicate interface name \"{}\" (also {})",
                                      current.path, current.value.name, earlier.path));
      }
      if (!current.addresses_ok || !earlier.addresses_ok) continue;
      // Two links claiming the same subnet would make "the interface that reaches X" and the
      // link that answers ARP/NDP for a VIP ambiguous.
      for (std::size_t a = 0; a < current.value.addresses.size(); ++a) {
        const net::Prefix& mine = current.value.addresses[a];
        for (const net::Prefix& theirs : earlier.value.addresses) {
          if (!overlaps(mine, theirs)) continue;
          diagnostics.error(
              current.address_at[a],
              fmt::format("{}.addresses[{}]: {} overlaps {} of interface \"{}\"", current.path, a,
                          mine.to_string(), theirs.to_string(), earlier.value.name));
          break;
        }
      }
    }
  }

  if (!draft.mode_ok) return;
  const Mode mode = draft.settings.appliance.mode;
  for (const InterfaceDraft& interface : interfaces) {
    const bool dpdk = mode == Mode::kDpdk;
    if (dpdk ? interface.dpdk_given : interface.kernel_given) continue;
    diagnostics.error(interface.table,
                      fmt::format("{}: missing required key '{}' (mode is \"{}\")", interface.path,
                                  dpdk ? "dpdk" : "kernel", to_string(mode)));
  }
}

void check_routes(const ConfigDraft& draft, std::span<const Interface> interfaces,
                  Diagnostics& diagnostics) {
  for (std::size_t i = 0; i < draft.routes.size(); ++i) {
    const RouteDraft& route = draft.routes[i];
    if (!route.ok) continue;
    for (std::size_t j = 0; j < i; ++j) {
      if (draft.routes[j].ok && draft.routes[j].value.prefix == route.value.prefix) {
        diagnostics.error(route.prefix_at,
                          fmt::format("{}.prefix: duplicate route for {} (also {})", route.path,
                                      route.value.prefix.to_string(), draft.routes[j].path));
      }
    }
    if (draft.network_ok && !find_connected(interfaces, route.value.via)) {
      diagnostics.error(route.via_at,
                        fmt::format("{}.via: gateway {} is not on a subnet of any interface",
                                    route.path, route.value.via.to_string()));
    }
  }
}

void check_neighbors(const ConfigDraft& draft, Diagnostics& diagnostics) {
  const bool names_ok = std::all_of(draft.interfaces.begin(), draft.interfaces.end(),
                                    [](const InterfaceDraft& i) { return i.name_ok; });
  for (std::size_t i = 0; i < draft.neighbors.size(); ++i) {
    const NeighborDraft& neighbor = draft.neighbors[i];
    for (std::size_t j = 0; neighbor.address_ok && j < i; ++j) {
      const NeighborDraft& earlier = draft.neighbors[j];
      if (earlier.address_ok && earlier.value.address == neighbor.value.address) {
        diagnostics.error(neighbor.address_at,
                          fmt::format("{}.address: duplicate neighbor {} (also {})", neighbor.path,
                                      neighbor.value.address.to_string(), earlier.path));
      }
    }
    if (!names_ok || !neighbor.interface_ok) continue;
    const auto interface = std::find_if(
        draft.interfaces.begin(), draft.interfaces.end(),
        [&](const InterfaceDraft& d) { return d.value.name == neighbor.value.interface; });
    if (interface == draft.interfaces.end()) {
      diagnostics.error(neighbor.interface_at,
                        fmt::format("{}.interface: no interface named \"{}\"", neighbor.path,
                                    neighbor.value.interface));
      continue;
    }
    // A static entry is only consulted for on-link next hops of that interface.
    const auto& subnets = interface->value.addresses;
    if (draft.network_ok && neighbor.address_ok &&
        std::none_of(subnets.begin(), subnets.end(),
                     [&](const net::Prefix& p) { return p.contains(neighbor.value.address); })) {
      diagnostics.error(
          neighbor.address_at,
          fmt::format("{}.address: {} is not on a subnet of interface \"{}\"", neighbor.path,
                      neighbor.value.address.to_string(), neighbor.value.interface));
    }
  }
}

}  // namespace

std::vector<Interface> interface_values(const ConfigDraft& draft) {
  std::vector<Interface> values;
  values.reserve(draft.interfaces.size());
  for (const InterfaceDraft& interface : draft.interfaces) values.push_back(interface.value);
  return values;
}

std::vector<Route> route_values(const ConfigDraft& draft) {
  std::vector<Route> values;
  for (const RouteDraft& route : draft.routes) {
    if (route.ok) values.push_back(route.value);
  }
  return values;
}

void check_network(ConfigDraft& draft, Diagnostics& diagnostics) {
  if (!draft.interfaces_given) {
    diagnostics.error(draft.root, "interfaces: at least one [[interfaces]] table is required");
  }
  draft.network_ok =
      std::all_of(draft.interfaces.begin(), draft.interfaces.end(),
                  [](const InterfaceDraft& i) { return i.name_ok && i.addresses_ok; }) &&
      std::all_of(draft.routes.begin(), draft.routes.end(),
                  [](const RouteDraft& r) { return r.ok; });
  check_interfaces(draft, diagnostics);
  const std::vector<Interface> interfaces = interface_values(draft);
  check_routes(draft, interfaces, diagnostics);
  check_neighbors(draft, diagnostics);
}

}  // namespace sluice::config::detail
