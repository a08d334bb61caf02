#include "control/runtime/stats_summary.hpp"

#include <fmt/format.h>

#include "dataplane/insertion/decision.hpp"

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
  const auto add = [&line](std::string_view name, std::uint64_t count) {
    if (count == 0) return;
    if (!line.empty()) line += ", ";
    line += fmt::format("{} {}", name, count);
  };
  for (std::size_t i = 0; i < total.parse_drops.size(); ++i) {
    const auto reason = static_cast<packet::DropReason>(i);
    if (reason == packet::DropReason::kNone) continue;
    add(fmt::format("parse:{}", packet::drop_reason_name(reason)), total.parse_drops[i]);
  }
  for (std::size_t i = 0; i < total.pipeline_drops.size(); ++i) {
    add(pipeline::pipeline_drop_name(static_cast<pipeline::PipelineDrop>(i)),
        total.pipeline_drops[i]);
  }
  for (std::size_t i = 1; i < total.insertion_drops.size(); ++i) {
    const auto reason = static_cast<insertion::InsertionDrop>(i);
    add(fmt::format("tcp_{}", insertion::to_string(reason)), total.insertion_drops[i]);
  }
  return line;
}

}  // namespace sluice::runtime
