#pragma once
// The common base of every header view: a thin, copyable wrapper around a pointer to the
// first byte of a header. A view never owns or bounds-checks memory; whoever creates one (the
// parser, a rewrite, a test) has already checked that the header's bytes are inside the frame.
//
// Views come in two flavours selected by the byte type: `const std::uint8_t` gives read-only
// accessors, `std::uint8_t` adds setters. Setters are const members, as with std::span: the
// view is a pointer, writing through it does not change the view.
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "dataplane/packet/byte_order.hpp"

namespace sluice::packet {

template <typename Byte>
concept WritableByte = std::is_same_v<Byte, std::uint8_t>;

template <typename Byte>
class HeaderView {
  static_assert(std::is_same_v<std::remove_const_t<Byte>, std::uint8_t>,
                "header views are over raw packet bytes");

 public:
  constexpr explicit HeaderView(Byte* bytes) noexcept : bytes_(bytes) {}
  constexpr Byte* bytes() const noexcept { return bytes_; }

 protected:
  constexpr std::uint8_t get8(std::size_t offset) const noexcept { return bytes_[offset]; }
  constexpr std::uint16_t get16(std::size_t offset) const noexcept {
    return load_be16(bytes_ + offset);
  }
  constexpr std::uint32_t get32(std::size_t offset) const noexcept {
    return load_be32(bytes_ + offset);
  }
  constexpr void put8(std::size_t offset, std::uint8_t value) const noexcept
    requires WritableByte<Byte>
  {
    bytes_[offset] = value;
  }
  constexpr void put16(std::size_t offset, std::uint16_t value) const noexcept
    requires WritableByte<Byte>
  {
    store_be16(bytes_ + offset, value);
  }
  constexpr void put32(std::size_t offset, std::uint32_t value) const noexcept
    requires WritableByte<Byte>
  {
    store_be32(bytes_ + offset, value);
  }
  // Replaces the bits selected by mask in the byte at offset.
  constexpr void put_bits8(std::size_t offset, std::uint8_t mask, std::uint8_t value) const
      noexcept
    requires WritableByte<Byte>
  {
    bytes_[offset] = static_cast<std::uint8_t>((bytes_[offset] & ~mask) | (value & mask));
  }

 private:
  Byte* bytes_;
};

}  // namespace sluice::packet
