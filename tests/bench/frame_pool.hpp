#pragma once
// The benchmarks' packet memory, shaped like a DPDK mempool of mbufs: fixed-size buffers
// allocated once, handed out and taken back through a free list, never per packet.
//
// Received frames come from a ring of `rx_slots` buffers that is reused round-robin (what an
// RX descriptor ring does); each packet's bytes are reset from a template with one memcpy,
// whose cost bench_pipeline measures on its own (BM_FrameReset) so it can be subtracted.
// Frames the worker originates (header segments, RSTs, ARP) come from a separate free list;
// transmitting or releasing one puts it back.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dataplane/pipeline/frame_io.hpp"

namespace sluice::bench {

class FramePool final : public pipeline::FrameIo {
 public:
  static constexpr std::uint32_t kBufferSize = 2048;  // RTE_MBUF_DEFAULT_BUF_SIZE minus slack

  FramePool(std::uint32_t rx_slots, std::uint32_t tx_buffers);

  // The next receive buffer holding a copy of `bytes` at the standard headroom.
  pipeline::Frame receive(std::span<const std::uint8_t> bytes) noexcept;

  std::optional<pipeline::Frame> allocate() noexcept override;
  void transmit(pipeline::PortId port, pipeline::Frame frame) noexcept override;
  void release(pipeline::Frame frame) noexcept override;

  // Frames the worker originated and transmitted (header segments, RSTs, requests).
  std::uint64_t originated() const noexcept { return originated_; }
  std::size_t free_tx_buffers() const noexcept { return free_.size(); }

 private:
  void give_back(const pipeline::Frame& frame) noexcept;

  std::vector<std::uint8_t> rx_memory_;
  std::uint32_t rx_slots_;
  std::uint32_t next_rx_ = 0;
  std::vector<std::uint8_t> tx_memory_;
  std::vector<std::uint8_t*> free_;  // capacity reserved up front: push_back never allocates
  std::uint64_t originated_ = 0;
};

}  // namespace sluice::bench
