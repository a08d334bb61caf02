#pragma once
// `sluice run` in xdp mode, first version (docs/xdp.md): loads the XDP datapath on the
// interfaces' kernel devices, then serves a Boost.Asio io_context until SIGINT/SIGTERM (clean
// stop, links closed: detached). SIGHUP re-reads the file and, when valid, applies it live
// (XdpDatapath::update: established flows kept). Idle flows are swept every second. The
// console is not served in this mode yet (its model reads the DPDK datapath). Returns the
// process exit code: 0 clean stop, 1 runtime failure (spec cli-console.md).
#include <memory>

#include "control/config/config.hpp"
#include "control/config/load.hpp"

namespace sluice::runtime {

int run_xdp_appliance(std::shared_ptr<const config::Config> config,
                      const config::LoadOptions& load_options);

}  // namespace sluice::runtime
