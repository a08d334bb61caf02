#include "dataplane/pipeline/steering.hpp"

#include <algorithm>
#include <cstring>

#include "dataplane/packet/ethernet.hpp"
#include "dataplane/packet/l4.hpp"
#include "dataplane/packet/protocols.hpp"

namespace sluice::pipeline {

FlowSteering::FlowSteering(const Tables& tables, std::uint32_t worker_count)
    : partition_(conntrack::PortRange{tables.limits().snat_port_first,
                                      tables.limits().snat_port_last},
                 worker_count) {
  for (const Service& service : tables.services()) {
    for (const auto* snat : {&service.snat_v4, &service.snat_v6}) {
      if (snat->has_value() && std::find(snat_addresses_.begin(), snat_addresses_.end(),
                                         **snat) == snat_addresses_.end()) {
        snat_addresses_.push_back(**snat);
      }
    }
  }
}

bool FlowSteering::is_snat_address(const packet::ParsedFrame& parsed,
                                   const std::uint8_t* frame) const noexcept {
  const packet::IpAddressView destination = parsed.dst_address(frame);
  for (const net::IpAddress& snat : snat_addresses_) {
    if (snat.family() == destination.family &&
        std::memcmp(snat.data(), destination.bytes, destination.size()) == 0) {
      return true;
    }
  }
  return false;
}

SteeringDecision FlowSteering::classify(const packet::ParsedFrame& parsed,
                                        const std::uint8_t* frame,
                                        std::uint32_t self) const noexcept {
  if (parsed.l3 == packet::L3Kind::kArp) {
    const packet::ConstArpView arp(frame + parsed.l3_offset);
    return arp.operation() == packet::ConstArpView::kOpReply
               ? SteeringDecision{SteeringAction::kBroadcast, 0}
               : SteeringDecision{};
  }
  if (parsed.is_ipv6() && parsed.has_l4 && parsed.l4_protocol == packet::ip_proto::kIcmpv6 &&
      parsed.icmp_type == packet::ConstIcmpv6View::kNeighborAdvertisement) {
    return {SteeringAction::kBroadcast, 0};
  }
  // Only the first fragment carries ports; later fragments are dropped by every worker alike.
  if (!parsed.is_tcp() && !parsed.is_udp()) return {};
  if (!is_snat_address(parsed, frame)) return {};
  // TCP and UDP both keep the destination port at bytes 2-3 of their header.
  const std::uint16_t port = packet::ConstUdpView(frame + parsed.l4_offset).dst_port();
  const auto owner = partition_.owner_worker(port);
  if (!owner || *owner == self) return {};
  return {SteeringAction::kToOwner, *owner};
}

}  // namespace sluice::pipeline
