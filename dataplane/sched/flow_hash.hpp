#pragma once
// Stable hashes of what a scheduler keys on: a flow's 5-tuple (maglev), a client address
// (source-hash) and a backend endpoint (maglev permutations). Every hash is XXH64 over a fixed,
// documented byte layout, so two appliances behind one ECMP group — or one appliance before and
// after a restart — place the same flow on the same backend. Keep the seed identical across an
// ECMP group for that property to hold.
#include <cstdint>

#include "dataplane/net/address.hpp"

namespace sluice::sched {

// Arbitrary but fixed: changing it reshuffles every maglev placement.
inline constexpr std::uint64_t kDefaultHashSeed = 0x736C75696365ULL;  // "sluice"

// A flow as the client sent it: client -> VIP.
struct FlowTuple {
  net::IpAddress source;
  net::IpAddress destination;
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  std::uint8_t protocol = 0;  // IANA protocol number: 6 TCP, 17 UDP
};

// Layout hashed (40 bytes): family(1) protocol(1) source_port(2, big-endian)
// destination_port(2, big-endian) zero(2) source(16) destination(16); IPv4 addresses occupy the
// first 4 bytes of their 16 with the rest zero.
std::uint64_t hash_flow(const FlowTuple& tuple, std::uint64_t seed = kDefaultHashSeed) noexcept;

// Layout hashed (17 bytes): family(1) address(16). Ports are deliberately excluded: source-hash
// must send every connection of a client to the same backend.
std::uint64_t hash_client_address(const net::IpAddress& address,
                                  std::uint64_t seed = kDefaultHashSeed) noexcept;

// Layout hashed (19 bytes): family(1) address(16) port(2, big-endian).
std::uint64_t hash_endpoint(const net::Endpoint& endpoint, std::uint64_t seed) noexcept;

// The two keys a scheduler may need for a new flow. The pipeline computes them once per new flow
// (never per packet of an established flow).
struct PickKey {
  std::uint64_t flow_hash = 0;    // maglev
  std::uint64_t client_hash = 0;  // source-hash

  static PickKey of(const FlowTuple& tuple, std::uint64_t seed = kDefaultHashSeed) noexcept {
    return PickKey{hash_flow(tuple, seed), hash_client_address(tuple.source, seed)};
  }
};

}  // namespace sluice::sched
