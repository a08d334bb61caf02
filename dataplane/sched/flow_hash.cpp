#include "dataplane/sched/flow_hash.hpp"

#include <array>
#include <cstring>

#include "dataplane/sched/xxhash64.hpp"

namespace sluice::sched {
namespace {

constexpr std::size_t kAddressBytes = net::IpAddress::kV6Size;

void put_be16(std::uint8_t* out, std::uint16_t value) noexcept {
  out[0] = static_cast<std::uint8_t>(value >> 8);
  out[1] = static_cast<std::uint8_t>(value & 0xFF);
}

void put_address(std::uint8_t* out, const net::IpAddress& address) noexcept {
  // data() always exposes 16 bytes, zero beyond size() for IPv4.
  std::memcpy(out, address.data(), kAddressBytes);
}

std::uint8_t family_byte(const net::IpAddress& address) noexcept {
  return static_cast<std::uint8_t>(address.family());
}

}  // namespace

std::uint64_t hash_flow(const FlowTuple& tuple, std::uint64_t seed) noexcept {
  std::array<std::uint8_t, 8 + 2 * kAddressBytes> bytes{};
  bytes[0] = family_byte(tuple.source);
  bytes[1] = tuple.protocol;
  put_be16(&bytes[2], tuple.source_port);
  put_be16(&bytes[4], tuple.destination_port);
  put_address(&bytes[8], tuple.source);
  put_address(&bytes[8 + kAddressBytes], tuple.destination);
  return xxhash64(bytes, seed);
}

std::uint64_t hash_client_address(const net::IpAddress& address, std::uint64_t seed) noexcept {
  std::array<std::uint8_t, 1 + kAddressBytes> bytes{};
  bytes[0] = family_byte(address);
  put_address(&bytes[1], address);
  return xxhash64(bytes, seed);
}

std::uint64_t hash_endpoint(const net::Endpoint& endpoint, std::uint64_t seed) noexcept {
  std::array<std::uint8_t, 1 + kAddressBytes + 2> bytes{};
  bytes[0] = family_byte(endpoint.address);
  put_address(&bytes[1], endpoint.address);
  put_be16(&bytes[1 + kAddressBytes], endpoint.port);
  return xxhash64(bytes, seed);
}

}  // namespace sluice::sched
