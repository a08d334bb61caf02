#pragma once
// The key of one direction of a flow, exactly as its packets arrive: (src, dst, sport, dport,
// protocol). Every flow is indexed twice: client -> VIP on the client side and
// backend -> SNAT on the backend side, so a return packet finds its flow without translation.
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#include "dataplane/net/address.hpp"

namespace sluice::conntrack {

struct FlowKey {
  std::array<std::uint8_t, 16> source{};       // IPv4 in the first 4 bytes, the rest zero
  std::array<std::uint8_t, 16> destination{};
  std::uint16_t source_port = 0;               // host order
  std::uint16_t destination_port = 0;
  std::uint8_t protocol = 0;                   // IANA: 6 TCP, 17 UDP
  net::Family family = net::Family::kIpv4;
  std::array<std::uint8_t, 2> padding{};       // always zero: the key is hashed as raw bytes

  static FlowKey make(const net::IpAddress& src, std::uint16_t sport, const net::IpAddress& dst,
                      std::uint16_t dport, std::uint8_t proto) noexcept {
    FlowKey key;
    key.family = src.family();
    std::memcpy(key.source.data(), src.data(), src.size());
    std::memcpy(key.destination.data(), dst.data(), dst.size());
    key.source_port = sport;
    key.destination_port = dport;
    key.protocol = proto;
    return key;
  }

  net::IpAddress source_address() const noexcept {
    return net::IpAddress::from_bytes(family, source.data());
  }
  net::IpAddress destination_address() const noexcept {
    return net::IpAddress::from_bytes(family, destination.data());
  }

  // The flow index's hash (only the index uses it: nothing outside one worker's memory depends
  // on its values). Three independent 64x64->128-bit multiplies over the five words of the key
  // and one to combine them (the "mum" mixing step of wyhash): a few ns, where the generic
  // xxhash64 over a 40-byte span cost ~100 instructions per packet (docs/performance.md).
  std::uint64_t hash(std::uint64_t seed) const noexcept {
    const auto w = std::bit_cast<std::array<std::uint64_t, 5>>(*this);
    const std::uint64_t a = mum(w[0] ^ seed ^ 0xa0761d6478bd642fULL, w[1] ^ 0xe7037ed1a0b428dbULL);
    const std::uint64_t b = mum(w[2] ^ 0x8ebc6af09c88c6e3ULL, w[3] ^ seed ^ 0x589965cc75374cc3ULL);
    const std::uint64_t c = mum(w[4] ^ 0x1d8e4e27c47d124fULL, seed ^ 0x9e3779b97f4a7c15ULL);
    return mum(a ^ b ^ 0xd6e8feb86659fd93ULL, c ^ 0xc2b2ae3d27d4eb4fULL);
  }

  // Five word compares instead of memcmp: keys are compared on every lookup.
  friend bool operator==(const FlowKey& x, const FlowKey& y) noexcept {
    const auto a = std::bit_cast<std::array<std::uint64_t, 5>>(x);
    const auto b = std::bit_cast<std::array<std::uint64_t, 5>>(y);
    return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4])) == 0;
  }

 private:
  static std::uint64_t mum(std::uint64_t x, std::uint64_t y) noexcept {
    __extension__ using Wide = unsigned __int128;  // GCC/Clang; __extension__: not ISO C++
    const Wide product = static_cast<Wide>(x) * y;
    return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
  }

 public:
};

static_assert(sizeof(FlowKey) == 40, "FlowKey is hashed as 40 raw bytes: no implicit padding");

}  // namespace sluice::conntrack
