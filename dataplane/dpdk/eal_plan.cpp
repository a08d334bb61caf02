#include "dataplane/dpdk/eal_plan.hpp"

#include <algorithm>
#include <cctype>

namespace sluice::dpdk {
namespace {

bool all_hex(std::string_view text, std::size_t count) noexcept {
  return text.size() == count && std::all_of(text.begin(), text.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) != 0;
         });
}

// "BB:DD.F": bus (2 hex), device (2 hex), function (1 hex digit 0-7).
bool is_bus_device_function(std::string_view text) noexcept {
  return text.size() == 7 && all_hex(text.substr(0, 2), 2) && text[2] == ':' &&
         all_hex(text.substr(3, 2), 2) && text[5] == '.' && text[6] >= '0' && text[6] <= '7';
}

}  // namespace

bool is_pci_address(std::string_view text) noexcept {
  if (text.size() == 12) {  // "DDDD:" domain prefix
    return all_hex(text.substr(0, 4), 4) && text[4] == ':' && is_bus_device_function(text.substr(5));
  }
  return is_bus_device_function(text);
}

std::string_view device_name(std::string_view devargs) noexcept {
  return devargs.substr(0, devargs.find(','));
}

DeviceSpec device_spec(std::string interface, std::string_view dpdk, std::uint32_t queue_pairs) {
  DeviceSpec spec;
  spec.interface = std::move(interface);
  spec.devargs = std::string(dpdk);
  spec.port_name = std::string(device_name(dpdk));
  spec.kind = is_pci_address(spec.port_name) ? DeviceKind::kPci : DeviceKind::kVirtual;
  const bool af_packet = spec.port_name.starts_with("net_af_packet");
  if (af_packet && spec.devargs.find("qpairs=") == std::string::npos) {
    spec.devargs += ",qpairs=" + std::to_string(queue_pairs);
  }
  // The PMD's default ring (512 frames per queue) holds 0.6 ms of a 10 Gbit/s link's 1500-byte
  // frames: a worker descheduled that long, or a burst, overflows it, and DPDK 22.11's af_packet
  // PMD reports no imissed for the kernel's ring drops (PACKET_STATISTICS), so the loss is
  // invisible. kAfPacketFrames frames (8 MiB per ring at 2048 bytes a frame) absorb bursts.
  if (af_packet && spec.devargs.find("framecnt=") == std::string::npos) {
    spec.devargs += ",framecnt=" + std::to_string(kAfPacketFrames);
  }
  return spec;
}

std::vector<std::string> eal_argv(const std::vector<std::string>& eal_args,
                                  const std::vector<DeviceSpec>& devices) {
  std::vector<std::string> argv{"sluice"};
  argv.insert(argv.end(), eal_args.begin(), eal_args.end());
  const bool no_pci = std::find(eal_args.begin(), eal_args.end(), "--no-pci") != eal_args.end();
  for (const DeviceSpec& device : devices) {
    if (device.kind == DeviceKind::kVirtual) {
      argv.push_back("--vdev=" + device.devargs);
    } else if (!no_pci) {
      argv.push_back("-a");
      argv.push_back(device.devargs);
    }
  }
  return argv;
}

}  // namespace sluice::dpdk
