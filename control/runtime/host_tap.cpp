#include "control/runtime/host_tap.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "control/runtime/iproute.hpp"

namespace sluice::runtime {
namespace {

// How often the workers' host-bound frames are collected: probe round trips gain up to this.
constexpr std::chrono::milliseconds kDrainPeriod{1};
constexpr std::size_t kDrainBatch = 256;

int open_tun(const char* name) {
  const int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    throw std::runtime_error(fmt::format("host path: cannot open /dev/net/tun: {}",
                                         std::strerror(errno)));
  }
  ifreq request{};
  request.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::strncpy(request.ifr_name, name, IFNAMSIZ - 1);
  if (::ioctl(fd, TUNSETIFF, &request) < 0) {
    const int error = errno;
    ::close(fd);
    throw std::runtime_error(fmt::format("host path: TUNSETIFF {}: {}", name, std::strerror(error)));
  }
  return fd;
}

// Only unicast TCP, UDP and ICMP leave through the datapath: the kernel's own chatter on a
// fresh device (MLD, router solicitations) has nowhere to go.
bool routable(const std::uint8_t* packet, std::size_t length) {
  if (length < 20) return false;
  const unsigned version = packet[0] >> 4;
  if (version == 4) {
    const std::uint8_t protocol = packet[9];
    return packet[16] < 224 && (protocol == 6 || protocol == 17 || protocol == 1);
  }
  if (version == 6 && length >= 40) {
    const std::uint8_t next = packet[6];
    return packet[24] != 0xFF && (next == 6 || next == 17 || next == 58);
  }
  return false;
}


}  // namespace

HostTap::HostTap(boost::asio::io_context& io, dpdk::DpdkDatapath& datapath,
                 const config::Config& config)
    : io_(io), datapath_(datapath), device_(io), drain_timer_(io) {
  device_.assign(open_tun(kDeviceName));
  std::uint16_t mtu = 0xFFFF;
  for (const config::Interface& interface : config.interfaces) mtu = std::min(mtu, interface.mtu);
  // No link-local address, no router solicitations: the device only carries our addresses.
  must_ip({"link", "set", "dev", kDeviceName, "addrgenmode", "none"}, "host path");
  must_ip({"link", "set", "dev", kDeviceName, "mtu", std::to_string(mtu), "up"}, "host path");
  std::vector<net::IpAddress> addresses;
  for (const config::Interface& interface : config.interfaces) {
    for (const net::Prefix& prefix : interface.addresses) {
      const net::IpAddress& address = prefix.address;
      if (std::find(addresses.begin(), addresses.end(), address) == addresses.end()) {
        addresses.push_back(address);
        std::vector<std::string> add{family_flag(address), "addr", "add", host_prefix(address),
                                     "dev", kDeviceName};
        if (address.is_v6()) add.push_back("nodad");
        must_ip(add, "host path");
      }
      must_ip({family_flag(address), "route", "replace", prefix.network().to_string(), "dev", kDeviceName,
               "src", address.to_string()}, "host path");
    }
  }
  for (const config::Service& service : config.services) {
    for (const auto* snat : {&service.snat.v4, &service.snat.v6}) {
      if (!snat->has_value() ||
          std::find(addresses.begin(), addresses.end(), **snat) != addresses.end()) {
        continue;
      }
      addresses.push_back(**snat);
      std::vector<std::string> add{family_flag(**snat), "addr", "add", host_prefix(**snat), "dev",
                                   kDeviceName};
      if ((*snat)->is_v6()) add.push_back("nodad");
      must_ip(add, "host path");
    }
  }
  sync_routes(config);
  spdlog::info("host path: {} up (mtu {}, {} address(es)) for the host's own connections",
               kDeviceName, mtu, addresses.size());
}

HostTap::~HostTap() { stop(); }

void HostTap::start() {
  read_next();
  drain_next();
}

void HostTap::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;
  drain_timer_.cancel();
  device_.close(ignored);  // the kernel removes the device with its addresses and routes
}

void HostTap::sync_routes(const config::Config& config) {
  for (const config::Service& service : config.services) {
    if (!service.health) continue;
    for (const config::Backend& backend : service.backends) {
      const net::IpAddress& address = backend.address;
      const bool connected = std::any_of(
          config.interfaces.begin(), config.interfaces.end(), [&](const config::Interface& i) {
            return std::any_of(i.addresses.begin(), i.addresses.end(),
                               [&](const net::Prefix& p) { return p.contains(address); });
          });
      const std::string destination = host_prefix(address);
      if (connected || std::find(routed_.begin(), routed_.end(), destination) != routed_.end()) {
        continue;
      }
      const auto& source = address.is_v4() ? service.snat.v4 : service.snat.v6;
      std::vector<std::string> args{family_flag(address), "route", "replace", destination, "dev",
                                    kDeviceName};
      if (source) {
        args.push_back("src");
        args.push_back(source->to_string());
      }
      if (run_ip(args)) {
        routed_.push_back(destination);
      } else {
        spdlog::warn("host path: cannot add a route to {} (probes to it will fail)",
                     destination);
      }
    }
  }
}

void HostTap::read_next() {
  device_.async_read_some(boost::asio::buffer(read_buffer_),
                          [this](const boost::system::error_code& error, std::size_t length) {
                            if (error) {
                              if (!stopped_ && error != boost::asio::error::operation_aborted) {
                                spdlog::error("host path: read: {}", error.message());
                              }
                              return;
                            }
                            if (!routable(read_buffer_.data(), length)) {
                              ++counters_.ignored;
                            } else if (datapath_.inject_host_packet(read_buffer_.data(), length)) {
                              ++counters_.to_datapath;
                            } else {
                              ++counters_.to_datapath_dropped;
                            }
                            read_next();
                          });
}

void HostTap::drain_next() {
  drain_timer_.expires_after(kDrainPeriod);
  drain_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || stopped_) return;
    datapath_.drain_host_packets(
        [this](const std::uint8_t* packet, std::size_t length) {
          // TUN writes are one packet each and never block long; a full device queue drops.
          if (::write(device_.native_handle(), packet, length) == static_cast<ssize_t>(length)) {
            ++counters_.to_kernel;
          } else {
            ++counters_.to_kernel_dropped;
          }
        },
        kDrainBatch);
    drain_next();
  });
}

}  // namespace sluice::runtime
