#pragma once
// The worker's read-only view of the configuration: ports, services with their backend sets
// and PROXY plans, neighbours, routes and limits. Built by the control thread off the hot path
// (control/datapath/compile_tables.cpp) and handed to workers as an immutable snapshot; a
// worker never modifies it. Lookups used per new flow are hash lookups; established flows carry
// indices into these tables in their conntrack entry.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "dataplane/insertion/decision.hpp"
#include "dataplane/net/address.hpp"
#include "dataplane/sched/backend_set.hpp"
#include "dataplane/shared/pp2.h"
#include "dataplane/shared/syn_proxy.h"

namespace sluice::pipeline {

using PortId = std::uint16_t;
inline constexpr PortId kNoPort = 0xFFFF;
using ServiceId = std::uint16_t;
// Ids 0..kMaxServiceIds-1; retired services keep theirs (Service::retired).
inline constexpr std::size_t kMaxServiceIds = 0xFFFF;

inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;

struct Port {
  std::string name;
  net::MacAddress mac;                 // from the NIC (the shell fills it in)
  std::uint16_t mtu = 1500;            // the largest IP packet sent on this link
  std::vector<net::Prefix> addresses;  // the appliance's own addresses on this link
};

// What a service sends to its backends (spec proxy-protocol.md). The template holds everything
// that is the same for every connection; the per-connection part is the client's and VIP's
// addresses and the unique id.
struct ProxyPlan {
  pp2_template header_template{};
  insertion::InsertionMode tcp_mode = insertion::InsertionMode::kOnConnect;
  bool udp_every_datagram = true;
  bool unique_id = false;
  // H depends on the connection (v1 spells addresses in text): pp2_header_len() per flow.
};

// `[[services]] syn_proxy` (docs/syn-proxy.md): the values of dataplane/shared/syn_proxy.h.
enum class SynProxyMode : std::uint8_t {
  kOff = SL_SP_MODE_OFF,    // never: an ACK without a flow is an unknown flow
  kOn = SL_SP_MODE_ON,      // every opening SYN is answered with a cookie
  kAuto = SL_SP_MODE_AUTO,  // while the worker is under embryonic pressure (embryonic.h)
};

struct Service {
  std::string name;
  net::Endpoint vip;
  std::uint8_t protocol = kProtoTcp;   // IANA number
  std::shared_ptr<const sched::BackendSet> backends;
  std::optional<net::IpAddress> snat_v4;
  std::optional<net::IpAddress> snat_v6;
  std::optional<ProxyPlan> proxy;      // nullopt: pure full-NAT
  // TCP only; reloads live (a flow proxied before keeps its translations).
  SynProxyMode syn_proxy = SynProxyMode::kAuto;
  // A service that a reload removed or changed in a way its live flows cannot follow (VIP,
  // protocol, SNAT or PROXY settings): it keeps its id and data so those flows finish as they
  // began, but takes no new flow (find_service() skips it). docs/reload.md.
  bool retired = false;

