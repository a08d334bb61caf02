#include "dataplane/dpdk/mbuf_frame_io.hpp"

#include <rte_ethdev.h>
#include <rte_mbuf.h>

namespace sluice::dpdk {

MbufFrameIo::MbufFrameIo(rte_mempool* pool, std::vector<TxLane> lanes,
                         ShellCounters& counters) noexcept
    : pool_(pool), lanes_(std::move(lanes)), counters_(counters) {}

pipeline::Frame MbufFrameIo::frame_of(rte_mbuf* mbuf) noexcept {
  return pipeline::Frame{
      packet::PacketBuffer(static_cast<std::uint8_t*>(mbuf->buf_addr), mbuf->buf_len,
                           mbuf->data_off, mbuf->data_len),
      mbuf};
}

rte_mbuf* MbufFrameIo::commit(const pipeline::Frame& frame) noexcept {
  auto* mbuf = static_cast<rte_mbuf*>(frame.handle);
  // The pipeline only moves data inside the buffer, so both fit the mbuf's 16-bit fields.
  mbuf->data_off = static_cast<std::uint16_t>(frame.buffer.data_offset());
  mbuf->data_len = static_cast<std::uint16_t>(frame.buffer.length());
  mbuf->pkt_len = frame.buffer.length();
  // Checksums are final in the bytes: no TX offload is requested for any frame.
  mbuf->ol_flags = 0;
  return mbuf;
}

std::optional<pipeline::Frame> MbufFrameIo::allocate() noexcept {
  rte_mbuf* mbuf = rte_pktmbuf_alloc(pool_);
  if (mbuf == nullptr) return std::nullopt;
  return frame_of(mbuf);
}

void MbufFrameIo::transmit(pipeline::PortId port, pipeline::Frame frame) noexcept {
  rte_mbuf* mbuf = commit(frame);
  if (port >= lanes_.size() || lanes_[port].buffer == nullptr) {
    ++counters_.tx_no_queue;
    rte_pktmbuf_free(mbuf);
    return;
  }
  const TxLane& lane = lanes_[port];
  // Unsent frames of a full flush are freed and counted by the buffer's error callback.
  rte_eth_tx_buffer(lane.dpdk_port, lane.queue, lane.buffer, mbuf);
}

void MbufFrameIo::release(pipeline::Frame frame) noexcept {
  rte_pktmbuf_free(static_cast<rte_mbuf*>(frame.handle));
}

void MbufFrameIo::flush() noexcept {
  for (const TxLane& lane : lanes_) {
    if (lane.buffer != nullptr) rte_eth_tx_buffer_flush(lane.dpdk_port, lane.queue, lane.buffer);
  }
}

}  // namespace sluice::dpdk
