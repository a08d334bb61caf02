// The control thread's side of the exception path (docs/health.md): host-bound frames out of
// the workers' shared ring, and the host's IP packets into worker 0's ring.
#include <array>
#include <cstring>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/dpdk/datapath.hpp"
#include "dataplane/packet/parser.hpp"

namespace sluice::dpdk {
namespace {

constexpr std::size_t kEthernetHeader = 14;
constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kEtherTypeIpv6 = 0x86DD;

}  // namespace

std::size_t DpdkDatapath::drain_host_packets(
    const std::function<void(const std::uint8_t*, std::size_t)>& sink, std::size_t max) {
  if (to_host_ == nullptr) return 0;
  std::array<void*, 64> taken{};
  std::size_t drained = 0;
  while (drained < max) {
    const unsigned count = rte_ring_sc_dequeue_burst(
        to_host_, taken.data(), static_cast<unsigned>(std::min(taken.size(), max - drained)),
        nullptr);
    if (count == 0) break;
    for (unsigned i = 0; i < count; ++i) {
      auto* mbuf = static_cast<rte_mbuf*>(taken[i]);
      const auto* data = rte_pktmbuf_mtod(mbuf, const std::uint8_t*);
      // The worker parsed it already; parse again here only for the L3 offset and length
      // (VLAN tags, Ethernet padding), off the hot path.
      const packet::ParseResult parsed = packet::parse_frame(data, mbuf->data_len);
      if (parsed.ok() && parsed.frame().l3_end > parsed.frame().l3_offset) {
        sink(data + parsed.frame().l3_offset, parsed.frame().l3_end - parsed.frame().l3_offset);
      }
      rte_pktmbuf_free(mbuf);
    }
    drained += count;
  }
  return drained;
}

bool DpdkDatapath::inject_host_packet(const std::uint8_t* ip_packet, std::size_t length) {
  if (from_host_ == nullptr || length == 0) return false;
  const std::uint8_t version = ip_packet[0] >> 4;
  if (version != 4 && version != 6) return false;
  rte_mbuf* mbuf = rte_pktmbuf_alloc(pool_);
  if (mbuf == nullptr) return false;
  auto* bytes = reinterpret_cast<std::uint8_t*>(
      rte_pktmbuf_append(mbuf, static_cast<std::uint16_t>(
                                   std::min<std::size_t>(length + kEthernetHeader, 0xFFFF))));
  if (bytes == nullptr || length + kEthernetHeader > 0xFFFF) {
    rte_pktmbuf_free(mbuf);
    return false;
  }
  // MAC addresses are the worker's to fill in (next hop); the EtherType says the family.
  std::memset(bytes, 0, 12);
  const std::uint16_t type = version == 4 ? kEtherTypeIpv4 : kEtherTypeIpv6;
  bytes[12] = static_cast<std::uint8_t>(type >> 8);
  bytes[13] = static_cast<std::uint8_t>(type);
  std::memcpy(bytes + kEthernetHeader, ip_packet, length);
  mbuf->port = 0;
  if (rte_ring_sp_enqueue(from_host_, mbuf) != 0) {
    rte_pktmbuf_free(mbuf);
    return false;
  }
  return true;
}

}  // namespace sluice::dpdk
