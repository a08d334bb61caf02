#pragma once
// The DPDK shell's settings taken from a validated Config ([dpdk] and [[interfaces]]).
#include "control/config/config.hpp"
#include "dataplane/dpdk/datapath.hpp"

namespace sluice::runtime {

dpdk::DatapathSettings dpdk_settings(const config::Config& config);

}  // namespace sluice::runtime
