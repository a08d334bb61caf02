#pragma once
// Compiles a validated Config into the workers' read-only Tables (dataplane/pipeline/tables.hpp):
// services keyed by VIP:port:protocol, backend sets with their scheduler tables, PROXY header
// templates, neighbours, routes and limits. Runs on the control thread, never on a worker.
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "control/config/config.hpp"
#include "control/datapath/backend_states.hpp"
#include "dataplane/net/address.hpp"
#include "dataplane/pipeline/tables.hpp"
#include "dataplane/shared/syn_cookie.h"

namespace sluice::datapath {

// `port_macs` holds the MAC of each configured interface, in config order (from the NIC).
//
// With `previous` (the tables the datapath runs), the result can replace them under live
// flows (docs/reload.md): a service that keeps its name and everything its flows depend on
// (VIP, port, protocol, SNAT addresses, PROXY settings) keeps its id, and its backends keep
// their slots; any other previous service stays in the tables, retired, so its flows finish
// as they began; new and changed services get new ids after the previous ones.
// `states` supplies console and health-check state per backend (all enabled and up without).
// Throws std::length_error when service ids would run out (65535 retirements: restart).
std::shared_ptr<const pipeline::Tables> tables_from_config(
    const config::Config& config, std::span<const net::MacAddress> port_macs,
    const pipeline::Tables* previous = nullptr, const BackendStates* states = nullptr);

// The id of the live (not retired) service named `name`, if any.
std::optional<pipeline::ServiceId> live_service_id(const pipeline::Tables& tables,
                                                   std::string_view name) noexcept;

// The SYN cookies' key for every worker (docs/syn-proxy.md): `[conntrack] syn_cookie_secret`
// when configured, else 128 random bits from getrandom(2) (a new key each start; the cookies
// of a previous run then fail). Throws std::runtime_error when the kernel gives no randomness.
sl_syn_cookie_key syn_cookie_key_from_config(const config::Config& config);

// The per-service PROXY template (exposed for tests and for the XDP map filler).
pipeline::ProxyPlan proxy_plan_from_config(const config::ProxyProtocol& proxy,
                                           config::Protocol protocol);

}  // namespace sluice::datapath
