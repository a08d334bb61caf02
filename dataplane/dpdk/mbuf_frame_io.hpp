#pragma once
// The pipeline's FrameIo over DPDK mbufs for one worker: a Frame is a PacketBuffer over the
// mbuf's buffer (buf_addr, buf_len, data_off, data_len) with the mbuf as handle; transmission
// goes through one rte_eth_dev_tx_buffer per port, flushed when full and by the worker's
// periodic drain. Nothing here allocates, logs or makes a system call per packet.
#include <cstdint>
#include <optional>
#include <vector>

#include "dataplane/dpdk/shell_counters.hpp"
#include "dataplane/pipeline/frame_io.hpp"

struct rte_mbuf;
struct rte_mempool;
struct rte_eth_dev_tx_buffer;

namespace sluice::dpdk {

// One pipeline port as this worker sends on it.
struct TxLane {
  std::uint16_t dpdk_port = 0;
  std::uint16_t queue = 0;
  rte_eth_dev_tx_buffer* buffer = nullptr;  // nullptr: this worker has no TX queue there
};

class MbufFrameIo final : public pipeline::FrameIo {
 public:
  // `lanes` is indexed by pipeline::PortId (config order).
  MbufFrameIo(rte_mempool* pool, std::vector<TxLane> lanes, ShellCounters& counters) noexcept;

  std::optional<pipeline::Frame> allocate() noexcept override;
  void transmit(pipeline::PortId port, pipeline::Frame frame) noexcept override;
  void release(pipeline::Frame frame) noexcept override;

  // Sends whatever the TX buffers hold.
  void flush() noexcept;

  // The Frame view of a received single-segment mbuf.
  static pipeline::Frame frame_of(rte_mbuf* mbuf) noexcept;
  // Writes the frame's offset and length back into its mbuf (data_off, data_len, pkt_len).
  static rte_mbuf* commit(const pipeline::Frame& frame) noexcept;

 private:
  rte_mempool* pool_;
  std::vector<TxLane> lanes_;
  ShellCounters& counters_;
};

}  // namespace sluice::dpdk
