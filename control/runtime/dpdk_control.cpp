#include "control/runtime/dpdk_control.hpp"

namespace sluice::runtime {

datapath::DatapathStats DpdkControl::stats() const {
  const dpdk::StatsSnapshot snapshot = datapath_.snapshot_stats();
  datapath::DatapathStats stats;
  for (const dpdk::WorkerStats& worker : snapshot.workers) stats.workers.push_back(worker.pipeline);
  for (const dpdk::PortStats& port : snapshot.ports) {
    stats.interfaces.push_back({port.interface, port.mac, port.link_up, port.rx_packets,
                                port.rx_bytes, port.tx_packets, port.tx_bytes,
                                port.rx_missed + port.rx_errors + port.tx_errors +
                                    port.rx_no_mbuf});
  }
  return stats;
}

}  // namespace sluice::runtime
