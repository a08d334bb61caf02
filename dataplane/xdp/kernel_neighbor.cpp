#include "dataplane/xdp/kernel_neighbor.hpp"

#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>

namespace sluice::xdp {
namespace {

// Closes the netlink socket on every return path.
class NetlinkSocket {
 public:
  NetlinkSocket() noexcept : fd_(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) {}
  ~NetlinkSocket() {
    if (fd_ >= 0) close(fd_);
  }
  NetlinkSocket(const NetlinkSocket&) = delete;
  NetlinkSocket& operator=(const NetlinkSocket&) = delete;
  int fd() const noexcept { return fd_; }

 private:
  int fd_;
};

// include/net/neighbour.h, not in the uapi: the states in which the kernel uses an entry.
constexpr std::uint16_t kNudValid =
    NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY;

struct Request {
  nlmsghdr header;
  ndmsg neighbor;
  rtattr destination;
  std::array<std::uint8_t, 16> address;
};

}  // namespace

std::optional<net::MacAddress> kernel_neighbor(std::uint32_t ifindex, const net::IpAddress& address) {
  const NetlinkSocket sock;
  if (sock.fd() < 0) return std::nullopt;
  Request request{};
  const std::size_t address_size = address.size();
  request.header.nlmsg_len = static_cast<std::uint32_t>(
      NLMSG_LENGTH(sizeof(ndmsg)) + RTA_LENGTH(address_size));
  request.header.nlmsg_type = RTM_GETNEIGH;
  request.header.nlmsg_flags = NLM_F_REQUEST;  // one entry (neigh_get), not a dump
  request.header.nlmsg_seq = 1;
  request.neighbor.ndm_family = static_cast<std::uint8_t>(address.is_v4() ? AF_INET : AF_INET6);
  request.neighbor.ndm_ifindex = static_cast<int>(ifindex);
  request.destination.rta_type = NDA_DST;
  request.destination.rta_len = static_cast<std::uint16_t>(RTA_LENGTH(address_size));
  std::memcpy(request.address.data(), address.data(), address_size);
  if (send(sock.fd(), &request, request.header.nlmsg_len, 0) < 0) return std::nullopt;

  alignas(nlmsghdr) std::array<char, 1024> reply{};
  const ssize_t received = recv(sock.fd(), reply.data(), reply.size(), 0);
  if (received <= 0) return std::nullopt;
  auto length = static_cast<std::uint32_t>(received);
  for (const auto* message = reinterpret_cast<const nlmsghdr*>(reply.data()); NLMSG_OK(message, length);
       message = NLMSG_NEXT(message, length)) {
    if (message->nlmsg_type != RTM_NEWNEIGH) return std::nullopt;  // NLMSG_ERROR: no entry
    const auto* neighbor = reinterpret_cast<const ndmsg*>(reinterpret_cast<const char*>(message) + NLMSG_HDRLEN);
    // bpf_fib_lookup's own test (NUD_VALID, include/net/neighbour.h): an entry the kernel
    // would not transmit to is no answer.
    if ((neighbor->ndm_state & kNudValid) == 0) return std::nullopt;
    // The attributes follow the ndmsg (iproute2's NDA_RTA / NDA_PAYLOAD, not in the uapi).
    const std::size_t header = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(ndmsg)));
    if (message->nlmsg_len < header) return std::nullopt;
    auto attributes_length = static_cast<int>(message->nlmsg_len - header);
    for (const auto* attribute = reinterpret_cast<const rtattr*>(reinterpret_cast<const char*>(message) + header);
         RTA_OK(attribute, attributes_length);
         attribute = RTA_NEXT(attribute, attributes_length)) {
      if (attribute->rta_type == NDA_LLADDR && RTA_PAYLOAD(attribute) == 6) {
        std::array<std::uint8_t, 6> mac{};
        std::memcpy(mac.data(), RTA_DATA(attribute), 6);
        return net::MacAddress(mac);
      }
    }
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace sluice::xdp
