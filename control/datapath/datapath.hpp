#pragma once
// What the control thread needs of a running datapath, whichever it is (DPDK workers or XDP
// programs): counters, the tables it runs, new tables for reloads and backend changes, and
// the flow/neighbour listings of the console. The DPDK adapter lives in control/runtime; the
// XDP loader implements the same interface, so the console, health checks, reload and metrics
// are written once.
//
// Every call comes from the control thread. Calls that reach into the datapath (apply,
// listings, flush) return when done; workers keep forwarding meanwhile.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/net/address.hpp"
#include "dataplane/pipeline/counters.hpp"
#include "dataplane/pipeline/inspect.hpp"
#include "dataplane/pipeline/tables.hpp"

namespace sluice::datapath {

struct InterfaceStats {
  std::string name;  // the configured interface name
  net::MacAddress mac;
  bool link_up = false;
  std::uint64_t rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0;
  std::uint64_t drops = 0;  // NIC-level: missed + errors + no buffer
};

struct DatapathStats {
  std::vector<pipeline::WorkerCounters> workers;  // per worker (DPDK) or per CPU (XDP)
  std::vector<InterfaceStats> interfaces;          // config order
  pipeline::WorkerCounters total() const noexcept {
    pipeline::WorkerCounters sum;
    for (const pipeline::WorkerCounters& worker : workers) sum += worker;
    return sum;
  }
};

class Datapath {
 public:
  virtual ~Datapath() = default;

  virtual std::string_view mode() const noexcept = 0;  // "dpdk" or "xdp"
  virtual DatapathStats stats() const = 0;

  virtual std::shared_ptr<const pipeline::Tables> tables() const = 0;
  // Precondition: same ports and limits as the running tables, service ids keep their meaning
  // (tables_from_config with `previous` guarantees both).
  virtual void apply_tables(std::shared_ptr<const pipeline::Tables> tables) = 0;

  virtual std::vector<pipeline::FlowRecord> list_flows(std::optional<pipeline::ServiceId> service,
                                                       std::size_t limit) = 0;
  // How many flows were dropped; nullopt when this datapath can only flush every flow and a
  // service was named.
  virtual std::optional<std::uint64_t> flush_flows(std::optional<pipeline::ServiceId> service) = 0;
  virtual pipeline::FlowCounts flow_counts() = 0;
  virtual std::vector<pipeline::NeighborRecord> neighbors() = 0;

  // Called by the control thread about once a second (the XDP path sweeps idle flows here).
  virtual void tick() {}
};

}  // namespace sluice::datapath
