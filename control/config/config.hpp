#pragma once
// The appliance configuration as the rest of the program sees it: plain, already validated
// values with the defaults of the spec applied (spec: ../shared/spec/config.md, user guide:
// docs/configuration.md). Closed sets are enums, addresses are sluice::net types.
//
// A Config is only ever handed out as std::shared_ptr<const Config> (see load.hpp): once built
// it is never modified, so the control thread can publish a new snapshot on reload while
// readers keep the one they hold.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/net/address.hpp"

namespace sluice::config {

enum class Mode : std::uint8_t { kDpdk, kXdp };
enum class LogLevel : std::uint8_t { kTrace, kDebug, kInfo, kWarn, kError };
enum class XdpAttach : std::uint8_t { kNative, kGeneric };
enum class Protocol : std::uint8_t { kTcp, kUdp };
enum class Scheduler : std::uint8_t {
  kRoundRobin,          // "rr"
  kWeightedRoundRobin,  // "wrr"
  kMaglev,              // "maglev"
  kSourceHash,          // "source-hash"
  kLeastConn,           // "least-conn"
};
enum class ProxyVersion : std::uint8_t { kV1 = 1, kV2 = 2 };
// When a TCP header is sent (spec proxy-protocol.md, "TCP, send = ...").
enum class ProxySend : std::uint8_t { kOnConnect, kWithData };
// Which UDP datagrams carry a header (spec proxy-protocol.md, "UDP").
enum class ProxyUdp : std::uint8_t { kEveryDatagram, kFirstDatagram };
// The TLVs a service may ask for by name (PP2_TYPE_CRC32C, _UNIQUE_ID, _AUTHORITY, _NOOP).
enum class ProxyTlv : std::uint8_t { kCrc32c, kUniqueId, kAuthority, kNoop };
enum class HealthKind : std::uint8_t { kTcp, kHttp };
// `[[services]] syn_proxy` (docs/syn-proxy.md): when a TCP service's opening SYNs are answered
// with a SYN cookie.
enum class SynProxy : std::uint8_t {
  kAuto,  // while the worker holds half of max_embryonic embryonic flows (the default)
  kOn,    // always
  kOff,   // never; an ACK without a flow is an unknown flow
};

struct Appliance {
  Mode mode = Mode::kDpdk;
  LogLevel log_level = LogLevel::kInfo;
};

struct Dpdk {
  std::uint32_t workers = 1;
  std::vector<std::string> eal_args;  // handed to rte_eal_init verbatim
  std::uint32_t idle_sleep_us = 0;    // 0 = pure busy poll
  std::uint16_t burst = 32;
  // While running, sluice keeps the kernel off the ports it reads through a kernel-visible
  // vdev (net_af_packet, net_pcap iface=): docs/dpdk.md "The kernel stand-off".
  bool kernel_standoff = true;
};

struct Xdp {
  XdpAttach attach = XdpAttach::kNative;
  // While running, sluice sets what the XDP path needs of the kernel on its devices (no ARP
  // answers, no link-local address, no receive coalescing): docs/xdp.md "The kernel's part".
  bool kernel_standoff = true;
};

struct Console {
  // nullopt: the console is disabled (listen = "").
  std::optional<net::Endpoint> listen = net::Endpoint{net::IpAddress::v4({127, 0, 0, 1}), 7070};
  std::string password;  // empty: no password (only allowed on loopback listeners)
};

struct Metrics {
  std::optional<net::Endpoint> listen;  // nullopt: no metrics endpoint
};

struct ConntrackTimeouts {
  std::uint32_t tcp_syn_s = 30;
  std::uint32_t tcp_established_s = 7200;
  std::uint32_t tcp_closing_s = 60;  // FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT
  std::uint32_t udp_s = 60;
  // An embryonic flow created while its worker is under pressure (docs/conntrack-limits.md):
  // the SYN timeout it gets instead of tcp_syn_s (never longer than tcp_syn_s).
  std::uint32_t tcp_syn_pressure_s = 3;

