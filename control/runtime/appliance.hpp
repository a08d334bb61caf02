#pragma once
// `sluice run` in dpdk mode: the control thread (docs/dpdk.md, "Control thread").
//
// Runs on the EAL main lcore: starts the DPDK datapath from a validated Config, then serves a
// Boost.Asio io_context until SIGINT/SIGTERM (clean stop) while SIGHUP re-reads and validates
// the file; when [console] listen is set the operator console (docs/console.md) is served on
// the same io_context. Returns the process exit code: 0 clean stop, 1 runtime failure (spec
// cli-console.md).
#include <memory>
#include <vector>

#include "control/config/config.hpp"
#include "control/config/load.hpp"
#include "control/datapath/datapath.hpp"
#include "control/runtime/host_path.hpp"
#include "dataplane/dpdk/datapath.hpp"

namespace sluice::runtime {

// The control thread over a started datapath, until SIGINT/SIGTERM: console, health checks,
// metrics, reload (SIGHUP and `reload`). `make_host_path`: the mode's way for health probes
// (host_path.hpp), or empty for none. Throws what the control thread cannot survive.
int serve(datapath::Datapath& datapath, std::shared_ptr<const config::Config> config,
          std::vector<net::MacAddress> port_macs, const config::LoadOptions& load_options,
          HostPathFactory make_host_path);

int run_dpdk_appliance(std::shared_ptr<const config::Config> config,
                       const config::LoadOptions& load_options);

}  // namespace sluice::runtime
