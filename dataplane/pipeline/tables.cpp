#include "dataplane/pipeline/tables.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <span>
#include <utility>

#include "dataplane/sched/xxhash64.hpp"

namespace sluice::pipeline {

namespace {
void add_unique(std::vector<net::IpAddress>& list, const net::IpAddress& address) {
  if (std::find(list.begin(), list.end(), address) == list.end()) list.push_back(address);
}
}  // namespace

Tables::Tables(std::vector<Port> ports, std::vector<Service> services,
               std::vector<StaticNeighbor> neighbors, std::vector<Route> routes, Limits limits)
    : ports_(std::move(ports)),
      services_(std::move(services)),
      neighbors_(std::move(neighbors)),
      routes_(std::move(routes)),
      limits_(limits) {
  for (std::size_t i = 0; i < services_.size(); ++i) {
    const Service& s = services_[i];
    // A retired service's SNAT addresses stay: its flows' replies still arrive there.
    if (s.snat_v4) add_unique(snat_addresses_, *s.snat_v4);
    if (s.snat_v6) add_unique(snat_addresses_, *s.snat_v6);
    if (s.retired) continue;
    service_index_.emplace(ServiceKey{s.vip.address, s.vip.port, s.protocol},
                           static_cast<ServiceId>(i));
    add_unique(vips_, s.vip.address);
  }
  compile_routes();
}

namespace {

void load_words(const net::IpAddress& address, std::uint64_t (&words)[2]) noexcept {
  std::uint64_t raw[2];
  std::memcpy(raw, address.data(), 16);
  words[0] = __builtin_bswap64(raw[0]);
  words[1] = __builtin_bswap64(raw[1]);
}

std::uint64_t mask_word(unsigned length, unsigned word) noexcept {
  const unsigned covered = length > word * 64 ? std::min(length - word * 64, 64u) : 0u;
  if (covered == 0) return 0;
  return covered == 64 ? ~std::uint64_t{0} : ~(~std::uint64_t{0} >> covered);
}

}  // namespace

void Tables::compile_routes() {
  const auto make = [](const net::Prefix& prefix, bool connected, PortId port,
                       const net::IpAddress& via) {
    CompiledRoute route{};
    std::uint64_t words[2];
    load_words(prefix.address, words);
    for (unsigned w = 0; w < 2; ++w) {
      route.mask[w] = mask_word(prefix.length, w);
      route.network[w] = words[w] & route.mask[w];
    }
    route.family = prefix.address.family();
    route.connected = connected;
    route.port = port;
    route.via = via;
    return route;
  };
  std::vector<std::pair<unsigned, CompiledRoute>> connected;
  for (std::size_t p = 0; p < ports_.size(); ++p) {
    for (const net::Prefix& prefix : ports_[p].addresses) {
      connected.emplace_back(prefix.length, make(prefix, true, static_cast<PortId>(p), {}));
    }
  }
  std::vector<std::pair<unsigned, CompiledRoute>> routed;
  for (const Route& route : routes_) {
    // The gateway is on a connected subnet (validated by the config); the last port whose
    // subnet holds it, as before. A route whose gateway is on none never matches.
    std::optional<PortId> port;
    for (std::size_t p = 0; p < ports_.size(); ++p) {
      for (const net::Prefix& prefix : ports_[p].addresses) {
        if (prefix.contains(route.via)) port = static_cast<PortId>(p);
      }
    }
    if (port) routed.emplace_back(route.prefix.length, make(route.prefix, false, *port, route.via));
  }
  const auto longest_first = [](const auto& a, const auto& b) { return a.first > b.first; };
  std::stable_sort(connected.begin(), connected.end(), longest_first);
  std::stable_sort(routed.begin(), routed.end(), longest_first);
  compiled_routes_.clear();
  for (const auto& entry : connected) compiled_routes_.push_back(entry.second);
  for (const auto& entry : routed) compiled_routes_.push_back(entry.second);
}

std::size_t Tables::ServiceKeyHash::operator()(const ServiceKey& key) const noexcept {
  std::uint8_t bytes[20] = {};
  std::copy_n(key.vip.data(), key.vip.size(), bytes);
  bytes[16] = static_cast<std::uint8_t>(key.port >> 8);
  bytes[17] = static_cast<std::uint8_t>(key.port);
  bytes[18] = key.protocol;
  bytes[19] = static_cast<std::uint8_t>(key.vip.family());
  return static_cast<std::size_t>(sched::xxhash64(std::span<const std::uint8_t>(bytes), 0));
}

std::optional<ServiceId> Tables::find_service(std::uint8_t protocol, const net::IpAddress& vip,
                                              std::uint16_t port) const noexcept {
  const auto it = service_index_.find(ServiceKey{vip, port, protocol});
  if (it == service_index_.end()) return std::nullopt;
  return it->second;
}

bool Tables::is_vip(const net::IpAddress& address) const noexcept {
  return std::find(vips_.begin(), vips_.end(), address) != vips_.end();
}

bool Tables::is_own_address(const net::IpAddress& address) const noexcept {
  for (const Port& p : ports_) {
    for (const net::Prefix& prefix : p.addresses) {
      if (prefix.address == address) return true;
    }
  }
  return std::find(snat_addresses_.begin(), snat_addresses_.end(), address) !=
         snat_addresses_.end();
}

std::optional<net::IpAddress> Tables::port_address(PortId port,
                                                   net::Family family) const noexcept {
  if (port >= ports_.size()) return std::nullopt;
  for (const net::Prefix& prefix : ports_[port].addresses) {
    if (prefix.address.family() == family) return prefix.address;
  }
  return std::nullopt;
}

std::optional<NextHop> Tables::next_hop(const net::IpAddress& destination) const noexcept {
  std::uint64_t words[2];
  load_words(destination, words);
  for (const CompiledRoute& route : compiled_routes_) {
    if (route.family != destination.family()) continue;
    if (((words[0] & route.mask[0]) ^ route.network[0]) != 0) continue;
    if (((words[1] & route.mask[1]) ^ route.network[1]) != 0) continue;
    return NextHop{route.port, route.connected ? destination : route.via};
  }
  return std::nullopt;
}

std::optional<PortId> Tables::answering_port(const net::IpAddress& address) const noexcept {
  if (!is_own_address(address) && !is_vip(address)) return std::nullopt;
  const auto hop = next_hop(address);
  if (!hop || hop->gateway != address) return std::nullopt;  // not on a connected subnet
  return hop->port;
}

}  // namespace sluice::pipeline
