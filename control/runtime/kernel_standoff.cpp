#include "control/runtime/kernel_standoff.hpp"

#include <net/if.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "control/runtime/command.hpp"
#include "control/runtime/ethtool_offloads.hpp"

namespace sluice::runtime {
namespace {

using standoff::ChainSpec;
using standoff::DeviceOriginal;
using standoff::Knob;
using standoff::KernelPort;
using standoff::Offload;
using standoff::OffloadSet;

// nullopt when the kernel has no IPv6 at all (ipv6.disable=1): nothing to turn off or restore.
std::optional<int> read_sysctl(const std::string& path) {
  std::ifstream file(path);
  int value = 0;
  if (!(file >> value)) return std::nullopt;
  return value;
}

bool write_sysctl(const std::string& path, int value) {
  std::ofstream file(path);
  file << value << '\n';
  file.flush();
  return static_cast<bool>(file);
}

CommandResult nft(const std::vector<std::string>& args, std::string_view input = {}) {
  CommandResult result = run_command("nft", args, input);
  if (!result.started) {
    throw std::runtime_error(
        "kernel stand-off: cannot run nft (Debian package nftables); install it, or set "
        "[dpdk] kernel_standoff = false and keep the kernel off the ports yourself (docs/dpdk.md)");
  }
  return result;
}

std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

// True when PID is a running sluice other than this one (a table whose owner is alive is
// that owner's, not a leftover).
bool other_live_sluice(long pid) {
  if (pid <= 0 || pid == static_cast<long>(getpid())) return false;
  std::ifstream comm(fmt::format("/proc/{}/comm", pid));
  std::string name;
  return static_cast<bool>(std::getline(comm, name)) && name.starts_with("sluice");
}

std::string describe(const DeviceOriginal& original) {
  std::string text;
  for (Knob knob : standoff::kKnobs) {
    if (original.knob(knob)) {
      text += fmt::format("{}={}, ", standoff::knob_name(knob), *original.knob(knob));
    }
  }
  return text + fmt::format("offloads on: {}", original.offloads_on.to_string());
}

}  // namespace

void restore_device(const std::string& device, const DeviceOriginal& original) noexcept {
  if (if_nametoindex(device.c_str()) == 0) {
    spdlog::warn("kernel stand-off: {} is gone; nothing to restore on it", device);
    return;
  }
  for (Knob knob : standoff::kKnobs) {
    const std::optional<int>& value = original.knob(knob);
    if (value && !write_sysctl(standoff::knob_path(knob, device), *value)) {
      spdlog::warn("kernel stand-off: could not set {} back to {}",
                   standoff::knob_path(knob, device), *value);
    }
  }
  std::string error;
  const OffloadSet refused = set_offloads(device, original.offloads_on, true, error);
  if (!refused.empty()) {
    spdlog::warn("kernel stand-off: could not turn {} back on on {}: {}", refused.to_string(),
                 device, error);
  }
}

KernelStandoff::KernelStandoff(std::vector<KernelPort> ports, standoff::Stance stance)
    : stance_(std::move(stance)) {
  if (ports.empty()) return;
  for (const KernelPort& port : ports) {
    if (!standoff::safe_device_name(port.device)) {
      throw std::runtime_error(fmt::format(
          "kernel stand-off: interface {}: \"{}\" is not a kernel device name", port.interface,
          port.device));
    }
    if (if_nametoindex(port.device.c_str()) == 0) {
      throw std::runtime_error(fmt::format("kernel stand-off: interface {}: no kernel device {}",
                                           port.interface, port.device));
    }
  }
  const std::vector<ChainSpec> adopted = adopt_leftover(ports);
  for (KernelPort& port : ports) {
    const auto found = std::find_if(adopted.begin(), adopted.end(), [&](const ChainSpec& chain) {
      return chain.device == port.device;
    });
    DeviceOriginal original;
    if (found != adopted.end()) {
      original = found->original;
    } else {
      std::string error;
      const auto offloads = read_offloads(port.device, error);
      if (!offloads) throw std::runtime_error("kernel stand-off: " + error);
      original.offloads_on = *offloads;
      // Only the knobs this stance sets; a missing one (no IPv6 in this kernel) is left alone.
      for (const auto& [knob, value] : stance_.knobs) {
        original.knob(knob) = read_sysctl(standoff::knob_path(knob, port.device));
      }
    }
    held_.push_back({std::move(port), original});
  }
  try {
    install_table();
    for (const Held& held : held_) apply(held);
  } catch (...) {
    undo();
    throw;
  }
}

KernelStandoff::~KernelStandoff() { undo(); }

std::vector<ChainSpec> KernelStandoff::adopt_leftover(const std::vector<KernelPort>& ports) const {
  const std::string table(standoff::kTable);
  const CommandResult listing = nft({"list", "table", "netdev", table});
  if (!listing.ok()) return {};  // no table: nothing left behind
  const auto leftover = standoff::parse_listing(listing.output);
  if (!leftover) return {};
  const long owner = leftover->owner_pid.value_or(0);
  if (other_live_sluice(owner)) {
    throw std::runtime_error(fmt::format(
        "kernel stand-off: sluice pid {} holds nft table netdev {} in this network namespace "
        "(is another sluice running on these ports?)",
        owner, table));
  }
  spdlog::warn("kernel stand-off: nft table netdev {} of an earlier run (pid {}) is still there: "
               "it ended without cleaning up; adopting it",
               table, owner);
  std::vector<ChainSpec> ours;
  for (const ChainSpec& chain : leftover->chains) {
    const bool drive_again = std::any_of(ports.begin(), ports.end(), [&](const KernelPort& port) {
      return port.device == chain.device;
    });
    if (drive_again) {
      spdlog::info("kernel stand-off: {}: keeping the earlier run's record of its original "
                   "settings ({})",
                   chain.device, describe(chain.original));
      ours.push_back(chain);
    } else {
      restore_device(chain.device, chain.original);
      spdlog::info("kernel stand-off: {} (not in this configuration) restored as the earlier run "
                   "found it ({})",
                   chain.device, describe(chain.original));
    }
  }
  for (const std::string& device : leftover->unreadable) {
    spdlog::warn("kernel stand-off: the earlier run's record for {} is unreadable: its settings "
                 "stay as they are",
                 device);
  }
  return ours;
}

void KernelStandoff::install_table() {
  std::vector<ChainSpec> chains;
  for (const Held& held : held_) {
    chains.push_back({held.port.device, held.original, stance_.drop_ingress});
  }
  const CommandResult result =
      nft({"-f", "-"}, standoff::replace_ruleset(chains, static_cast<long>(getpid())));
  if (!result.ok()) {
    throw std::runtime_error(fmt::format("kernel stand-off: nft refused the table: {}",
                                         one_line(result.output)));
  }
  table_installed_ = true;
}

void KernelStandoff::apply(const Held& held) const {
  const std::string& device = held.port.device;
  std::string knobs;
  for (const auto& [knob, value] : stance_.knobs) {
    const std::optional<int>& before = held.original.knob(knob);
    if (!before) continue;  // absent in this kernel
    const std::string path = standoff::knob_path(knob, device);
    if (!write_sysctl(path, value)) {
      throw std::runtime_error(fmt::format("kernel stand-off: cannot write {}", path));
    }
    knobs += fmt::format("{} {} -> {}, ", standoff::knob_name(knob), *before, value);
  }
  if (stance_.flush_link_local) {
    // addr_gen_mode = none keeps new ones away; the one the kernel made at link-up goes.
    const CommandResult flush = run_command("ip", {"-6", "addr", "flush", "dev", device, "scope", "link"});
    if (!flush.ok()) spdlog::warn("kernel stand-off: ip -6 addr flush dev {} scope link failed", device);
    knobs += "link-local addresses removed, ";
  }
  // Every offload of the list off in one request: those already off stay so, and an adopted
  // device (already changed by a dead run) changes nothing.
  OffloadSet all;
  for (Offload offload : standoff::kOffloads) all.insert(offload);
  std::string error;
  const OffloadSet kept_on = set_offloads(device, all, false, error);
  OffloadSet turned_off = held.original.offloads_on;
  for (Offload offload : standoff::kOffloads) {
    if (!kept_on.contains(offload)) continue;
    turned_off.erase(offload);
    spdlog::warn("kernel stand-off: {} stays on on {} ({}){}", standoff::offload_name(offload),
                 device, error,
                 offload == Offload::kGro || offload == Offload::kLro
                     ? ": frames larger than the MTU may reach the datapath; they are dropped "
                       "and counted (oversized_frame)"
                     : "");
  }
  const std::string ingress =
      stance_.drop_ingress
          ? fmt::format("ingress dropped by nft table netdev {} (the PMD still reads every "
                        "frame), ",
                        standoff::kTable)
          : std::string();
  spdlog::info("kernel stand-off on {} (interface {}): {}{}offloads off: {} (all restored on "
               "exit; record in nft table netdev {})",
               device, held.port.interface, ingress, knobs, turned_off.to_string(),
               standoff::kTable);
}

void KernelStandoff::undo() noexcept {
  for (const Held& held : held_) {
    restore_device(held.port.device, held.original);
    spdlog::info("kernel stand-off: {} restored ({})", held.port.device, describe(held.original));
  }
  if (table_installed_) {
    try {
      const CommandResult result = nft({"-f", "-"}, standoff::delete_ruleset());
      if (!result.ok()) {
        spdlog::warn("kernel stand-off: could not delete nft table netdev {}: {}",
                     standoff::kTable, one_line(result.output));
      }
    } catch (const std::exception& error) {
      spdlog::warn("{}", error.what());
    }
    table_installed_ = false;
  }
  held_.clear();
}

}  // namespace sluice::runtime
