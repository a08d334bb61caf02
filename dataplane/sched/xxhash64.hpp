#pragma once
// XXH64, Yann Collet's 64-bit non-cryptographic hash (xxHash specification, "XXH64 algorithm"),
// written here from the spec so the packet core has no library dependency. The result is
// defined on bytes and reads lanes little-endian explicitly, so it is identical on every host:
// Maglev tables and flow placement must agree between appliances behind the same ECMP group.
#include <cstddef>
#include <cstdint>
#include <span>

namespace sluice::sched {

std::uint64_t xxhash64(std::span<const std::uint8_t> bytes, std::uint64_t seed) noexcept;

}  // namespace sluice::sched
