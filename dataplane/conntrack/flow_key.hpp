#pragma once
// The key of one direction of a flow, exactly as its packets arrive: (src, dst, sport, dport,
// protocol). Every flow is indexed twice: client -> VIP on the client side and
// backend -> SNAT on the backend side, so a return packet finds its flow without translation.
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#include "dataplane/net/address.hpp"
#include "dataplane/sched/xxhash64.hpp"

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

  std::uint64_t hash(std::uint64_t seed) const noexcept {
    const auto bytes = std::bit_cast<std::array<std::uint8_t, 40>>(*this);
    return sched::xxhash64(bytes, seed);
  }

  friend bool operator==(const FlowKey&, const FlowKey&) = default;
};

static_assert(sizeof(FlowKey) == 40, "FlowKey is hashed as 40 raw bytes: no implicit padding");

}  // namespace sluice::conntrack
