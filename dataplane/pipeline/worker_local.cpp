// Traffic for the appliance itself: ARP and NDP for its own, VIP and SNAT addresses (answered
// on the link whose subnet holds them), neighbour learning, and ICMP echo to those addresses.
#include <cstring>

#include "dataplane/packet/byte_order.hpp"
#include "dataplane/packet/checksum.hpp"
#include "dataplane/packet/ethernet.hpp"
#include "dataplane/packet/ip.hpp"
#include "dataplane/packet/l4.hpp"
#include "dataplane/packet/l4_checksum.hpp"
#include "dataplane/packet/nat.hpp"
#include "dataplane/packet/protocols.hpp"
#include "dataplane/pipeline/frame_builder.hpp"
#include "dataplane/pipeline/worker_internal.hpp"

namespace sluice::pipeline {

namespace {

constexpr std::uint16_t kArpRequest = 1;
constexpr std::uint16_t kArpReply = 2;
constexpr std::uint8_t kIcmpEchoRequest = 8;
constexpr std::uint8_t kIcmpEchoReply = 0;
constexpr std::uint8_t kIcmpv6EchoRequest = 128;
constexpr std::uint8_t kIcmpv6EchoReply = 129;
constexpr std::uint8_t kNeighborSolicitation = 135;
constexpr std::uint8_t kNeighborAdvertisement = 136;
constexpr std::uint8_t kReplyTtl = 64;

// The link-layer address option of an NS (type 1) or NA (type 2), RFC 4861 section 4.6.1.
std::optional<net::MacAddress> nd_link_layer_option(const std::uint8_t* icmp, std::size_t length,
                                                    std::uint8_t wanted_type) noexcept {
  std::size_t at = 24;  // type, code, checksum, flags/reserved, target
  for (int guard = 0; guard < 8 && at + 2 <= length; ++guard) {
    const std::size_t option_length = std::size_t{icmp[at + 1]} * 8;
    if (option_length == 0 || at + option_length > length) return std::nullopt;
    if (icmp[at] == wanted_type && option_length == 8) {
      std::array<std::uint8_t, 6> mac{};
      std::memcpy(mac.data(), icmp + at + 2, 6);
      return net::MacAddress(mac);
    }
    at += option_length;
  }
  return std::nullopt;
}

}  // namespace

void Worker::learn_neighbor(const net::IpAddress& address, const net::MacAddress& mac,
                            PortId port) noexcept {
  neighbors_.learn(address, mac, port, now_ns_, [this](Frame& frame, const NeighborEntry& entry) {
    packet::rewrite_l2(frame.buffer.data(), tables_->port(entry.port).mac, entry.mac);
    count_tx(frame);
    io_.transmit(entry.port, frame);
  });
}

Verdict Worker::handle_arp(Packet& packet) noexcept {
  const packet::ArpView arp(packet.data() + packet.parsed.l3_offset);
  const net::IpAddress sender = arp.sender_ip();
  const net::MacAddress sender_mac = arp.sender_mac();
  const net::IpAddress target = arp.target_ip();
  const auto answering = tables_->answering_port(target);
  const bool for_us = answering && *answering == packet.ingress;
  // RFC 826 "merge": refresh a sender we know; learn one that asks for us.
  if (for_us || neighbors_.find(sender) != nullptr || arp.operation() == kArpReply) {
    if (!sender.is_unspecified()) learn_neighbor(sender, sender_mac, packet.ingress);
  }
  if (arp.operation() == kArpReply) {  // absorbed: learning was all it was for
    io_.release(packet.frame);
    return Verdict::consumed();
  }
  if (arp.operation() != kArpRequest || !for_us) {
    return Verdict::dropped(PipelineDrop::kNotForUs);
  }
  const net::MacAddress& own_mac = tables_->port(packet.ingress).mac;
  // Answers are never padded (the NIC pads to the Ethernet minimum): drop the request's padding.
  packet::PacketBuffer& buffer = packet.frame.buffer;
  if (buffer.length() > packet.parsed.l3_end && !buffer.trim(buffer.length() - packet.parsed.l3_end)) {
    return Verdict::dropped(PipelineDrop::kNoBuffer);
  }
  packet::rewrite_l2(packet.data(), own_mac, sender_mac);
  arp.set_operation(kArpReply);
  arp.set_sender(own_mac, target);
  arp.set_target(sender_mac, sender);
  ++counters_.arp_replies;
  count_tx(packet.frame);
  io_.transmit(packet.ingress, packet.frame);
  return Verdict::consumed();
}

Verdict Worker::handle_icmp(Packet& packet) noexcept {
  packet::ParsedFrame& parsed = packet.parsed;
  std::uint8_t* data = packet.data();
  const net::IpAddress source = parsed.src_address(data).to_address();
  const net::IpAddress destination = parsed.dst_address(data).to_address();
  std::uint8_t* icmp = data + parsed.l4_offset;
  const std::size_t icmp_length = parsed.l4_length();

  if (parsed.is_ipv6() && parsed.icmp_type == kNeighborSolicitation && icmp_length >= 24) {
    const net::IpAddress target = net::IpAddress::from_bytes(net::Family::kIpv6, icmp + 8);
    const auto answering = tables_->answering_port(target);
    if (!answering || *answering != packet.ingress) {
      return Verdict::dropped(PipelineDrop::kNotForUs);
    }
    // Duplicate address detection probes (unspecified source) are not answered by unicast.
    if (source.is_unspecified()) return Verdict::dropped(PipelineDrop::kIcmpIgnored);
    const auto source_mac = nd_link_layer_option(icmp, icmp_length, 1);
    const net::MacAddress reply_to =
        source_mac ? *source_mac : packet::ConstEthernetView(data).src();
    learn_neighbor(source, reply_to, packet.ingress);
    if (!packet.frame.buffer.trim(packet.frame.buffer.length())) {  // reuse the frame, empty
      return Verdict::dropped(PipelineDrop::kNoBuffer);
    }
    const L2Addresses l2{tables_->port(packet.ingress).mac, reply_to};
    if (!write_neighbor_advertisement(packet.frame.buffer, l2, target, source)) {
      return Verdict::dropped(PipelineDrop::kNoBuffer);
    }
    ++counters_.nd_replies;
    count_tx(packet.frame);
    io_.transmit(packet.ingress, packet.frame);
    return Verdict::consumed();
  }
  if (parsed.is_ipv6() && parsed.icmp_type == kNeighborAdvertisement && icmp_length >= 24) {
    const net::IpAddress target = net::IpAddress::from_bytes(net::Family::kIpv6, icmp + 8);
    if (const auto mac = nd_link_layer_option(icmp, icmp_length, 2)) {
      learn_neighbor(target, *mac, packet.ingress);
    }
    io_.release(packet.frame);
    return Verdict::consumed();
  }

  const bool echo_request = parsed.is_ipv4() ? parsed.icmp_type == kIcmpEchoRequest
                                             : parsed.icmp_type == kIcmpv6EchoRequest;
  const bool ours = tables_->is_vip(destination) || tables_->is_own_address(destination);
  if (!ours) return Verdict::dropped(PipelineDrop::kNotForUs);
  if (!echo_request || parsed.icmp_code != 0) return Verdict::dropped(PipelineDrop::kIcmpIgnored);

  // Answer in place (RFC 792, RFC 4443 section 4.2): same identifier, sequence and data.
  const net::MacAddress peer_mac = packet::ConstEthernetView(data).src();
  if (packet.frame.buffer.length() > parsed.l3_end &&
      !packet.frame.buffer.trim(packet.frame.buffer.length() - parsed.l3_end)) {
    return Verdict::dropped(PipelineDrop::kNoBuffer);
  }
  packet::rewrite_l2(data, tables_->port(packet.ingress).mac, peer_mac);
  if (parsed.is_ipv4()) {
    const packet::Ipv4View ip(data + parsed.l3_offset);
    ip.set_src(destination);
    ip.set_dst(source);
    ip.set_ttl(kReplyTtl);
    ip.set_identification(0);  // like every frame the appliance originates (docs/pipeline.md)
    ip.set_dont_fragment(true);
    packet::recompute_ipv4_header_checksum(data, parsed);
  } else {
    const packet::Ipv6View ip(data + parsed.l3_offset);
    ip.set_src(destination);
    ip.set_dst(source);
    ip.set_hop_limit(kReplyTtl);
    ip.set_version_class_flow(0, 0);
  }
  // The type changes (8 -> 0, 128 -> 129) and the checksum follows incrementally (RFC 1624), as
  // in the XDP program (bpf/xdp/local.h sl_echo_reply): a request that arrived damaged gets a
  // reply wrong by as much, which its sender discards (RFC 1122 section 3.2.2), instead of a
  // reply that vouches for the damaged bytes (found by the differential test's mutated frames).
  // ICMPv6's pseudo header holds the same two addresses, swapped: the same sum.
  const auto word = [icmp] { return static_cast<std::uint16_t>((icmp[0] << 8) | icmp[1]); };
  const std::uint16_t request_word = word();
  icmp[0] = parsed.is_ipv4() ? kIcmpEchoReply : kIcmpv6EchoReply;
  const std::uint16_t checksum = packet::checksum_update16(static_cast<std::uint16_t>((icmp[2] << 8) | icmp[3]),
                                                   request_word, word());
  icmp[2] = static_cast<std::uint8_t>(checksum >> 8);
  icmp[3] = static_cast<std::uint8_t>(checksum);
  ++counters_.icmp_echo_replies;
  count_tx(packet.frame);
  io_.transmit(packet.ingress, packet.frame);
  return Verdict::consumed();
}

}  // namespace sluice::pipeline

