#include "tests/bench/frame_pool.hpp"

#include <cstring>

namespace sluice::bench {

namespace {
constexpr std::uint32_t kHeadroom = packet::PacketBuffer::kRequiredHeadroom;
}  // namespace

FramePool::FramePool(std::uint32_t rx_slots, std::uint32_t tx_buffers)
    : rx_memory_(std::size_t{rx_slots} * kBufferSize),
      rx_slots_(rx_slots),
      tx_memory_(std::size_t{tx_buffers} * kBufferSize) {
  free_.reserve(tx_buffers);
  for (std::uint32_t i = 0; i < tx_buffers; ++i) {
    free_.push_back(tx_memory_.data() + std::size_t{i} * kBufferSize);
  }
}

pipeline::Frame FramePool::receive(std::span<const std::uint8_t> bytes) noexcept {
  std::uint8_t* base = rx_memory_.data() + std::size_t{next_rx_} * kBufferSize;
  next_rx_ = next_rx_ + 1 == rx_slots_ ? 0 : next_rx_ + 1;
  // A template that does not fit becomes an empty frame: the worker drops it and the
  // benchmark reports the drop, rather than anything writing past the buffer.
  const std::size_t length = bytes.size() <= kBufferSize - kHeadroom ? bytes.size() : 0;
  std::memcpy(base + kHeadroom, bytes.data(), length);
  pipeline::Frame frame;
  frame.buffer = packet::PacketBuffer(base, kBufferSize, kHeadroom,
                                      static_cast<std::uint32_t>(length));
  frame.handle = nullptr;  // a receive slot: reused by position, never freed
  return frame;
}

std::optional<pipeline::Frame> FramePool::allocate() noexcept {
  if (free_.empty()) return std::nullopt;
  std::uint8_t* base = free_.back();
  free_.pop_back();
  pipeline::Frame frame;
  frame.buffer = packet::PacketBuffer(base, kBufferSize, kHeadroom, 0);
  frame.handle = base;
  return frame;
}

void FramePool::give_back(const pipeline::Frame& frame) noexcept {
  if (frame.handle != nullptr) free_.push_back(static_cast<std::uint8_t*>(frame.handle));
}

void FramePool::transmit(pipeline::PortId /*port*/, pipeline::Frame frame) noexcept {
  ++originated_;
  give_back(frame);
}

void FramePool::release(pipeline::Frame frame) noexcept { give_back(frame); }

}  // namespace sluice::bench
