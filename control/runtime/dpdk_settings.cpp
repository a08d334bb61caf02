#include "control/runtime/dpdk_settings.hpp"

#include "control/runtime/standoff_plan.hpp"

namespace sluice::runtime {

dpdk::DatapathSettings dpdk_settings(const config::Config& config) {
  dpdk::DatapathSettings settings;
  settings.workers = config.dpdk.workers;
  settings.burst = config.dpdk.burst;
  settings.idle_sleep_us = config.dpdk.idle_sleep_us;
  settings.eal_args = config.dpdk.eal_args;
  settings.host_path = true;  // the TUN exception path (host_tap.hpp), health probes use it
  for (const config::Interface& interface : config.interfaces) {
    // af_packet/pcap vdevs read a kernel netdev whose carrier is the port's real link state.
    settings.interfaces.push_back({interface.name, interface.dpdk, interface.mtu,
                                   standoff::kernel_visible_device(interface.dpdk).value_or("")});
  }
  return settings;
}

}  // namespace sluice::runtime
