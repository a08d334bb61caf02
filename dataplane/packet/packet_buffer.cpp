#include "dataplane/packet/packet_buffer.hpp"

#include <cstring>

namespace sluice::packet {

PacketBuffer::PacketBuffer(std::uint8_t* base, std::uint32_t capacity, std::uint32_t data_offset,
                           std::uint32_t data_length) noexcept
    : base_(base), capacity_(capacity), data_offset_(data_offset), length_(data_length) {
  if (data_offset_ > capacity_) data_offset_ = capacity_;
  if (length_ > capacity_ - data_offset_) length_ = 0;
}

bool PacketBuffer::prepend(std::uint32_t n) noexcept {
  if (n > headroom()) return false;
  data_offset_ -= n;
  length_ += n;
  return true;
}

bool PacketBuffer::adjust_front(std::uint32_t n) noexcept {
  if (n > length_) return false;
  data_offset_ += n;
  length_ -= n;
  return true;
}

bool PacketBuffer::append(std::uint32_t n) noexcept {
  if (n > tailroom()) return false;
  length_ += n;
  return true;
}

bool PacketBuffer::trim(std::uint32_t n) noexcept {
  if (n > length_) return false;
  length_ -= n;
  return true;
}

bool PacketBuffer::insert_gap(std::uint32_t offset, std::uint32_t n) noexcept {
  if (offset > length_) return false;
  if (n == 0) return true;
  if (n <= headroom()) {
    std::uint8_t* const old_front = data();
    data_offset_ -= n;
    length_ += n;
    std::memmove(data(), old_front, offset);
    return true;
  }
  if (n <= tailroom()) {
    std::uint8_t* const tail = data() + offset;
    std::memmove(tail + n, tail, length_ - offset);
    length_ += n;
    return true;
  }
  return false;
}

bool PacketBuffer::remove_gap(std::uint32_t offset, std::uint32_t n) noexcept {
  if (offset > length_ || n > length_ - offset) return false;
  if (n == 0) return true;
  std::uint8_t* const old_front = data();
  data_offset_ += n;
  length_ -= n;
  std::memmove(data(), old_front, offset);
  return true;
}

}  // namespace sluice::packet
