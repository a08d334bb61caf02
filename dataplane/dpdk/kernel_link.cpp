#include "dataplane/dpdk/kernel_link.hpp"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace sluice::dpdk {

std::optional<bool> kernel_link_running(const std::string& device) {
  if (device.empty() || device.size() >= IFNAMSIZ) return std::nullopt;
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  ifreq request{};
  std::memcpy(request.ifr_name, device.data(), device.size());
  const int rc = ioctl(fd, SIOCGIFFLAGS, &request);
  close(fd);
  if (rc != 0) return std::nullopt;
  const auto flags = static_cast<unsigned>(request.ifr_flags);
  return (flags & IFF_UP) != 0 && (flags & IFF_RUNNING) != 0;
}

}  // namespace sluice::dpdk
