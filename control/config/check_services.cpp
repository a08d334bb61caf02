// Checks across [[services]] and against the interfaces: unique names and listeners, SNAT
// addresses owned by an interface, and one SNAT source for every backend family (explicit, or
// derived from the interface that reaches the backends).
#include <algorithm>

#include "control/config/draft.hpp"
#include "control/config/egress.hpp"

namespace sluice::config::detail {
namespace {

bool owned_by_an_interface(std::span<const Interface> interfaces, const net::IpAddress& address) {
  return std::any_of(interfaces.begin(), interfaces.end(), [&](const Interface& interface) {
    return std::any_of(interface.addresses.begin(), interface.addresses.end(),
                       [&](const net::Prefix& p) { return p.address == address; });
  });
}

void check_unique(const std::vector<ServiceDraft>& services, Diagnostics& diagnostics) {
  for (std::size_t i = 0; i < services.size(); ++i) {
    const ServiceDraft& service = services[i];
    for (std::size_t j = 0; j < i; ++j) {
      const ServiceDraft& earlier = services[j];
      if (service.name_ok && earlier.name_ok && service.value.name == earlier.value.name) {
        diagnostics.error(service.name_at,
                          fmt::format("{}.name: duplicate service name \"{}\" (also {})",
                                      service.path, service.value.name, earlier.path));
      }
      if (service.listener_ok && earlier.listener_ok &&
          service.value.protocol == earlier.value.protocol &&
          service.value.vip_endpoint() == earlier.value.vip_endpoint()) {
        diagnostics.error(service.vip_at,
                          fmt::format("{}: {} {} is already the listener of {}", service.path,
                                      to_string(service.value.protocol),
                                      service.value.vip_endpoint().to_string(), earlier.path));
      }
    }
  }
}

// Fills service.value.snat: the listed address of each family, else the source address of the
// interface that reaches the service's backends of that family.
void resolve_snat(ServiceDraft& service, std::span<const Interface> interfaces,
                  std::span<const Route> routes, Diagnostics& diagnostics) {
  Snat& snat = service.value.snat;
  for (const ListedSnat& listed : service.snat_listed) {
    if (!owned_by_an_interface(interfaces, listed.address)) {
      diagnostics.error(listed.at, fmt::format("{}: {} is not an address of any interface",
                                               listed.path, listed.address.to_string()));
      continue;
    }
    (listed.address.is_v4() ? snat.v4 : snat.v6) = listed.address;
  }
  if (!service.snat_ok) return;  // a listed address may have been lost: do not guess

  for (const net::Family family : {net::Family::kIpv4, net::Family::kIpv6}) {
    const bool listed =
        std::any_of(service.snat_listed.begin(), service.snat_listed.end(),
                    [&](const ListedSnat& entry) { return entry.address.family() == family; });
    if (listed) continue;                 // owned (now in snat) or already reported
    const BackendDraft* first = nullptr;  // the backend that chose the interface
    std::optional<Egress> chosen;
    for (const BackendDraft& backend : service.backends) {
      if (!backend.ok || backend.value.address.family() != family) continue;
      const auto egress = find_egress(interfaces, routes, backend.value.address);
      if (!egress) {
        diagnostics.error(
            backend.address_at,
            fmt::format("{}.address: no {} source address for backend {}: snat lists "
                        "none and no interface reaches it",
                        backend.path, family_name(family), backend.value.address.to_string()));
        continue;
      }
      if (!chosen) {
        first = &backend;
        chosen = egress;
      } else if (egress->interface_index != chosen->interface_index) {
        // One source per family (the flow key has one local address), but these backends sit
        // behind different links: the operator must say which source to use.
        diagnostics.error(
            backend.address_at,
            fmt::format("{}.address: backend {} is reached through interface \"{}\" but {} "
                        "through \"{}\"; list the {} source address in snat",
                        backend.path, backend.value.address.to_string(),
                        interfaces[egress->interface_index].name, first->path,
                        interfaces[chosen->interface_index].name, family_name(family)));
      }
    }
    if (chosen) (family == net::Family::kIpv4 ? snat.v4 : snat.v6) = chosen->source;
  }
}

}  // namespace

void check_services(ConfigDraft& draft, Diagnostics& diagnostics) {
  check_unique(draft.services, diagnostics);
  const std::vector<Interface> interfaces = interface_values(draft);
  const std::vector<Route> routes = route_values(draft);
  for (ServiceDraft& service : draft.services) {
    if (draft.network_ok) resolve_snat(service, interfaces, routes, diagnostics);
    for (const BackendDraft& backend : service.backends) {
      if (backend.ok) service.value.backends.push_back(backend.value);
    }
  }
}

}  // namespace sluice::config::detail
