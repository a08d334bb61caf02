#pragma once
// What `sluice run` hands to rte_eal_init, computed from the configuration without touching
// DPDK (pure, unit-tested): the EAL argument vector and, per interface, the device to probe.
//
//   argv = { "sluice", <dpdk.eal_args verbatim>, per interface: "--vdev=<devargs>" | "-a", <pci> }
//
// An interface's `dpdk` string is either a PCI address ("0000:03:00.0" or "03:00.0", optionally
// followed by ",devargs") or a virtual device's devargs ("net_af_packet0,iface=lb-front"). The
// ethdev name used to find the port is the part before the first comma.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::dpdk {

enum class DeviceKind : std::uint8_t { kPci, kVirtual };

struct DeviceSpec {
  std::string interface;  // the config's interface name (for messages)
  std::string devargs;    // as configured, with `qpairs=` added to af_packet devices
  DeviceKind kind = DeviceKind::kVirtual;
  std::string port_name;  // what rte_eth_dev_get_port_by_name() is asked for
};

// True for "DDDD:BB:DD.F" or "BB:DD.F" (hex digits), the bus-address forms EAL's -a accepts.
bool is_pci_address(std::string_view text) noexcept;

// The part of `devargs` before the first comma.
std::string_view device_name(std::string_view devargs) noexcept;

// Builds the device spec of one interface. An af_packet vdev ("net_af_packet...") without a
// `qpairs=` argument gets ",qpairs=<queue_pairs>" so that it can offer a queue pair per worker
// (af_packet fans one kernel interface out to N sockets with PACKET_FANOUT).
// It also gets ",framecnt=<kAfPacketFrames>" without a `framecnt=` of its own (docs/dpdk.md).
inline constexpr std::uint32_t kAfPacketFrames = 4096;
DeviceSpec device_spec(std::string interface, std::string_view dpdk, std::uint32_t queue_pairs);

// The full argv, argv[0] = "sluice". PCI devices are added as "-a ADDR" unless the EAL
// arguments already contain "--no-pci" (then they cannot be probed and port lookup reports it).
std::vector<std::string> eal_argv(const std::vector<std::string>& eal_args,
                                  const std::vector<DeviceSpec>& devices);

}  // namespace sluice::dpdk
