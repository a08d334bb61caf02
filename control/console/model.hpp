#pragma once
// What the operator console reads and changes, as plain values (spec cli-console.md,
// "Console"). ConsoleCommands talks only to this interface, so the interpreter is tested with a
// fake model and `sluice run` plugs in the datapath-backed one (datapath_model.hpp).
//
// Every call is made from the control thread; implementations need no locking of their own.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/common.h>

#include "dataplane/pipeline/counters.hpp"

namespace sluice::console {

struct VersionView {
  std::string version;  // "0.1.0"
  std::string build;    // "debugoptimized gcc 12.2.0"
  std::string mode;     // datapath mode: "dpdk" or "xdp"
};

struct InterfaceView {
  std::string name;
  std::string mac;                     // "02:00:00:00:00:01"
  std::vector<std::string> addresses;  // CIDR, host bits kept: "10.0.0.1/24"
  bool link_up = false;
  std::uint64_t rx_packets = 0;
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_packets = 0;
  std::uint64_t tx_bytes = 0;
  std::uint64_t drops = 0;  // NIC-level: missed + rx errors + tx errors + no mbuf
};

// Flow counts that the datapath does not track yet are nullopt: shown as "-" in tables and
// null in JSON, never as an invented 0.
struct ServiceView {
  std::string name;
  std::string vip;             // "192.0.2.10:80", "[2001:db8::10]:443"
  std::string protocol;        // "tcp" / "udp"
  std::string scheduler;       // configuration spelling: "maglev", "rr", ...
  std::string proxy_protocol;  // "v1", "v2" or "none"
  std::uint32_t backends_up = 0;
  std::uint32_t backends_total = 0;
  std::optional<std::uint64_t> active;
};

struct BackendView {
  std::string address;  // "10.1.0.1:8080"
  std::uint16_t weight = 0;
  std::string state;    // "up", "down" or "disabled"
  std::optional<std::uint64_t> active;
  std::optional<std::uint64_t> total;
};

// One conntrack entry (spec cli-console.md, `show conntrack`).
struct FlowView {
  std::string proto;    // "tcp" / "udp"
  std::string client;   // "ip:port", "[ip]:port"
  std::string vip;
  std::string local;    // the SNAT address and port
  std::string backend;
  std::string state;    // "ESTABLISHED", ... ("UDP" for UDP flows)
  std::string pp;       // "pending", "sent", "acked" or "none" (no header for this service)
  std::string service;
  double age_s = 0;
};

struct NeighborView {
  std::string address;
  std::string mac;
  std::string interface;
  std::string kind;  // "static" or "dynamic"
  double age_s = 0;  // since learnt (0 for static)
};

struct RouteView {
  std::string prefix;     // "10.20.0.0/24", "0.0.0.0/0"
  std::string via;        // "" for a connected subnet
  std::string interface;  // the interface the next hop is on ("" when unresolvable)
  std::string kind;       // "connected" or "static"
};

// The outcome of a command that changes state: empty error = done, message for the operator.
struct ChangeResult {
  std::string error;    // non-empty: nothing changed, this says why
  std::string message;  // what was done (one or more lines, without "error: ")
};

struct StatsView {
  pipeline::WorkerCounters total;
  std::vector<pipeline::WorkerCounters> workers;  // index = worker number
};

class ConsoleModel {
 public:
  virtual ~ConsoleModel() = default;

  virtual VersionView version() const = 0;
  virtual std::vector<InterfaceView> interfaces() const = 0;
  virtual std::vector<ServiceView> services() const = 0;
  // The backends of one service in configuration order; nullopt when no service has that name.
  virtual std::optional<std::vector<BackendView>> backends(std::string_view service) const = 0;
  virtual StatsView stats() const = 0;
  virtual void set_log_level(spdlog::level::level_enum level) = 0;

  // Flows of one service (nullopt when no service has that name) or all, at most `limit`.
  virtual std::optional<std::vector<FlowView>> conntrack(std::optional<std::string_view> service,
                                                         std::size_t limit) = 0;
  virtual std::vector<NeighborView> neighbors() = 0;
  virtual std::vector<RouteView> routes() const = 0;

  virtual ChangeResult set_backend_enabled(std::string_view service, std::string_view backend,
                                           bool enabled) = 0;
  virtual ChangeResult set_backend_weight(std::string_view service, std::string_view backend,
                                          std::uint32_t weight) = 0;
  virtual ChangeResult flush_conntrack(std::optional<std::string_view> service) = 0;
  virtual ChangeResult reload() = 0;
};

}  // namespace sluice::console
