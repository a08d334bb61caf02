#include "control/runtime/dpdk_settings.hpp"

namespace sluice::runtime {

dpdk::DatapathSettings dpdk_settings(const config::Config& config) {
  dpdk::DatapathSettings settings;
  settings.workers = config.dpdk.workers;
  settings.burst = config.dpdk.burst;
  settings.idle_sleep_us = config.dpdk.idle_sleep_us;
  settings.eal_args = config.dpdk.eal_args;
  settings.host_path = true;  // the TUN exception path (host_tap.hpp), health probes use it
  for (const config::Interface& interface : config.interfaces) {
    settings.interfaces.push_back({interface.name, interface.dpdk, interface.mtu});
  }
  return settings;
}

}  // namespace sluice::runtime
