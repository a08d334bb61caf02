#include "tests/unit/pipeline/test_io.hpp"

#include <cstring>
#include <stdexcept>

namespace sluice::testing {

pipeline::Frame TestIo::wrap(Storage& storage, std::uint32_t length) {
  storage.live = true;
  ++live_;
  pipeline::Frame frame;
  frame.buffer = packet::PacketBuffer(storage.bytes.data(), kCapacity,
                                      packet::PacketBuffer::kRequiredHeadroom, length);
  frame.handle = &storage;
  return frame;
}

pipeline::Frame TestIo::make_frame(const std::vector<std::uint8_t>& bytes) {
  storages_.push_back(std::make_unique<Storage>());
  Storage& storage = *storages_.back();
  if (!bytes.empty()) {
    std::memcpy(storage.bytes.data() + packet::PacketBuffer::kRequiredHeadroom, bytes.data(),
                bytes.size());
  }
  return wrap(storage, static_cast<std::uint32_t>(bytes.size()));
}

std::optional<pipeline::Frame> TestIo::allocate() noexcept {
  if (allocation_limit_ == 0) return std::nullopt;
  --allocation_limit_;
  storages_.push_back(std::make_unique<Storage>());
  return wrap(*storages_.back(), 0);
}

TestIo::Storage* TestIo::storage_of(const pipeline::Frame& frame) noexcept {
  auto* storage = static_cast<Storage*>(frame.handle);
  if (storage == nullptr || !storage->live) {
    ++bad_releases_;
    return nullptr;
  }
  return storage;
}

void TestIo::transmit(pipeline::PortId port, pipeline::Frame frame) noexcept {
  Storage* storage = storage_of(frame);
  if (storage == nullptr) return;
  sent_.push_back(SentFrame{port, std::vector<std::uint8_t>(frame.buffer.data(),
                                                            frame.buffer.data() +
                                                                frame.buffer.length())});
  storage->live = false;
  --live_;
}

void TestIo::release(pipeline::Frame frame) noexcept {
  Storage* storage = storage_of(frame);
  if (storage == nullptr) return;
  storage->live = false;
  --live_;
}

std::vector<SentFrame> TestIo::take_sent() {
  std::vector<SentFrame> out;
  out.swap(sent_);
  return out;
}

std::vector<std::uint8_t> from_hex(const std::string& hex) {
  if (hex.size() % 2 != 0) throw std::invalid_argument("odd hex length");
  std::vector<std::uint8_t> bytes(hex.size() / 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<std::uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
  }
  return bytes;
}

std::string to_hex(const std::vector<std::uint8_t>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

}  // namespace sluice::testing
