#pragma once
// Network byte order loads and stores over raw packet bytes. Every multi-byte header field in
// the packet core goes through these: no struct is ever cast onto packet memory, so alignment,
// aliasing and padding cannot bite, and any byte offset (odd ones included) is valid.
//
// At run time they compile to one unaligned load/store plus a byte swap; in constant
// evaluation (tests, static_asserts) they fall back to plain shifts.
#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace sluice::packet {

namespace detail {
constexpr std::uint16_t host_from_big_endian(std::uint16_t raw) noexcept {
  if constexpr (std::endian::native == std::endian::little) return __builtin_bswap16(raw);
  return raw;
}
constexpr std::uint32_t host_from_big_endian(std::uint32_t raw) noexcept {
  if constexpr (std::endian::native == std::endian::little) return __builtin_bswap32(raw);
  return raw;
}
}  // namespace detail

constexpr std::uint16_t load_be16(const std::uint8_t* p) noexcept {
  if (std::is_constant_evaluated()) {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
  }
  std::uint16_t raw;
  std::memcpy(&raw, p, sizeof raw);
  return detail::host_from_big_endian(raw);
}

constexpr std::uint32_t load_be32(const std::uint8_t* p) noexcept {
  if (std::is_constant_evaluated()) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
           (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
  }
  std::uint32_t raw;
  std::memcpy(&raw, p, sizeof raw);
  return detail::host_from_big_endian(raw);
}

constexpr void store_be16(std::uint8_t* p, std::uint16_t value) noexcept {
  if (std::is_constant_evaluated()) {
    p[0] = static_cast<std::uint8_t>(value >> 8);
    p[1] = static_cast<std::uint8_t>(value);
    return;
  }
  const std::uint16_t raw = detail::host_from_big_endian(value);  // the swap is its own inverse
  std::memcpy(p, &raw, sizeof raw);
}

constexpr void store_be32(std::uint8_t* p, std::uint32_t value) noexcept {
  if (std::is_constant_evaluated()) {
    p[0] = static_cast<std::uint8_t>(value >> 24);
    p[1] = static_cast<std::uint8_t>(value >> 16);
    p[2] = static_cast<std::uint8_t>(value >> 8);
    p[3] = static_cast<std::uint8_t>(value);
    return;
  }
  const std::uint32_t raw = detail::host_from_big_endian(value);
  std::memcpy(p, &raw, sizeof raw);
}

}  // namespace sluice::packet
