#include "dataplane/packet/checksum.hpp"

#include "dataplane/packet/byte_order.hpp"

namespace sluice::packet {
namespace {

constexpr std::uint16_t ones_negate(std::uint16_t value) noexcept {
  return static_cast<std::uint16_t>(~value);
}

}  // namespace

void ChecksumAccumulator::add(const std::uint8_t* data, std::size_t len) noexcept {
  if (len == 0) return;
  std::uint16_t piece = ones_complement_sum(data, len);
  // A piece starting at an odd stream position has every byte in the other half of its word:
  // its sum is the byte swap of the sum computed as if it started at an even position.
  if (odd_) piece = swap_bytes16(piece);
  sum_ = ones_add(sum_, piece);
  if (len % 2 != 0) odd_ = !odd_;
}

void ChecksumAccumulator::add16(std::uint16_t value) noexcept {
  sum_ = ones_add(sum_, odd_ ? swap_bytes16(value) : value);
}

std::uint16_t checksum_update32(std::uint16_t checksum, std::uint32_t old_value,
                                std::uint32_t new_value) noexcept {
  const auto high = [](std::uint32_t v) { return static_cast<std::uint16_t>(v >> 16); };
  const auto low = [](std::uint32_t v) { return static_cast<std::uint16_t>(v); };
  std::uint16_t sum = ones_negate(checksum);
  sum = ones_add(sum, ones_negate(high(old_value)));
  sum = ones_add(sum, ones_negate(low(old_value)));
  sum = ones_add(sum, high(new_value));
  sum = ones_add(sum, low(new_value));
  return ones_negate(sum);
}

std::uint16_t checksum_update_bytes(std::uint16_t checksum, std::size_t stream_offset,
                                    const std::uint8_t* old_bytes, const std::uint8_t* new_bytes,
                                    std::size_t len) noexcept {
  std::uint16_t old_sum = ones_complement_sum(old_bytes, len);
  std::uint16_t new_sum = ones_complement_sum(new_bytes, len);
  if (stream_offset % 2 != 0) {
    old_sum = swap_bytes16(old_sum);
    new_sum = swap_bytes16(new_sum);
  }
  return checksum_replace_sum(checksum, old_sum, new_sum);
}

std::uint16_t ipv4_pseudo_header_sum(const std::uint8_t* src, const std::uint8_t* dst,
                                     std::uint8_t protocol, std::uint16_t l4_length) noexcept {
  std::uint16_t sum = ones_complement_sum(src, 4);
  sum = ones_add(sum, ones_complement_sum(dst, 4));
  sum = ones_add(sum, protocol);  // the zero byte then the protocol: one word 0x00pp
  return ones_add(sum, l4_length);
}

std::uint16_t ipv6_pseudo_header_sum(const std::uint8_t* src, const std::uint8_t* dst,
                                     std::uint8_t next_header, std::uint32_t l4_length) noexcept {
  std::uint16_t sum = ones_complement_sum(src, 16);
  sum = ones_add(sum, ones_complement_sum(dst, 16));
  sum = ones_add(sum, static_cast<std::uint16_t>(l4_length >> 16));
  sum = ones_add(sum, static_cast<std::uint16_t>(l4_length));
  return ones_add(sum, next_header);  // three zero bytes then next header: words 0, 0x00nn
}

std::uint16_t ipv4_header_checksum(const std::uint8_t* header,
                                   std::size_t header_length) noexcept {
  constexpr std::size_t kChecksumOffset = 10;
  std::uint16_t sum = ones_complement_sum(header, kChecksumOffset);
  sum = ones_add(sum, ones_complement_sum(header + kChecksumOffset + 2,
                                          header_length - kChecksumOffset - 2));
  return ones_negate(sum);
}

}  // namespace sluice::packet
