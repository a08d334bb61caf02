#pragma once
// What the XDP datapath's configuration maps hold for one pipeline::Tables: the pure half of the
// loader (no libbpf, no syscalls), so the translation from the control plane's tables to BPF
// map entries is unit-tested on its own. dataplane/shared/xdp_maps.h has the layouts,
// docs/xdp.md the roles. Conntrack, counters and per-CPU state are the program's, not here.
#include <array>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "dataplane/pipeline/tables.hpp"
#include "dataplane/shared/xdp_maps.h"

namespace sluice::xdp {

struct MapEntryOptions {
  std::span<const std::uint32_t> ifindexes;  // per PortId (config order)
  std::uint32_t nr_cpus = 1;                 // CPUs sharing the SNAT range
  bool generic_attach = false;               // SL_CFG_GENERIC_TAIL_PAD (xdp_maps.h)
  std::uint64_t instance_id = 0;             // UNIQUE_ID's first half
  std::uint64_t test_now_ns = 0;             // fixture replay only
  // The SYN proxy (docs/syn-proxy.md): the cookie secret (sl_xdp_config.syn_cookie_key), and
  // per service id the mode (SL_SP_MODE_*) when it is not the tables' own: a service without an
  // entry here takes pipeline::Service::syn_proxy when the tables carry one, else off.
  sl_syn_cookie_key syn_cookie_key{};
  std::span<const std::uint8_t> syn_proxy_modes;
};

// The SYN proxy mode (SL_SP_MODE_*) of service `id` (see MapEntryOptions::syn_proxy_modes).
std::uint8_t syn_proxy_mode(const pipeline::Service& service, std::size_t id, const MapEntryOptions& options) noexcept;

struct MaglevTable {
  std::uint32_t slot = 0;                   // sl_xdp_service.maglev_slot
  std::vector<std::uint16_t> entries;       // SL_XDP_MAGLEV_SIZE backend positions
};

struct MapEntries {
  sl_xdp_config config{};
  std::vector<std::pair<std::uint32_t, sl_xdp_port>> ports;
  std::vector<std::pair<std::uint32_t, sl_xdp_ifport>> ifports;  // ifindex -> PortId
  std::vector<std::pair<sl_xdp_addr_key, sl_xdp_own>> own;
  std::vector<std::pair<sl_xdp_prefix_key, sl_xdp_nexthop>> nexthops;
  std::vector<std::pair<sl_xdp_addr_key, sl_xdp_neighbor>> neighbors;
  std::vector<std::pair<sl_xdp_service_key, sl_xdp_service>> services;
  std::vector<std::pair<std::uint32_t, pp2_template>> templates;
  std::vector<std::pair<std::uint32_t, sl_xdp_backend>> backends;
  std::vector<MaglevTable> maglev;
};

// Throws std::invalid_argument when the tables exceed a map's bound (SL_XDP_MAX_*).
MapEntries map_entries(const pipeline::Tables& tables, const MapEntryOptions& options);

sl_xdp_addr_key addr_key(const net::IpAddress& address) noexcept;

}  // namespace sluice::xdp