  const std::optional<net::IpAddress>& snat_for(net::Family family) const noexcept {
    return family == net::Family::kIpv4 ? snat_v4 : snat_v6;
  }
};

struct StaticNeighbor {
  net::IpAddress address;
  net::MacAddress mac;
  PortId port = kNoPort;
};

struct Route {
  net::Prefix prefix;
  net::IpAddress via;
};

struct Limits {
  std::uint32_t max_entries = 1048576;
  std::uint64_t tcp_syn_timeout_ns = 30'000'000'000ULL;
  std::uint64_t tcp_established_timeout_ns = 7200'000'000'000ULL;
  std::uint64_t tcp_closing_timeout_ns = 60'000'000'000ULL;
  std::uint64_t udp_timeout_ns = 60'000'000'000ULL;
  // Bounded embryonic state (dataplane/shared/embryonic.h): the per-worker cap on SYN_SENT and
  // SYN_RECV flows and their timeout when created under pressure.
  std::uint32_t max_embryonic = 16384;
  std::uint64_t tcp_syn_pressure_timeout_ns = 3'000'000'000ULL;
  // Local ports of SNAT flows, and above them the ports the host's own connections (health
  // probes) use through the exception path; the two never overlap, so a probe's answer can
  // never be mistaken for a flow's (docs/health.md).
  std::uint16_t snat_port_first = 1024;
  std::uint16_t snat_port_last = 64511;
  std::uint16_t host_port_first = 64512;
  std::uint16_t host_port_last = 65535;
};

// Where a packet to an address leaves: the port and the on-link next hop.
struct NextHop {
  PortId port = kNoPort;
  net::IpAddress gateway;  // the destination itself when on a connected subnet
};

class Tables {
 public:
  Tables(std::vector<Port> ports, std::vector<Service> services,
         std::vector<StaticNeighbor> neighbors, std::vector<Route> routes, Limits limits);

  const std::vector<Port>& ports() const noexcept { return ports_; }
  const Port& port(PortId id) const noexcept { return ports_[id]; }
  const std::vector<Service>& services() const noexcept { return services_; }
  const Service& service(ServiceId id) const noexcept { return services_[id]; }
  const std::vector<StaticNeighbor>& static_neighbors() const noexcept { return neighbors_; }
  const std::vector<Route>& routes() const noexcept { return routes_; }
  const Limits& limits() const noexcept { return limits_; }

  // Services that take new flows, in id order, skip retired ones (see Service::retired).
  std::optional<ServiceId> find_service(std::uint8_t protocol, const net::IpAddress& vip,
                                        std::uint16_t port) const noexcept;
  // True for a VIP of any service (any port or protocol).
  bool is_vip(const net::IpAddress& address) const noexcept;
  // True for an interface address or a SNAT address of a service.
  bool is_own_address(const net::IpAddress& address) const noexcept;
  // The interface address of `family` on `port`, for ICMP errors and NDP/ARP requests.
  std::optional<net::IpAddress> port_address(PortId port, net::Family family) const noexcept;
  // Connected subnets first (longest prefix), then configured routes (longest prefix).
  std::optional<NextHop> next_hop(const net::IpAddress& destination) const noexcept;
  // The port that answers ARP/NDP for an address we own (own, VIP or SNAT): its subnet's port.
  std::optional<PortId> answering_port(const net::IpAddress& address) const noexcept;

 private:
  struct ServiceKey {
    net::IpAddress vip;
    std::uint16_t port;
    std::uint8_t protocol;
    friend bool operator==(const ServiceKey&, const ServiceKey&) = default;
  };
  struct ServiceKeyHash {
    std::size_t operator()(const ServiceKey& key) const noexcept;
  };

  std::vector<Port> ports_;
  std::vector<Service> services_;
  std::vector<StaticNeighbor> neighbors_;
  std::vector<Route> routes_;
  Limits limits_;
  std::unordered_map<ServiceKey, ServiceId, ServiceKeyHash> service_index_;
  std::vector<net::IpAddress> vips_;
  std::vector<net::IpAddress> snat_addresses_;

  // next_hop()'s table, compiled once: connected subnets then routes, each group longest
  // prefix first (stable: the first configured wins a tie, as the scan it replaces did), with
  // the route's outgoing port resolved. A lookup is the first entry that matches: two masked
  // 64-bit compares each, instead of scanning every prefix byte-wise twice per new flow.
  struct CompiledRoute {
    std::uint64_t network[2];  // big-endian words of the prefix address, masked
    std::uint64_t mask[2];
    net::Family family;
    bool connected;            // the destination itself is the next hop
    PortId port;
    net::IpAddress via;        // for routes
  };
  void compile_routes();
  std::vector<CompiledRoute> compiled_routes_;
};

}  // namespace sluice::pipeline
