#pragma once
// `sluice run` in dpdk mode: the control thread (docs/dpdk.md, "Control thread").
//
// Runs on the EAL main lcore: starts the DPDK datapath from a validated Config, then serves a
// Boost.Asio io_context until SIGINT/SIGTERM (clean stop) while SIGHUP re-reads and validates
// the file; when [console] listen is set the operator console (docs/console.md) is served on
// the same io_context. Returns the process exit code: 0 clean stop, 1 runtime failure (spec
// cli-console.md).
#include <memory>

#include "control/config/config.hpp"
#include "control/config/load.hpp"

namespace sluice::runtime {

int run_dpdk_appliance(std::shared_ptr<const config::Config> config,
                       const config::LoadOptions& load_options);

}  // namespace sluice::runtime
