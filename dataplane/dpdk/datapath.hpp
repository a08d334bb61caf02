#pragma once
// DpdkDatapath: the thin DPDK shell around the pure pipeline (docs/dpdk.md).
//
//   DpdkDatapath datapath(settings);          // rte_eal_init + find the ports   (throws DpdkError)
//   auto tables = tables_from_config(config, datapath.port_macs());
//   datapath.start(tables, instance_id);      // pool, queues, rings, worker lcores
//   ... datapath.snapshot_stats() from the control thread, any time ...
//   datapath.stop();                          // workers joined, ports stopped and closed
//   // the destructor runs rte_eal_cleanup()
//
// Only the control thread (the EAL main lcore) calls these. One instance per process: EAL
// cannot be initialised twice.
#include <atomic>
#include <functional>
#include <optional>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/dpdk/eal_plan.hpp"
#include "dataplane/dpdk/port.hpp"
#include "dataplane/dpdk/shell_counters.hpp"
#include "dataplane/dpdk/tsc_clock.hpp"
#include "dataplane/dpdk/worker_loop.hpp"
#include "dataplane/net/address.hpp"
#include "dataplane/pipeline/counters.hpp"
#include "dataplane/pipeline/inspect.hpp"
#include "dataplane/pipeline/steering.hpp"
#include "dataplane/pipeline/tables.hpp"

struct rte_mempool;
struct rte_ring;
struct rte_eth_dev_tx_buffer;

namespace sluice::dpdk {

struct InterfaceSettings {
  std::string name;
  std::string dpdk;  // devargs or PCI address
  std::uint16_t mtu = 1500;
  // The kernel netdev the vdev reads from (net_af_packet, net_pcap on an interface), empty for
  // the others: its carrier is part of the port's link state (kernel_link.hpp).
  std::string kernel_device;
};

struct DatapathSettings {
  std::uint32_t workers = 1;
  std::uint16_t burst = 32;
  std::uint32_t idle_sleep_us = 0;
  std::vector<std::string> eal_args;
  std::vector<InterfaceSettings> interfaces;  // config order = pipeline PortId
  // Rings between the workers and the control thread for the host's own traffic (health
  // probes through a TUN device, docs/health.md).
  bool host_path = false;
};

struct WorkerStats {
  std::uint32_t index = 0;
  unsigned lcore = 0;
  std::uint32_t flows = 0;
  pipeline::WorkerCounters pipeline;
  ShellCounters shell;
};

struct PortStats {
  std::string interface;
  std::uint16_t port_id = 0;
  net::MacAddress mac;
  bool link_up = false;
  std::uint64_t rx_packets = 0, tx_packets = 0, rx_bytes = 0, tx_bytes = 0;
  std::uint64_t rx_missed = 0, rx_errors = 0, tx_errors = 0, rx_no_mbuf = 0;
};

struct StatsSnapshot {
  std::vector<WorkerStats> workers;
  std::vector<PortStats> ports;
  // Sum of the workers' pipeline counters.
  pipeline::WorkerCounters total() const noexcept;
};

class DpdkDatapath {
 public:
  explicit DpdkDatapath(DatapathSettings settings);
  ~DpdkDatapath();
  DpdkDatapath(const DpdkDatapath&) = delete;
  DpdkDatapath& operator=(const DpdkDatapath&) = delete;

  // The NIC MACs in config order (for datapath::tables_from_config).
  std::vector<net::MacAddress> port_macs() const;
  const std::vector<PortInfo>& ports() const noexcept { return ports_; }
  std::uint16_t queues_per_port() const noexcept { return queues_; }

  // Creates the pool, starts the ports and launches one pipeline worker per worker lcore.
  // `syn_cookie_key`: the SYN cookies' secret, the same for every worker (syn_cookie.h).
  void start(std::shared_ptr<const pipeline::Tables> tables, std::uint64_t instance_id,
             sl_syn_cookie_key syn_cookie_key = sl_syn_cookie_key{0, 0});
  bool running() const noexcept { return running_; }
  // Stops the workers (they finish their round and flush), then stops the ports; they are
  // closed by the destructor, so snapshot_stats() still reads their counters in between.
  void stop() noexcept;

  // Lock-free reads of the per-worker counters plus rte_eth_stats_get per port.
  StatsSnapshot snapshot_stats() const;

  // --- The exception path (host_path.cpp), control thread only -------------------------
  // Hands every waiting host-bound frame's IP packet to `sink` (at most `max`); returns how
  // many.
  std::size_t drain_host_packets(const std::function<void(const std::uint8_t*, std::size_t)>& sink,
                                 std::size_t max);
  // Queues an IP packet from the host for worker 0 to route out. False (dropped) when no mbuf
  // or ring room is left, or the packet is larger than an mbuf.
  bool inject_host_packet(const std::uint8_t* ip_packet, std::size_t length);

  // --- Control-plane hand-over (datapath_jobs.cpp): each runs a job on every worker through
  // its mailbox and returns when all are done (a poll round each, longer for big tables).
  // Workers keep forwarding throughout; nothing is locked.

  // The tables the workers run (the last applied).
  std::shared_ptr<const pipeline::Tables> tables() const noexcept { return tables_; }
  // Hands a new snapshot to every worker (reload, backend state changes). The old snapshots
  // come back and are freed here. Precondition (the control plane's): same ports and limits;
  // service ids keep their meaning (retire, never renumber).
  void apply_tables(std::shared_ptr<const pipeline::Tables> tables);
  // Up to `limit` flows, of one service or all, oldest pool slots first per worker.
  std::vector<pipeline::FlowRecord> list_flows(std::optional<pipeline::ServiceId> service,
                                               std::size_t limit);
  // Destroys the flows of one service or all; returns how many.
  std::uint64_t flush_flows(std::optional<pipeline::ServiceId> service);
  // Per-service and per-backend flow counts, summed over the workers.
  pipeline::FlowCounts flow_counts();
  // Every worker's neighbour table, merged (the newest learnt entry of an address wins).
  std::vector<pipeline::NeighborRecord> neighbors();

 private:
  void release_resources() noexcept;
  // Runs the job make_job(context) returns on every worker (inline when they are not
  // running) and waits until each has finished.
  void run_on_workers(const std::function<pipeline::WorkerJob(WorkerContext&)>& make_job);

  DatapathSettings settings_;
  std::vector<DeviceSpec> devices_;
  std::vector<std::string> argv_storage_;  // EAL may keep pointers into argv
  std::vector<char*> argv_;
  std::vector<PortInfo> ports_;
  std::vector<unsigned> worker_lcores_;
  std::uint16_t queues_ = 1;
  bool started_ports_ = false;
  bool closed_ports_ = false;
  bool running_ = false;

  std::shared_ptr<const pipeline::Tables> tables_;
  std::unique_ptr<pipeline::FlowSteering> steering_;
  // Steerings replaced by reloads: a worker may still read one until its job switched it.
  std::vector<std::unique_ptr<pipeline::FlowSteering>> old_steerings_;
  std::unique_ptr<TscClock> clock_;
  rte_mempool* pool_ = nullptr;
  std::vector<rte_ring*> rings_;
  rte_ring* to_host_ = nullptr;
  rte_ring* from_host_ = nullptr;
  std::vector<rte_eth_dev_tx_buffer*> tx_buffers_;
  std::vector<pipeline::PortId> port_of_dpdk_port_;
  std::vector<std::unique_ptr<WorkerContext>> workers_;
  std::atomic<bool> stop_{false};
};

}  // namespace sluice::dpdk
