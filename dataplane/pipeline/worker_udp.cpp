// UDP through the worker: a flow per client 5-tuple, full-NAT both ways, and the PROXY header
// prepended to every (or the first) client datagram (spec proxy-protocol.md, "UDP").
#include <cstring>

#include "dataplane/packet/l4.hpp"
#include "dataplane/pipeline/frame_builder.hpp"
#include "dataplane/pipeline/worker_internal.hpp"
#include "dataplane/shared/pp2.h"

namespace sluice::pipeline {

Verdict Worker::handle_udp(Packet& packet) noexcept {
  const packet::ParsedFrame& parsed = packet.parsed;
  const std::uint8_t* data = packet.data();
  const auto key = flow_key_of(parsed, data, kProtoUdp);
  const std::uint64_t hash = packet.key_hash(key, options_.hash_seed);
  Side side = Side::kClient;
  if (const auto flow_id = find_flow(key, hash, side)) {
    if (hop_limit_reached(packet)) return Verdict::dropped(PipelineDrop::kTtlExceeded);
    return side == Side::kClient ? udp_from_client(packet, *flow_id)
                                 : udp_from_backend(packet, *flow_id);
  }
  std::optional<ServiceId> service;
  const Verdict verdict = no_flow_verdict(packet, kProtoUdp, key.destination_address(),
                                          key.destination_port, true, service);
  if (verdict.action != Action::kForward) return verdict;
  std::uint32_t flow_id = 0;
  const Verdict created = create_flow(packet, *service, key, hash, flow_id);
  if (created.action == Action::kDrop) return created;
  return udp_from_client(packet, flow_id);
}

Verdict Worker::udp_from_client(Packet& packet, std::uint32_t flow_id) noexcept {
  Flow& flow = flows_[flow_id];
  const Service& service = tables_->service(flow.service);
  touch(flow);
  const bool with_header =
      service.proxy && (service.proxy->udp_every_datagram || !flow.udp_header_sent);
  std::uint8_t header[PP2_HEADER_MAX];
  std::int32_t header_length = 0;
  if (with_header) {
    header_length = build_header(flow, header);
    if (header_length <= 0) return Verdict::dropped(PipelineDrop::kNoBuffer);
    const packet::ParsedFrame& parsed = packet.parsed;
    const std::uint32_t backend_ip_header = ip_header_size(flow.backend().address.family());
    const std::uint32_t grown =
        backend_ip_header + parsed.l4_length() + static_cast<std::uint32_t>(header_length);
    const std::uint16_t mtu = tables_->port(flow.backend_port).mtu;
    if (grown > mtu) {
      // The header must not be split or fragmented: tell the client how much smaller its
      // datagrams must be (RFC 1191 / RFC 8201), from our address on its link.
      const std::uint32_t client_ip_header = parsed.l3_header_length();
      const std::uint32_t overhead =
          static_cast<std::uint32_t>(header_length) + backend_ip_header;
      const std::uint32_t reduced = mtu > overhead ? mtu - overhead + client_ip_header : 0;
      const auto source = tables_->port_address(packet.ingress, flow.client().address.family());
      auto frame = io_.allocate();
      if (source && frame) {
        const std::span<const std::uint8_t> offending(packet.data() + parsed.l3_offset,
                                                      parsed.l3_end - parsed.l3_offset);
        if (!write_icmp_too_big(frame->buffer, L2Addresses{}, *source, offending,
                                static_cast<std::uint16_t>(reduced))) {
          io_.release(*frame);
        } else if (emit_to(flow.client_port, flow.client_next_hop, *frame)) {
          ++counters_.icmp_errors_sent;
        }
      } else if (frame) {
        io_.release(*frame);
      }
      return Verdict::dropped(PipelineDrop::kUdpTooBig);
    }
  }
  if (const Verdict nat = nat_to_backend(packet, flow); nat.action == Action::kDrop) return nat;
  if (with_header) {
    if (!insert_payload_prefix(packet, header, static_cast<std::uint16_t>(header_length))) {
      return Verdict::dropped(PipelineDrop::kNoBuffer);
    }
    flow.udp_header_sent = true;
    ++counters_.pp_inserted;
  }
  return deliver(packet, flow.backend_port, flow.backend_next_hop, flow.backend_neighbor);
}

Verdict Worker::udp_from_backend(Packet& packet, std::uint32_t flow_id) noexcept {
  Flow& flow = flows_[flow_id];
  touch(flow);
  if (const Verdict nat = nat_to_client(packet, flow); nat.action == Action::kDrop) return nat;
  return deliver(packet, flow.client_port, flow.client_next_hop, flow.client_neighbor);
}

}  // namespace sluice::pipeline