namespace sluice::pipeline {

Verdict Worker::from_host(Frame& frame, std::int64_t now_ns) noexcept {
  now_ns_ = now_ns;
  const packet::ParseResult result = packet::parse_frame(frame.buffer.data(), frame.buffer.length());
  Verdict verdict;
  if (!result.ok()) {
    verdict = Verdict::dropped(result.drop_reason());
  } else {
    Packet packet{frame, kNoPort, result.frame(), FlowHint{}};
    const net::IpAddress source = packet.parsed.src_address(packet.data()).to_address();
    const net::IpAddress destination = packet.parsed.dst_address(packet.data()).to_address();
    const auto hop = tables_->next_hop(destination);
    if (!tables_->is_own_address(source)) {
      verdict = Verdict::dropped(PipelineDrop::kHostBadSource);
    } else if (!hop) {
      verdict = Verdict::dropped(PipelineDrop::kNoRoute);
    } else {
      NeighborCache uncached;  // the host's packets have no flow to cache a MAC in
      verdict = deliver(packet, hop->port, hop->gateway, uncached);
    }
  }
  switch (verdict.action) {
    case Action::kForward:
      ++counters_.host_tx;
      count_tx(frame);
      break;
    case Action::kConsumed: ++counters_.host_tx; break;
    case Action::kDrop: count_drop(verdict); break;
    case Action::kHost: break;  // never: the host's packets do not go back up
  }
  return verdict;
}

}  // namespace sluice::pipeline
