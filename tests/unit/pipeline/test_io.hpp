#pragma once
// A FrameIo for tests: frames live in heap buffers with mbuf-like headroom, transmissions are
// recorded in order, and every frame handed out is accounted for (no leak, no double release).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/pipeline/frame_io.hpp"

namespace sluice::testing {

struct SentFrame {
  pipeline::PortId port;
  std::vector<std::uint8_t> bytes;
};

class TestIo final : public pipeline::FrameIo {
 public:
  static constexpr std::uint32_t kCapacity = 4096;

  // A frame holding `bytes` with the standard headroom.
  pipeline::Frame make_frame(const std::vector<std::uint8_t>& bytes);

  std::optional<pipeline::Frame> allocate() noexcept override;
  void transmit(pipeline::PortId port, pipeline::Frame frame) noexcept override;
  void release(pipeline::Frame frame) noexcept override;

  std::vector<SentFrame> take_sent();
  std::size_t live_frames() const noexcept { return live_; }
  std::size_t bad_releases() const noexcept { return bad_releases_; }
  void set_allocation_limit(std::size_t limit) noexcept { allocation_limit_ = limit; }

 private:
  struct Storage {
    std::vector<std::uint8_t> bytes = std::vector<std::uint8_t>(kCapacity);
    bool live = false;
  };
  pipeline::Frame wrap(Storage& storage, std::uint32_t length);
  Storage* storage_of(const pipeline::Frame& frame) noexcept;

  std::vector<std::unique_ptr<Storage>> storages_;
  std::vector<SentFrame> sent_;
  std::size_t live_ = 0;
  std::size_t bad_releases_ = 0;
  std::size_t allocation_limit_ = static_cast<std::size_t>(-1);
};

std::vector<std::uint8_t> from_hex(const std::string& hex);
std::string to_hex(const std::vector<std::uint8_t>& bytes);

}  // namespace sluice::testing
