#pragma once
// Compiles a validated Config into the workers' read-only Tables (dataplane/pipeline/tables.hpp):
// services keyed by VIP:port:protocol, backend sets with their scheduler tables, PROXY header
// templates, neighbours, routes and limits. Runs on the control thread, never on a worker.
#include <memory>
#include <span>

#include "control/config/config.hpp"
#include "dataplane/net/address.hpp"
#include "dataplane/pipeline/tables.hpp"

namespace sluice::datapath {

// `port_macs` holds the MAC of each configured interface, in config order (from the NIC).
std::shared_ptr<const pipeline::Tables> tables_from_config(
    const config::Config& config, std::span<const net::MacAddress> port_macs);

// The per-service PROXY template (exposed for tests and for the XDP map filler).
pipeline::ProxyPlan proxy_plan_from_config(const config::ProxyProtocol& proxy,
                                           config::Protocol protocol);

}  // namespace sluice::datapath
