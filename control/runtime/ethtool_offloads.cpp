#include "control/runtime/ethtool_offloads.hpp"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace sluice::runtime {
namespace {

using standoff::Offload;

// The legacy per-feature commands: each maps onto the device's feature bits in the kernel
// (ethtool_set_one_feature), so they need no string-set lookup and exist on every kernel.
struct Commands {
  std::uint32_t get;
  std::uint32_t set;
};

Commands commands_of(Offload offload) noexcept {
  switch (offload) {
    case Offload::kRx: return {ETHTOOL_GRXCSUM, ETHTOOL_SRXCSUM};
    case Offload::kTx: return {ETHTOOL_GTXCSUM, ETHTOOL_STXCSUM};
    case Offload::kTso: return {ETHTOOL_GTSO, ETHTOOL_STSO};
    case Offload::kGso: return {ETHTOOL_GGSO, ETHTOOL_SGSO};
    case Offload::kGro: return {ETHTOOL_GGRO, ETHTOOL_SGRO};
    case Offload::kLro: return {ETHTOOL_GFLAGS, ETHTOOL_SFLAGS};  // the ETH_FLAG_LRO bit
  }
  return {0, 0};
}

class EthtoolSocket {
 public:
  EthtoolSocket() : fd_(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
  ~EthtoolSocket() {
    if (fd_ >= 0) close(fd_);
  }
  EthtoolSocket(const EthtoolSocket&) = delete;
  EthtoolSocket& operator=(const EthtoolSocket&) = delete;

  // The value of one ethtool_value command; errno kept on failure.
  bool call(const std::string& device, ethtool_value& value) const {
    if (fd_ < 0) return false;
    ifreq request{};
    std::strncpy(request.ifr_name, device.c_str(), IFNAMSIZ - 1);
    request.ifr_data = reinterpret_cast<char*>(&value);
    return ioctl(fd_, SIOCETHTOOL, &request) == 0;
  }

 private:
  int fd_;
};

bool read_one(const EthtoolSocket& socket, const std::string& device, Offload offload,
              bool& on) {
  ethtool_value value{};
  value.cmd = commands_of(offload).get;
  if (!socket.call(device, value)) return false;
  on = offload == Offload::kLro ? (value.data & ETH_FLAG_LRO) != 0 : value.data != 0;
  return true;
}

}  // namespace

std::optional<standoff::OffloadSet> read_offloads(const std::string& device, std::string& error) {
  EthtoolSocket socket;
  standoff::OffloadSet on_now;
  bool any_answer = false;
  for (Offload offload : standoff::kOffloads) {
    bool on = false;
    if (read_one(socket, device, offload, on)) {
      any_answer = true;
      if (on) on_now.insert(offload);
    } else if (errno == ENODEV) {
      error = fmt::format("no device {}", device);
      return std::nullopt;
    }
    // EOPNOTSUPP and friends: the device does not implement it, so it is off.
  }
  if (!any_answer) {
    error = fmt::format("{} answers no ethtool request", device);
    return std::nullopt;
  }
  return on_now;
}

bool set_offload(const std::string& device, Offload offload, bool on, std::string& error) {
  EthtoolSocket socket;
  ethtool_value value{};
  if (offload == Offload::kLro) {
    // LRO lives among the flags: change that bit alone.
    value.cmd = ETHTOOL_GFLAGS;
    if (!socket.call(device, value)) {
      error = std::strerror(errno);
      return false;
    }
    value.data = on ? (value.data | ETH_FLAG_LRO) : (value.data & ~std::uint32_t{ETH_FLAG_LRO});
  } else {
    value.data = on ? 1 : 0;
  }
  value.cmd = commands_of(offload).set;
  if (!socket.call(device, value)) {
    error = std::strerror(errno);
    return false;
  }
  // Some features depend on others (tso on tx checksums and scatter-gather): read back.
  bool now = !on;
  if (!read_one(socket, device, offload, now) || now != on) {
    error = "the kernel kept it";
    return false;
  }
  return true;
}

}  // namespace sluice::runtime
