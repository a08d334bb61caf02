#include "dataplane/xdp/map_entries.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>

#include "dataplane/conntrack/flow_key.hpp"
#include "dataplane/insertion/decision.hpp"
#include "dataplane/packet/drop_reason.hpp"
#include "dataplane/pipeline/counters.hpp"
#include "dataplane/sched/maglev.hpp"

namespace sluice::xdp {
namespace {

// The compile-time checks of the program's ABI against the C++ side: abi_checks.cpp.

std::uint8_t family_of(const net::IpAddress& address) noexcept {
  return address.is_v4() ? SL_FAMILY_V4 : SL_FAMILY_V6;
}

void copy_address(std::uint8_t* out, const net::IpAddress& address) noexcept {
  std::memcpy(out, address.data(), address.size());
}

std::uint16_t network_order(std::uint16_t port) noexcept {
  return static_cast<std::uint16_t>((port >> 8) | (port << 8));
}

std::uint8_t scheduler_code(sched::SchedulerKind kind) noexcept {
  switch (kind) {
    case sched::SchedulerKind::kRoundRobin: return SL_SCHED_RR;
    case sched::SchedulerKind::kWeightedRoundRobin: return SL_SCHED_WRR;
    case sched::SchedulerKind::kMaglev: return SL_SCHED_MAGLEV;
    case sched::SchedulerKind::kSourceHash: return SL_SCHED_SOURCE_HASH;
    case sched::SchedulerKind::kLeastConnections: return SL_SCHED_LEAST_CONN;
  }
  return SL_SCHED_RR;
}

sl_xdp_prefix_key prefix_key(const net::IpAddress& address, std::uint8_t length) noexcept {
  sl_xdp_prefix_key key{};
  key.prefixlen = 8u + length;
  key.family = family_of(address);
  // Host bits off: the trie matches on the network part.
  for (std::size_t i = 0; i < address.size(); ++i) {
    const int bits = static_cast<int>(length) - static_cast<int>(8 * i);
    const auto mask = static_cast<std::uint8_t>(bits >= 8 ? 0xFF : bits <= 0 ? 0 : 0xFF << (8 - bits));
    key.addr[i] = static_cast<std::uint8_t>(address.data()[i] & mask);
  }
  return key;
}

// The backend list of a round-robin service: eligible backends in spec order; wrr repeats each
// by its weight divided by the weights' gcd (an interleaving-free approximation of smooth WRR:
// the same shares, docs/xdp.md).
std::vector<std::uint32_t> rr_list(const sched::BackendSet& set) {
  std::vector<std::uint32_t> list;
  const auto eligible = set.eligible();
  if (set.kind() != sched::SchedulerKind::kWeightedRoundRobin) {
    for (const auto index : eligible) list.push_back(index.value);
    return list;
  }
  std::uint32_t divisor = 0;
  for (const auto index : eligible) divisor = std::gcd(divisor, set.backend(index).weight);
  for (const auto index : eligible) {
    const std::uint32_t copies = divisor == 0 ? 1 : set.backend(index).weight / divisor;
    for (std::uint32_t i = 0; i < copies && list.size() < SL_XDP_MAX_BACKENDS; ++i) list.push_back(index.value);
  }
  return list;
}

}  // namespace

sl_xdp_addr_key addr_key(const net::IpAddress& address) noexcept {
  sl_xdp_addr_key key{};
  copy_address(key.addr, address);
  key.family = family_of(address);
  return key;
}

// On: the tables' per-service `syn_proxy` reaches the program. (It was off while the completing
// ACK was built by cutting the backend's SYN-ACK at the tail and growing it at the head, which
// under generic XDP left stale option bytes behind the PROXY header on ~15 % of proxied
// connections; it is now built whole as a standalone header segment: docs/xdp.md "SYN proxy".)
// The fixtures set the modes through MapEntryOptions::syn_proxy_modes, which take precedence.
constexpr bool kSynProxyFromTables = true;

std::uint8_t syn_proxy_mode(const pipeline::Service& service, std::size_t id, const MapEntryOptions& options) noexcept {
  if (id < options.syn_proxy_modes.size()) return options.syn_proxy_modes[id];
  if (!kSynProxyFromTables) return SL_SP_MODE_OFF;
  // The tables' per-service setting, once the control plane carries it (`[services]
  // syn_proxy`, parsed into pipeline::Service::syn_proxy as SL_SP_MODE_* values).
  return [](const auto& s) -> std::uint8_t {  // generic: the field may not exist yet
    if constexpr (requires { s.syn_proxy; }) {
      return static_cast<std::uint8_t>(s.syn_proxy);
    } else {
      return SL_SP_MODE_OFF;
    }
  }(service);
}

MapEntries map_entries(const pipeline::Tables& tables, const MapEntryOptions& options) {
  MapEntries entries;
  const pipeline::Limits& limits = tables.limits();
  sl_xdp_config& config = entries.config;
  config.tcp_syn_timeout_ns = limits.tcp_syn_timeout_ns;
  config.tcp_established_timeout_ns = limits.tcp_established_timeout_ns;
  config.tcp_closing_timeout_ns = limits.tcp_closing_timeout_ns;
  config.udp_timeout_ns = limits.udp_timeout_ns;
  config.tcp_syn_pressure_timeout_ns = limits.tcp_syn_pressure_timeout_ns;
  config.max_embryonic = limits.max_embryonic;
  config.embryonic_ring = sl_embryonic_ring_size(limits.max_embryonic, limits.max_entries);
  config.test_now_ns = options.test_now_ns;
  for (int i = 0; i < 8; ++i) config.instance_id[i] = static_cast<std::uint8_t>(options.instance_id >> (56 - 8 * i));
  config.max_entries = limits.max_entries;
  config.snat_port_first = limits.snat_port_first;
  config.snat_port_last = limits.snat_port_last;
  config.host_port_first = limits.host_port_first;
  config.host_port_last = limits.host_port_last;
  config.nr_cpus = static_cast<std::uint16_t>(options.nr_cpus == 0 ? 1 : std::min<std::uint32_t>(options.nr_cpus, 0xFFFF));
  // Each CPU gets an equal share of the SNAT ports (bpf/xdp/flow.h): a range smaller than the
  // CPU count would hand some CPU ports past its end.
  if (std::uint32_t{limits.snat_port_last} - limits.snat_port_first + 1 < config.nr_cpus) {
    throw std::invalid_argument("the SNAT port range has fewer ports than the XDP datapath has CPUs");
  }
  config.flags = options.generic_attach ? SL_CFG_GENERIC_TAIL_PAD : 0;
  config.syn_cookie_key = options.syn_cookie_key;

  const auto& ports = tables.ports();
  if (ports.size() > SL_XDP_MAX_PORTS) throw std::invalid_argument("more interfaces than the XDP datapath supports");
  if (options.ifindexes.size() != ports.size()) throw std::invalid_argument("one ifindex per interface is needed");
  for (std::size_t id = 0; id < ports.size(); ++id) {
    const pipeline::Port& port = ports[id];
    sl_xdp_port value{};
    value.ifindex = options.ifindexes[id];
    value.mtu = port.mtu;
    std::memcpy(value.mac, port.mac.bytes().data(), 6);
    for (const net::Prefix& prefix : port.addresses) {
      if (prefix.address.is_v4() && !value.has_v4) {
        copy_address(value.v4, prefix.address);
        value.has_v4 = 1;
      }
      if (prefix.address.is_v6() && !value.has_v6) {
        copy_address(value.v6, prefix.address);
        value.has_v6 = 1;
      }
      entries.own.emplace_back(addr_key(prefix.address),
                               sl_xdp_own{SL_OWN_INTERFACE, 0, static_cast<std::uint16_t>(id)});
      sl_xdp_nexthop hop{};
      hop.port = static_cast<std::uint16_t>(id);
      hop.priority = 1;
      entries.nexthops.emplace_back(prefix_key(prefix.address, prefix.length), hop);
    }
    entries.ports.emplace_back(static_cast<std::uint32_t>(id), value);
    entries.ifports.emplace_back(options.ifindexes[id], sl_xdp_ifport{static_cast<std::uint32_t>(id)});
  }
  for (const pipeline::Route& route : tables.routes()) {
    const sl_xdp_prefix_key key = prefix_key(route.prefix.address, route.prefix.length);
    // Connected subnets win over a route to the same prefix (Tables::next_hop).
    const bool connected = std::any_of(entries.nexthops.begin(), entries.nexthops.end(), [&](const auto& e) {
      return std::memcmp(&e.first, &key, sizeof key) == 0;
    });
    if (connected) continue;
    const auto hop_port = tables.next_hop(route.via);
    if (!hop_port) continue;  // config validation keeps gateways on-link
    sl_xdp_nexthop hop{};
    hop.port = hop_port->port;
    hop.via_gateway = 1;
    copy_address(hop.gateway, route.via);
    entries.nexthops.emplace_back(key, hop);
  }
  for (const pipeline::StaticNeighbor& neighbor : tables.static_neighbors()) {
    sl_xdp_neighbor value{};
    std::memcpy(value.mac, neighbor.mac.bytes().data(), 6);
    value.port = neighbor.port;
    entries.neighbors.emplace_back(addr_key(neighbor.address), value);
  }

  auto add_own = [&](const net::IpAddress& address, std::uint8_t kind) {
    const sl_xdp_addr_key key = addr_key(address);
    for (auto& [k, v] : entries.own) {
      if (std::memcmp(&k, &key, sizeof key) == 0) {
        v.kinds = static_cast<std::uint8_t>(v.kinds | kind);
        return;
      }
    }
    const auto port = tables.answering_port(address);
    entries.own.emplace_back(key, sl_xdp_own{kind, 0, port ? *port : static_cast<std::uint16_t>(0xFFFF)});
  };

  const auto& services = tables.services();
  if (services.size() > SL_XDP_MAX_SERVICES) throw std::invalid_argument("more services than the XDP datapath supports");
  std::uint32_t maglev_slots = 0;
  for (std::size_t id = 0; id < services.size(); ++id) {
    const pipeline::Service& service = services[id];
    add_own(service.vip.address, SL_OWN_VIP);
    if (service.snat_v4) add_own(*service.snat_v4, SL_OWN_SNAT);
    if (service.snat_v6) add_own(*service.snat_v6, SL_OWN_SNAT);

    sl_xdp_service_key key{};
    copy_address(key.addr, service.vip.address);
    key.port = network_order(service.vip.port);
    key.protocol = service.protocol;
    key.family = family_of(service.vip.address);

    sl_xdp_service value{};
    value.id = static_cast<std::uint16_t>(id);
    const sched::BackendSet& set = *service.backends;
    value.scheduler = scheduler_code(set.kind());
    if (service.protocol == pipeline::kProtoTcp) value.syn_proxy = syn_proxy_mode(service, id, options);  // TCP only
    if (service.snat_v4) {
      copy_address(value.snat_v4, *service.snat_v4);
      value.flags |= SL_SVC_HAS_SNAT_V4;
    }
    if (service.snat_v6) {
      copy_address(value.snat_v6, *service.snat_v6);
      value.flags |= SL_SVC_HAS_SNAT_V6;
    }
    if (service.proxy) {
      value.flags |= SL_SVC_PROXY;
      if (service.proxy->tcp_mode == insertion::InsertionMode::kWithData) value.flags |= SL_SVC_WITH_DATA;
      if (service.proxy->udp_every_datagram) value.flags |= SL_SVC_UDP_EVERY;
      entries.templates.emplace_back(static_cast<std::uint32_t>(id), service.proxy->header_template);
    }

    const auto index_of = [id](std::size_t i) {  // the program's sl_backend_index
      return sl_backend_index(static_cast<std::uint32_t>(id), static_cast<std::uint32_t>(i));
    };
    if (sched::uses_maglev_table(set.kind())) {
      // Maglev positions are BackendIndex values: the block holds every backend in spec order.
      const auto backends = set.backends();
      for (std::size_t i = 0; i < backends.size(); ++i) {
        sl_xdp_backend b{};
        copy_address(b.addr, backends[i].endpoint.address);
        b.port = network_order(backends[i].endpoint.port);
        b.family = family_of(backends[i].endpoint.address);
        b.slot = static_cast<std::uint16_t>(backends[i].slot.value);
        b.weight = static_cast<std::uint16_t>(std::min<std::uint32_t>(backends[i].weight, 0xFFFF));
        entries.backends.emplace_back(index_of(i), b);
      }
      if (!set.maglev_table().empty()) {
        if (maglev_slots == SL_XDP_MAX_MAGLEV_SERVICES) {
          throw std::invalid_argument("more maglev/source-hash services than the XDP datapath supports (" +
                                      std::to_string(SL_XDP_MAX_MAGLEV_SERVICES) + ")");
        }
        value.maglev_slot = static_cast<std::uint16_t>(maglev_slots);
        value.eligible = static_cast<std::uint16_t>(set.eligible().size());
        entries.maglev.push_back(MaglevTable{maglev_slots,
                                             std::vector<std::uint16_t>(set.maglev_table().begin(), set.maglev_table().end())});
        ++maglev_slots;
      }
    } else {
      const std::vector<std::uint32_t> list = rr_list(set);
      for (std::size_t i = 0; i < list.size(); ++i) {
        const sched::Backend& backend = set.backend(sched::BackendIndex{list[i]});
        sl_xdp_backend b{};
        copy_address(b.addr, backend.endpoint.address);
        b.port = network_order(backend.endpoint.port);
        b.family = family_of(backend.endpoint.address);
        b.slot = static_cast<std::uint16_t>(backend.slot.value);
        b.weight = static_cast<std::uint16_t>(std::min<std::uint32_t>(backend.weight, 0xFFFF));
        entries.backends.emplace_back(index_of(i), b);
      }
      value.eligible = static_cast<std::uint16_t>(list.size());
    }
    // A retired service (docs/reload.md) keeps its id-indexed data (header template, backends)
    // for its live flows, but its VIP key no longer takes new flows.
    if (!service.retired) entries.services.emplace_back(key, value);
  }
  return entries;
}

}  // namespace sluice::xdp
