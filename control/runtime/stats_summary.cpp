#include "control/runtime/stats_summary.hpp"

#include <fmt/format.h>

#include "dataplane/pipeline/drop_walk.hpp"

namespace sluice::runtime {

std::string summary_line(const dpdk::StatsSnapshot& snapshot) {
  const pipeline::WorkerCounters total = snapshot.total();
  std::uint64_t steered = 0;
  std::uint64_t shell_drops = 0;
  for (const dpdk::WorkerStats& worker : snapshot.workers) {
    steered += worker.shell.steered_out;
    shell_drops += worker.shell.steer_ring_full + worker.shell.tx_dropped +
                   worker.shell.tx_no_queue + worker.shell.rx_multi_segment +
                   worker.shell.rx_unknown_port;
  }
  std::uint64_t nic_missed = 0;
  for (const dpdk::PortStats& port : snapshot.ports) nic_missed += port.rx_missed + port.rx_no_mbuf;
  return fmt::format(
      "rx {} tx {} dropped {} (shell {}, nic {}) flows {} (active {}) pp_inserted {} steered {}",
      total.rx_packets, total.tx_packets, total.dropped, shell_drops, nic_missed,
      total.flows_created, total.flows_active, total.pp_inserted, steered);
}

std::string summary_line(const datapath::DatapathStats& stats) {
  const pipeline::WorkerCounters total = stats.total();
  return fmt::format("rx {} tx {} dropped {} flows {} (active {}) pp_inserted {}",
                     total.rx_packets, total.tx_packets, total.dropped, total.flows_created,
                     total.flows_active, total.pp_inserted);
}

std::string drop_reasons_line(const pipeline::WorkerCounters& total) {
  std::string line;
  pipeline::for_each_drop(total, [&line](const pipeline::DropCount& drop) {
    if (drop.count == 0) return;
    if (!line.empty()) line += ", ";
    line += fmt::format("{} {}", drop.name(), drop.count);
  });
  return line;
}

}  // namespace sluice::runtime
