#include "dataplane/xdp/frame_sink.hpp"

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "dataplane/xdp/xdp_datapath.hpp"

namespace sluice::xdp {

PacketSocketSink::PacketSocketSink() : fd_(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)) {
  if (fd_ < 0) throw XdpError(std::string("cannot open an AF_PACKET socket: ") + std::strerror(errno));
}

PacketSocketSink::~PacketSocketSink() {
  if (fd_ >= 0) close(fd_);
}

bool PacketSocketSink::send(std::uint32_t, std::uint32_t ifindex, std::span<const std::uint8_t> frame) {
  if (frame.size() < ETH_HLEN) return false;
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_ifindex = static_cast<int>(ifindex);
  // The frame's own EtherType (network order already): the kernel sets skb->protocol from it.
  std::memcpy(&address.sll_protocol, frame.data() + 12, 2);
  address.sll_halen = ETH_ALEN;
  std::memcpy(address.sll_addr, frame.data(), ETH_ALEN);
  const ssize_t sent = sendto(fd_, frame.data(), frame.size(), 0, reinterpret_cast<const sockaddr*>(&address),
                              sizeof address);
  return sent == static_cast<ssize_t>(frame.size());
}

}  // namespace sluice::xdp
