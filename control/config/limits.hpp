#pragma once
// The bounds `sluice check` enforces, in one place (documented in docs/configuration.md). They
// are operator-sanity limits: wide enough for any real deployment, narrow enough to catch a
// typo (a timeout in milliseconds where seconds are expected, an extra zero in a weight).
#include <cstdint>

namespace sluice::config::limits {

inline constexpr std::uint32_t kMaxWorkers = 128;          // RTE_MAX_LCORE of Debian's DPDK
inline constexpr std::uint32_t kMaxIdleSleepUs = 100'000;  // 100 ms
inline constexpr std::uint16_t kMaxBurst = 512;
inline constexpr std::uint32_t kMinConntrackEntries = 1024;
inline constexpr std::uint32_t kMaxConntrackEntries = 1u << 28;  // 268435456
// max_embryonic: below a handful, one retransmitted SYN would evict another client's.
inline constexpr std::uint32_t kMinEmbryonic = 4;
inline constexpr std::uint32_t kMaxTimeoutS = 7 * 24 * 3600;     // one week
// SNAT source ports: below them the well-known ports, above them the host path's range
// (pipeline::Limits::host_port_first). A range of at least 32 ports per worker (and 64) gives
// every worker's lane at least one port (dataplane/conntrack/snat_ports.hpp).
inline constexpr std::uint16_t kMinSnatPort = 1024;
inline constexpr std::uint16_t kMaxSnatPort = 64511;
inline constexpr std::uint32_t kMinSnatPorts = 64;
inline constexpr std::uint32_t kMinSnatPortsPerWorker = 32;

inline constexpr std::uint16_t kMinMtuV4 = 576;   // RFC 791: every host must accept 576
inline constexpr std::uint16_t kMinMtuV6 = 1280;  // RFC 8200 section 5
inline constexpr std::uint16_t kMaxMtu = 9216;    // common jumbo-frame ceiling

inline constexpr std::size_t kMaxNameLength = 63;        // interface and service names
inline constexpr std::size_t kMaxKernelNameLength = 15;  // IFNAMSIZ - 1

inline constexpr std::uint16_t kMaxWeight = 1000;

inline constexpr std::uint8_t kMinCustomTlvType = 0xE0;  // PP2_TYPE_MIN_CUSTOM
inline constexpr std::uint8_t kMaxCustomTlvType = 0xEF;  // PP2_TYPE_MAX_CUSTOM
inline constexpr std::size_t kMaxCustomTlvBytes = 255;
inline constexpr std::size_t kMaxAuthorityBytes = 255;  // a host name (RFC 1035 section 2.3.4)

inline constexpr std::uint32_t kMinHealthIntervalMs = 100;
inline constexpr std::uint32_t kMaxHealthIntervalMs = 3'600'000;  // one hour
inline constexpr std::uint32_t kMinHealthTimeoutMs = 10;
inline constexpr std::uint32_t kMaxHealthTimeoutMs = 60'000;
inline constexpr std::uint8_t kMaxRiseFall = 100;
inline constexpr std::size_t kMaxHealthPathLength = 1024;

}  // namespace sluice::config::limits
