#include "control/runtime/kernel_addresses.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "control/runtime/iproute.hpp"

namespace sluice::runtime {
namespace {

const std::string& kernel_device(const config::Interface& interface) {
  return interface.kernel.empty() ? interface.name : interface.kernel;
}

// The addresses the kernel has now, as (device, address) pairs.
KernelAddresses::PresentAddresses present_addresses() {
  KernelAddresses::PresentAddresses present;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return present;
  for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr) continue;
    if (entry->ifa_addr->sa_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
      present.emplace_back(entry->ifa_name,
                           net::IpAddress::from_bytes(net::Family::kIpv4,
                                                      reinterpret_cast<const std::uint8_t*>(&in->sin_addr)));
    } else if (entry->ifa_addr->sa_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(entry->ifa_addr);
      present.emplace_back(entry->ifa_name,
                           net::IpAddress::from_bytes(net::Family::kIpv6, in6->sin6_addr.s6_addr));
    }
  }
  freeifaddrs(list);
  return present;
}

// "A/LEN" -> A
net::IpAddress address_of(const KernelChange& change) {
  const std::string text = change.address.substr(0, change.address.find('/'));
  return *net::IpAddress::parse(text);
}

}  // namespace

std::vector<KernelChange> kernel_changes(const config::Config& config) {
  std::vector<KernelChange> changes;
  for (const config::Interface& interface : config.interfaces) {
    for (const net::Prefix& prefix : interface.addresses) {
      changes.push_back({KernelChange::Kind::kAddress, family_flag(prefix.address),
                         prefix.to_string(),
                         kernel_device(interface), {}, {}});
    }
  }
  for (const config::Route& route : config.routes) {
    changes.push_back({KernelChange::Kind::kRoute, family_flag(route.prefix.address), {}, {},
                       route.prefix.to_string(), route.via.to_string()});
  }
  return changes;
}

std::vector<std::string> add_arguments(const KernelChange& change) {
  if (change.kind == KernelChange::Kind::kRoute) {
    return {change.family, "route", "add", change.destination, "via", change.gateway};
  }
  std::vector<std::string> args{change.family, "addr", "add", change.address, "dev", change.device};
  // No duplicate address detection: the address is the appliance's by configuration, and DAD
  // would hold it "tentative" (unusable as a probe's source) for a second.
  if (change.family == "-6") args.push_back("nodad");
  return args;
}

std::vector<std::string> delete_arguments(const KernelChange& change) {
  if (change.kind == KernelChange::Kind::kRoute) {
    return {change.family, "route", "del", change.destination, "via", change.gateway};
  }
  return {change.family, "addr", "del", change.address, "dev", change.device};
}

KernelAddresses::KernelAddresses(const config::Config& config) {
  try {
    const auto present = present_addresses();
    for (const KernelChange& change : kernel_changes(config)) apply(change, true, present);
  } catch (...) {
    undo();  // what was added before the failure
    throw;
  }
  spdlog::info("kernel: {} address(es)/route(s) added for the host's own connections",
               added_.size());
}

KernelAddresses::~KernelAddresses() { undo(); }

void KernelAddresses::undo() noexcept {
  for (auto change = added_.rbegin(); change != added_.rend(); ++change) {
    if (!run_ip(delete_arguments(*change))) {
      spdlog::warn("kernel: could not remove {} {}", change->address, change->destination);
    }
  }
  added_.clear();
}

void KernelAddresses::sync_routes(const config::Config& config) {
  const auto present = present_addresses();
  for (const KernelChange& change : kernel_changes(config)) apply(change, false, present);
}

void KernelAddresses::apply(const KernelChange& change, bool must, const PresentAddresses& present) {
  if (std::find(added_.begin(), added_.end(), change) != added_.end()) return;
  if (change.kind == KernelChange::Kind::kAddress) {
    const net::IpAddress address = address_of(change);
    const bool there = std::any_of(present.begin(), present.end(), [&](const auto& entry) {
      return entry.first == change.device && entry.second == address;
    });
    if (there) {
      spdlog::info("kernel: {} already on {}: used, and left there on exit", change.address,
                   change.device);
      return;
    }
  }
  const std::vector<std::string> args = add_arguments(change);
  if (run_ip(args)) {
    added_.push_back(change);
    return;
  }
  if (change.kind == KernelChange::Kind::kRoute) {
    // Most often the route exists already (an operator's, or a crashed run's): not ours.
    spdlog::warn("kernel: route {} via {} not added (exists or unreachable gateway): probes to "
                 "backends behind it use whatever route the kernel has",
                 change.destination, change.gateway);
    return;
  }
  if (must) throw std::runtime_error(fmt::format("kernel addresses: '{}' failed", ip_command(args)));
  spdlog::warn("kernel addresses: '{}' failed", ip_command(args));
}

}  // namespace sluice::runtime
