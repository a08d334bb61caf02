#pragma once
// The Internet checksum: RFC 1071 (computation), RFC 1624 (incremental update) and the
// pseudo-headers of RFC 9293 section 3.1 / RFC 768 (IPv4) and RFC 8200 section 8.1 (IPv6).
//
// Vocabulary used throughout: a "sum" is the folded 16-bit ones' complement sum of some bytes;
// a "checksum" is the ones' complement of a sum, the value stored in a header. Sums of separate
// pieces combine with ones_add(); a piece that starts at an odd position of the checksummed
// byte stream contributes its sum byte-swapped (RFC 1071 section 2(B)) — ChecksumAccumulator
// tracks that for you.
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sluice::packet {

// a + b in ones' complement arithmetic, folded to 16 bits (end-around carry).
constexpr std::uint16_t ones_add(std::uint16_t a, std::uint16_t b) noexcept {
  const std::uint32_t total = std::uint32_t{a} + b;
  return static_cast<std::uint16_t>((total & 0xFFFF) + (total >> 16));
}

constexpr std::uint16_t swap_bytes16(std::uint16_t value) noexcept {
  return static_cast<std::uint16_t>((value << 8) | (value >> 8));
}

// Folds a wide accumulator of big-endian 16- or 32-bit words to 16 bits with end-around
// carries. 2^16 == 1 (mod 0xFFFF), so 32-bit words fold to the same value as their two 16-bit
// halves. The result is 0 only for a zero accumulator, otherwise the representative in
// [1, 0xFFFF]: exactly what a chain of ones_add() over the same words gives.
// Each step is an end-around-carry addition of two halves, which cannot produce 0 from a
// non-zero value: 64 -> 32 bits once (the carry out of the 32-bit sum added back), 32 -> 16 in
// two (the first sum is at most 0x1FFFE, the second at most 0xFFFF). Runs for every checksum
// of every forwarded packet, where two 64-bit steps and three 16-bit ones cost ~10 more.
constexpr std::uint16_t fold_sum(std::uint64_t wide) noexcept {
  const auto low = static_cast<std::uint32_t>(wide);
  std::uint32_t folded = low + static_cast<std::uint32_t>(wide >> 32);
  folded += folded < low ? 1u : 0u;
  folded = (folded & 0xFFFFu) + (folded >> 16);
  folded = (folded & 0xFFFFu) + (folded >> 16);
  return static_cast<std::uint16_t>(folded);
}

// A big-endian 32-bit word at any address (memcpy: no alignment assumed).
inline std::uint32_t checksum_load32(const std::uint8_t* data) noexcept {
  std::uint32_t word;
  std::memcpy(&word, data, 4);
  return __builtin_bswap32(word);
}

// Folded ones' complement sum of len bytes, the first byte taken as the high-order byte of a
// 16-bit word (i.e. data starts at an even stream position). Any address, any length; an odd
// trailing byte is padded with a zero low byte (RFC 1071 section 4.1). Inline: the per-packet
// callers pass small constant lengths (addresses, the IPv4 header) that the compiler unrolls.
inline std::uint16_t ones_complement_sum(const std::uint8_t* data, std::size_t len) noexcept {
  // 32-bit big-endian words into a 64-bit accumulator: a 64 KiB packet adds at most 2^14
  // words of < 2^32 each, so the accumulator cannot overflow.
  std::uint64_t wide = 0;
  while (len >= 4) {
    wide += checksum_load32(data);
    data += 4;
    len -= 4;
  }
  if (len >= 2) {
    wide += (std::uint32_t{data[0]} << 8) | data[1];
    data += 2;
    len -= 2;
  }
  if (len == 1) wide += std::uint64_t{data[0]} << 8;
  return fold_sum(wide);
}

// The checksum of a self-contained byte range (ICMPv4, an IPv4 header with its checksum field
// zeroed): ~sum.
inline std::uint16_t internet_checksum(const std::uint8_t* data, std::size_t len) noexcept {
  return static_cast<std::uint16_t>(~ones_complement_sum(data, len));
}

// Sums a byte stream handed over in pieces of any length. Each add() continues at the stream
// position where the previous one ended, so pieces may have odd lengths.
class ChecksumAccumulator {
 public:
  void add(const std::uint8_t* data, std::size_t len) noexcept;
  // Adds a 16-bit value occupying the next two stream positions.
  void add16(std::uint16_t value) noexcept;
  // Adds an already-folded sum of a piece that started at an even stream position and spans
  // an even number of bytes (pseudo-header sums), without moving the stream position.
  void add_sum(std::uint16_t sum) noexcept { sum_ = ones_add(sum_, sum); }

  std::uint16_t sum() const noexcept { return sum_; }
  std::uint16_t checksum() const noexcept { return static_cast<std::uint16_t>(~sum_); }
  bool at_odd_position() const noexcept { return odd_; }

 private:
  std::uint16_t sum_ = 0;
  bool odd_ = false;
};

// --- Incremental updates, RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') ---------------------------
// All take the stored checksum and return the new one. They are exact: the result equals a
// full recomputation (modulo the +0/-0 representation RFC 1624 section 3 discusses, which
// receivers treat alike; UDP's zero is handled by udp_checksum_for_wire()).

constexpr std::uint16_t checksum_update16(std::uint16_t checksum, std::uint16_t old_value,
                                          std::uint16_t new_value) noexcept {
  std::uint16_t sum = ones_add(static_cast<std::uint16_t>(~checksum),
                               static_cast<std::uint16_t>(~old_value));
  sum = ones_add(sum, new_value);
  return static_cast<std::uint16_t>(~sum);
}
std::uint16_t checksum_update32(std::uint16_t checksum, std::uint32_t old_value,
                                std::uint32_t new_value) noexcept;

// Several replacements applied at once (RFC 1624 eqn. 3 with every ~m and m' summed in one
// 64-bit accumulator, folded once). ~m of a 32-bit word is 0xFFFFFFFF - m, congruent to -m
// modulo 0xFFFF like its two 16-bit halves. The result equals the chain of checksum_update16()
// calls for the same words whenever some new word is non-zero (the sum is then non-zero both
// ways and both give the same representative); a rewrite always writes a real address.
class ChecksumDelta {
 public:
  void replace16(std::uint16_t old_value, std::uint16_t new_value) noexcept {
    wide_ += std::uint64_t{static_cast<std::uint16_t>(~old_value)} + new_value;
  }
  void replace32(std::uint32_t old_value, std::uint32_t new_value) noexcept {
    wide_ += std::uint64_t{~old_value} + new_value;
  }
  // Replacing `len` (a multiple of 4) bytes at an even stream position.
  void replace_words(const std::uint8_t* old_bytes, const std::uint8_t* new_bytes,
                     std::size_t len) noexcept {
    for (std::size_t i = 0; i + 4 <= len; i += 4) {
      replace32(checksum_load32(old_bytes + i), checksum_load32(new_bytes + i));
    }
  }
  // Bytes that were not covered before (an inserted run at an even stream position), given
  // by their folded sum.
  void add_sum(std::uint16_t sum) noexcept { wide_ += sum; }
  std::uint16_t apply(std::uint16_t checksum) const noexcept {
    return static_cast<std::uint16_t>(
        ~fold_sum(wide_ + static_cast<std::uint16_t>(~checksum)));
  }

 private:
  std::uint64_t wide_ = 0;
};
// Replacing len bytes (any length) that start at stream_offset within the checksummed data
// (only its parity matters). This is the general form: fields at odd offsets (a TCP option
// after a lone NOP) and odd lengths work.
std::uint16_t checksum_update_bytes(std::uint16_t checksum, std::size_t stream_offset,
                                    const std::uint8_t* old_bytes, const std::uint8_t* new_bytes,
                                    std::size_t len) noexcept;
// Replacing an IPv4 (4) or IPv6 (16) address; addresses sit at even offsets in every header
// and pseudo-header.
inline std::uint16_t checksum_update_address(std::uint16_t checksum,
                                             const std::uint8_t* old_address,
                                             const std::uint8_t* new_address,
                                             std::size_t address_size) noexcept {
  return checksum_update_bytes(checksum, 0, old_address, new_address, address_size);
}
// Adds or removes whole sums: used when a pseudo-header is swapped for another (family
// translation): HC' = ~(~HC + ~old_sum + new_sum).
constexpr std::uint16_t checksum_replace_sum(std::uint16_t checksum, std::uint16_t old_sum,
                                             std::uint16_t new_sum) noexcept {
  return checksum_update16(checksum, old_sum, new_sum);
}

// --- Pseudo-headers --------------------------------------------------------------------------

// src, dst, zero, protocol, TCP/UDP length (RFC 9293 section 3.1, RFC 768).
std::uint16_t ipv4_pseudo_header_sum(const std::uint8_t* src, const std::uint8_t* dst,
                                     std::uint8_t protocol, std::uint16_t l4_length) noexcept;
// src, dst, 32-bit upper-layer length, 3 zero bytes, next header (RFC 8200 section 8.1).
std::uint16_t ipv6_pseudo_header_sum(const std::uint8_t* src, const std::uint8_t* dst,
                                     std::uint8_t next_header, std::uint32_t l4_length) noexcept;

// The checksum of an L4 segment given its pseudo-header sum. The segment's own checksum field
// must read as zero (callers zero it first, or use the helpers in l4_checksum.hpp).
inline std::uint16_t l4_checksum(std::uint16_t pseudo_header_sum, const std::uint8_t* segment,
                                 std::size_t len) noexcept {
  return static_cast<std::uint16_t>(
      ~ones_add(pseudo_header_sum, ones_complement_sum(segment, len)));
}

// RFC 768: a computed UDP checksum of zero is transmitted as all ones, because zero means
// "no checksum" over IPv4.
constexpr std::uint16_t udp_checksum_for_wire(std::uint16_t checksum) noexcept {
  return checksum == 0 ? std::uint16_t{0xFFFF} : checksum;
}

// --- IPv4 header ----------------------------------------------------------------------------

// The header checksum of an IPv4 header of header_length bytes, computed as if its checksum
// field were zero (so it can be called on a header in place).
std::uint16_t ipv4_header_checksum(const std::uint8_t* header, std::size_t header_length) noexcept;
// True when the stored header checksum is right (the sum over the header is all ones).
inline bool ipv4_header_checksum_ok(const std::uint8_t* header,
                                    std::size_t header_length) noexcept {
  return ones_complement_sum(header, header_length) == 0xFFFF;
}

}  // namespace sluice::packet