  friend bool operator==(const ConntrackTimeouts&, const ConntrackTimeouts&) = default;
};

struct Conntrack {
  std::uint32_t max_entries = 1048576;
  ConntrackTimeouts timeouts;
  // Local ports of full-NAT flows towards backends (inclusive); above them the host's own
  // connections (health probes) use 64512-65535 (docs/health.md).
  std::uint16_t snat_port_first = 1024;
  std::uint16_t snat_port_last = 64511;
  // Embryonic (SYN_SENT, SYN_RECV) TCP flows one worker (one CPU in xdp mode) may hold; the
  // oldest is reclaimed for a new one (dataplane/shared/embryonic.h).
  std::uint32_t max_embryonic = 16384;
  // The SYN cookies' SipHash key (dataplane/shared/syn_cookie.h), from 32 hex digits: k0 the
  // first 16, k1 the last 16, each big-endian. nullopt: a random key from getrandom at start
  // (the cookies of a previous run then fail). Restart-only, like all of [conntrack].
  std::optional<std::array<std::uint64_t, 2>> syn_cookie_secret;

  friend bool operator==(const Conntrack&, const Conntrack&) = default;
};

struct Interface {
  std::string name;
  std::string dpdk;                    // vdev devargs or PCI address; empty when not configured
  std::string kernel;                  // kernel interface name for XDP; empty when not configured
  std::vector<net::Prefix> addresses;  // the appliance's own addresses, host bits kept
  std::uint16_t mtu = 1500;

  bool has_family(net::Family family) const noexcept;
  friend bool operator==(const Interface&, const Interface&) = default;
};

struct Route {
  net::Prefix prefix;  // host bits are zero (validated)
  net::IpAddress via;  // same family as prefix, on a connected subnet (validated)
};

struct Neighbor {
  net::IpAddress address;
  net::MacAddress mac;
  std::string interface;  // names an entry of Config::interfaces (validated)
};

struct ProxyCustomTlv {
  std::uint8_t type = 0xE0;  // 0xE0..0xEF, PP2_TYPE_MIN_CUSTOM..PP2_TYPE_MAX_CUSTOM
  std::vector<std::uint8_t> value;

  friend bool operator==(const ProxyCustomTlv&, const ProxyCustomTlv&) = default;
};

struct ProxyProtocol {
  ProxyVersion version = ProxyVersion::kV2;
  ProxySend send = ProxySend::kOnConnect;
  std::vector<ProxyTlv> tlvs;          // in configuration order, no duplicates; v2 only
  std::string authority;               // non-empty exactly when tlvs lists kAuthority
  std::vector<ProxyCustomTlv> custom;  // v2 only, distinct types
  ProxyUdp udp = ProxyUdp::kEveryDatagram;

  bool has_tlv(ProxyTlv tlv) const noexcept;
};

struct HealthCheck {
  HealthKind kind = HealthKind::kTcp;
  std::uint32_t interval_ms = 1000;
  std::uint32_t timeout_ms = 500;  // <= interval_ms (validated)
  std::uint8_t rise = 2;
  std::uint8_t fall = 3;
  std::string path = "/";  // meaningful for kHttp only
  bool send_proxy = true;
};

struct Backend {
  net::IpAddress address;
  std::uint16_t port = 0;
  std::uint16_t weight = 1;  // 0 = drain: no new flows

  net::Endpoint endpoint() const { return {address, port}; }
};

// The local addresses towards backends, one per family; resolved at load time from the
// service's `snat` list or, for a family it does not list, from the interface that reaches the
// backends. Every family used by the service's backends has one.
struct Snat {
  std::optional<net::IpAddress> v4;
  std::optional<net::IpAddress> v6;

  const std::optional<net::IpAddress>& for_family(net::Family family) const noexcept {
    return family == net::Family::kIpv4 ? v4 : v6;
  }
};

struct Service {
  std::string name;
  net::IpAddress vip;
  std::uint16_t port = 0;
  Protocol protocol = Protocol::kTcp;
  Scheduler scheduler = Scheduler::kMaglev;
  SynProxy syn_proxy = SynProxy::kAuto;  // TCP services; reloads live
  Snat snat;
  std::optional<ProxyProtocol> proxy_protocol;  // nullopt: no header
  std::optional<HealthCheck> health;            // nullopt: backends are always up
  std::vector<Backend> backends;                // at least one, distinct address:port

  net::Endpoint vip_endpoint() const { return {vip, port}; }
};

struct Config {
  std::string source_path;  // the file it was read from (for reload and messages)
  Appliance appliance;
  Dpdk dpdk;
  Xdp xdp;
  Console console;
  Metrics metrics;
  Conntrack conntrack;
  std::vector<Interface> interfaces;  // at least one, distinct names
  std::vector<Route> routes;
  std::vector<Neighbor> neighbors;
  std::vector<Service> services;  // distinct names and VIP:port:protocol triples

  const Interface* find_interface(std::string_view name) const noexcept;
  const Service* find_service(std::string_view name) const noexcept;
};

}  // namespace sluice::config
