#pragma once
// Reads and sets a kernel device's offloads (the standoff_plan.hpp list) with `ethtool -k/-K
// DEV`, the tool an operator would use. Control thread only.
#include <optional>
#include <string>

#include "control/runtime/standoff_plan.hpp"

namespace sluice::runtime {

// Which of standoff::kOffloads are on; nullopt (with `error` set) when the device cannot be
// asked (it does not exist, or ethtool is missing). An offload the device does not implement
// reads as off.
std::optional<standoff::OffloadSet> read_offloads(const std::string& device, std::string& error);

// Turns `offloads` on or off in one `ethtool -K` and reads them back. Returns those the
// kernel did not change (a fixed feature, no such device, no ethtool), with `error` saying
// why; empty when all took.
standoff::OffloadSet set_offloads(const std::string& device, standoff::OffloadSet offloads,
                                  bool on, std::string& error);

}  // namespace sluice::runtime
