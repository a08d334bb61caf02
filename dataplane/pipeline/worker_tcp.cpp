// TCP through the worker: flow creation on a client SYN, both directions of full-NAT, and the
// PROXY insertion engine's decisions applied to the bytes (spec proxy-protocol.md, "TCP";
// docs/resequencing.md for the sequence-space rules, docs/pipeline.md for the packet walk).
#include <algorithm>
#include <cstring>

#include "dataplane/packet/byte_order.hpp"
#include "dataplane/packet/l4.hpp"
#include "dataplane/packet/protocols.hpp"
#include "dataplane/packet/tcp_rewrite.hpp"
#include "dataplane/pipeline/frame_builder.hpp"
#include "dataplane/pipeline/worker_internal.hpp"
#include "dataplane/shared/pp2.h"

namespace sluice::pipeline {

namespace {

namespace flag = packet::tcp_flag;

// States in which a new SYN from the client starts a new connection on the same 5-tuple: the
// shared rule (tcp_rules.h), the XDP program's too.
bool is_closing(TcpState state) noexcept { return sl_tcp_closing(static_cast<std::uint8_t>(state)) != 0; }

}  // namespace

// The engine's view of a segment: sequence facts only.
insertion::SegmentDescription describe_tcp_segment(const packet::ParsedFrame& parsed,
                                                   const std::uint8_t* frame,
                                                   std::uint16_t ingress_mtu) noexcept {
  const packet::ConstTcpView tcp(frame + parsed.l4_offset);
  insertion::SegmentDescription segment;
  segment.seq = tcp.seq();
  segment.ack = tcp.ack();
  segment.flags = parsed.tcp_flags;
  segment.payload_length = parsed.payload_length();
  segment.tcp_header_length = static_cast<std::uint16_t>(tcp.header_length());
  const packet::TcpOptionsSummary& options = parsed.tcp_options;
  segment.mss_option = options.has_mss() ? options.mss : 0;
  // A frame larger than its link's MTU can only be a GSO/LRO super-frame: never grown.
  segment.coalesced = parsed.l3_end - parsed.l3_offset > ingress_mtu;
  if (options.has_sack()) {
    const std::uint8_t* blocks = tcp.bytes() + options.sack_offset + 2;
    segment.sack_count = std::min<std::uint8_t>(options.sack_block_count,
                                                insertion::kMaxSackBlocks);
    for (std::size_t i = 0; i < segment.sack_count; ++i) {
      segment.sack[i] = insertion::SackBlock{TcpSeq(packet::load_be32(blocks + 8 * i)),
                                             TcpSeq(packet::load_be32(blocks + 8 * i + 4))};
    }
  }
  return segment;
}

namespace {

// Rewrites the SACK option with the engine's translated blocks. Blocks that translate to
// nothing (they covered only header bytes) are removed: the option shrinks and the freed
// bytes become NOPs, so the TCP header keeps its length and the checksum stays incremental.
void rewrite_sack(std::uint8_t* tcp, packet::TcpOptionsSummary& options,
                  const insertion::SegmentDescription& segment,
                  const std::array<std::optional<insertion::SackBlock>,
                                   insertion::kMaxSackBlocks>& translated) noexcept {
  if (!options.has_sack()) return;
  const std::size_t option_length = 2 + 8 * std::size_t{options.sack_block_count};
  std::uint8_t bytes[2 + 8 * insertion::kMaxSackBlocks];
  std::memset(bytes, 1 /* NOP */, sizeof bytes);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < segment.sack_count; ++i) {
    if (!translated[i]) continue;
    packet::store_be32(bytes + 2 + 8 * kept, translated[i]->left.value());
    packet::store_be32(bytes + 2 + 8 * kept + 4, translated[i]->right.value());
    ++kept;
  }
  if (kept > 0) {
    bytes[0] = 5;  // SACK, RFC 2018 section 3
    bytes[1] = static_cast<std::uint8_t>(2 + 8 * kept);
  }
  packet::rewrite_tcp_header_bytes(tcp, options.sack_offset, bytes, option_length);
  if (kept == 0) {
    options.sack_offset = 0;
    options.sack_block_count = 0;
  } else {
    options.sack_block_count = static_cast<std::uint8_t>(kept);
  }
}

}  // namespace

Verdict Worker::handle_tcp(Packet& packet) noexcept {
  const packet::ParsedFrame& parsed = packet.parsed;
  const std::uint8_t* data = packet.data();
  const auto key = flow_key_of(parsed, data, kProtoTcp);
  const std::uint64_t hash = packet.key_hash(key, options_.hash_seed);
  const bool opening_syn =
      (parsed.tcp_flags & (flag::kSyn | flag::kAck | flag::kRst)) == flag::kSyn;
  Side side = Side::kClient;
  if (const auto flow_id = find_flow(key, hash, side)) {
    // A client reusing its port for a new connection while the old one is closing or closed
    // (TIME_WAIT assassination is the client's call, RFC 6191): the old flow ends here and
    // the SYN opens a new one, with a fresh backend pick and SNAT port, as LVS does.
    const bool reopening = side == Side::kClient && opening_syn && is_closing(flows_[*flow_id].tcp_state);
    if (!reopening) {
      if (hop_limit_reached(packet)) return Verdict::dropped(PipelineDrop::kTtlExceeded);
      return side == Side::kBackend ? tcp_from_backend(packet, *flow_id) : tcp_from_client(packet, *flow_id);
    }
    destroy_flow(*flow_id);
  }
  // Only a client's opening SYN creates a flow (RFC 9293 section 3.5), or the ACK completing a
  // handshake the SYN proxy answered (worker_syn_proxy.cpp); anything else of an unknown
  // connection is dropped, so a stray ACK never reaches a backend.
  const bool completing_ack = (parsed.tcp_flags & (flag::kSyn | flag::kAck | flag::kRst)) == flag::kAck;
  std::optional<ServiceId> service;
  const Verdict verdict =
      no_flow_verdict(packet, kProtoTcp, key.destination_address(), key.destination_port,
                      opening_syn || completing_ack, service);
  if (verdict.action != Action::kForward) {
    // An ACK to an address and port without a service was never one of our handshakes.
    if (completing_ack && verdict.drop == PipelineDrop::kNoService) {
      return Verdict::dropped(PipelineDrop::kUnknownTcpFlow);
    }
    return verdict;
  }
  const Service& target = tables_->service(*service);
  if (completing_ack) {
    // "on" checks every such ACK; "auto" only while a cookie this worker sent could still be
    // valid (sl_sp_checks_ack: a stray ACK is an unknown flow, not a failed cookie).
    if (sl_sp_checks_ack(static_cast<std::uint8_t>(target.syn_proxy), recent_cookie_,
                         sl_cookie_tick(static_cast<std::uint64_t>(now_ns_ > 0 ? now_ns_ : 0))) == 0) {
      return Verdict::dropped(PipelineDrop::kUnknownTcpFlow);
    }
    return syn_proxy_complete(packet, *service, key, hash);
  }
  // The same pressure that shortens the SYN timeout engages "auto" (embryonic.h, syn_proxy.h).
  if (sl_sp_engaged(static_cast<std::uint8_t>(target.syn_proxy), counters_.embryonic_active,
                    tables_->limits().max_embryonic) != 0) {
    return syn_proxy_answer(packet, target, key);
  }
  std::uint32_t flow_id = 0;
  const Verdict created = create_flow(packet, *service, key, hash, flow_id);
  if (created.action == Action::kDrop) return created;
  return tcp_from_client(packet, flow_id);
}

Verdict Worker::tcp_from_client(Packet& packet, std::uint32_t flow_id) noexcept {
  Flow& flow = flows_[flow_id];
  packet::ParsedFrame& parsed = packet.parsed;
  const std::uint8_t flags = parsed.tcp_flags;
  const net::Family backend_family = flow.backend_key.family;
  const std::uint16_t backend_mtu = tables_->port(flow.backend_port).mtu;

  // A proxied flow (worker_syn_proxy.cpp): nothing of the client passes before the backend's
  // SYN-ACK set the deltas (the client resends it); afterwards its numbers move into the
  // backend's view before the insertion rules read them. Its SYN goes by the rules below.
  if ((flow.syn_proxy.flags & SL_SP_PROXIED) != 0 && (flags & flag::kSyn) == 0) {
    if (sl_sp_translating(&flow.syn_proxy) == 0) return Verdict::dropped(PipelineDrop::kSynProxyEarlyData);
    syn_proxy_translate_client(packet, flow);
  }

  insertion::ClientDecision decision;
  std::uint8_t timestamps[8];
  const bool has_timestamps = parsed.tcp_options.has_timestamps();
  std::uint16_t window = 0;
  {
    std::uint8_t* tcp = packet.data() + parsed.l4_offset;
    const packet::TcpView view(tcp);
    window = view.window();
    if (has_timestamps) std::memcpy(timestamps, tcp + parsed.tcp_options.timestamps_offset + 2, 8);
    if (flow.engine) {
      const auto segment = describe_tcp_segment(parsed, packet.data(), tables_->port(packet.ingress).mtu);
      decision = flow.engine->on_client_segment(
          segment, insertion::EgressPath{backend_mtu, ip_header_size(backend_family)},
          insertion::Nanoseconds(now_ns_));
      if (decision.verdict == insertion::Verdict::kDrop) return Verdict::dropped(decision.drop);
      if (decision.seq != view.seq()) packet::rewrite_tcp_seq(tcp, decision.seq);
    }
    if ((flags & flag::kSyn) != 0) {
      // TCP Fast Open (spec item 1): the SYN goes without the option and without data, so the
      // client falls back to a normal handshake and sends its data again after it.
      if (flow.engine) {
        packet::strip_fast_open(tcp, parsed.tcp_options);
        if (parsed.payload_length() > 0) {
          if (const auto reason = packet::remove_tcp_payload(packet.frame.buffer, parsed);
              reason != packet::DropReason::kNone) {
            return Verdict::dropped(reason);
          }
          tcp = packet.data() + parsed.l4_offset;
        }
      }
      // The backend must not send segments that do not fit the client side's path, nor the
      // client ones that do not fit the backend side's (the IP header size may differ).
      packet::clamp_mss(tcp, parsed.tcp_options, packet::mss_for_mtu(backend_mtu, backend_family));
    }
  }
  if (flow.engine) {
    flow.client_window = window;
    flow.client_has_timestamps = has_timestamps;
    if (has_timestamps) std::memcpy(flow.client_timestamps.data(), timestamps, 8);
  }
  track_tcp_state(flow, Side::kClient, flags);
  touch(flow);

  if (const Verdict nat = nat_to_backend(packet, flow); nat.action == Action::kDrop) return nat;

  if (decision.header != insertion::HeaderPlacement::kNone) {
    const bool resend = decision.resend != insertion::ResendCause::kNone;
    if (decision.header == insertion::HeaderPlacement::kGrow) {
      std::uint8_t header[PP2_HEADER_MAX];
      const std::int32_t length = build_header(flow, header);
      if (length <= 0 ||
          !insert_payload_prefix(packet, header, static_cast<std::uint16_t>(length))) {
        return Verdict::dropped(PipelineDrop::kNoBuffer);
      }
      ++(resend ? counters_.pp_resent : counters_.pp_inserted);
    } else if (send_header_segment(flow, decision.header_segment.seq, decision.header_segment.ack,
                                   has_timestamps ? timestamps : nullptr, window)) {
      ++(resend ? counters_.pp_resent : counters_.pp_inserted);
    }
  }
  return deliver(packet, flow.backend_port, flow.backend_next_hop, flow.backend_neighbor);
}

Verdict Worker::tcp_from_backend(Packet& packet, std::uint32_t flow_id) noexcept {
  Flow& flow = flows_[flow_id];
  packet::ParsedFrame& parsed = packet.parsed;
  const std::uint8_t flags = parsed.tcp_flags;
  std::uint8_t* tcp = packet.data() + parsed.l4_offset;
  const packet::TcpView view(tcp);

  // Until the SYN-ACK the appliance is the backend's peer in SYN-SENT: a bare ACK is never
  // forwarded, and one with an unacceptable ack (the old connection's ACK from the backend's
  // TIME_WAIT, answering a SYN on a reused SNAT port: Linux TCP_TW_ACK) is answered with
  // <SEQ=SEG.ACK><CTL=RST> (the shared rule, tcp_rules.h). The reset ends that TIME_WAIT (RFC
  // 1337's hazard, which Linux accepts with tcp_rfc1337 = 0), so the client's SYN retransmission
  // opens the connection; forwarding the ACK to the client, or dropping it silently, would leave
  // every retransmission facing the same TIME_WAIT for up to 60 s.
  if (flow.tcp_state == TcpState::kSynSent) {
    const int answer = sl_syn_sent_backend_ack(flow.client_isn, flags, view.ack().value());
    if (answer == SL_SYN_SENT_RESET) reset_stale_backend(flow, view.ack());
    if (answer != SL_SYN_SENT_PASS) return Verdict::dropped(PipelineDrop::kStaleAckToSyn);
  }

  // A proxied flow's SYN-ACK is the proxy's to answer, never the client's to see.
  if ((flow.syn_proxy.flags & SL_SP_PROXIED) != 0 && (flags & flag::kSyn) != 0) {
    return syn_proxy_backend_synack(packet, flow_id);
  }

  if (flow.engine) {
    const auto segment = describe_tcp_segment(parsed, packet.data(), tables_->port(packet.ingress).mtu);
    const insertion::BackendDecision decision = flow.engine->on_backend_segment(segment);
    if (decision.verdict == insertion::Verdict::kDrop) return Verdict::dropped(decision.drop);
    if ((flags & flag::kAck) != 0 && decision.ack != view.ack()) {
      packet::rewrite_tcp_ack(tcp, decision.ack);
    }
    rewrite_sack(tcp, parsed.tcp_options, segment, decision.sack);
    if (decision.client_mss != 0) packet::clamp_mss(tcp, parsed.tcp_options, decision.client_mss);
    if (decision.resend != insertion::ResendCause::kNone &&
        send_header_segment(flow, decision.header_segment.seq, decision.header_segment.ack,
                            flow.client_has_timestamps ? flow.client_timestamps.data() : nullptr,
                            flow.client_window)) {
      ++counters_.pp_resent;
    }
  }
  if ((flags & flag::kSyn) != 0) {
    const net::Family client_family = flow.client_key.family;
    packet::clamp_mss(tcp, parsed.tcp_options,
                      packet::mss_for_mtu(tables_->port(flow.client_port).mtu, client_family));
  }
  // Into the client's view, once the insertion rules are done with the backend's numbers.
  if (sl_sp_translating(&flow.syn_proxy) != 0) syn_proxy_translate_backend(packet, flow);
  track_tcp_state(flow, Side::kBackend, flags);
  touch(flow);
  if (const Verdict nat = nat_to_client(packet, flow); nat.action == Action::kDrop) return nat;
  return deliver(packet, flow.client_port, flow.client_next_hop, flow.client_neighbor);
}

// The shared tracker (dataplane/shared/tcp_rules.h, docs/pipeline.md "Conntrack states"): the
// XDP program runs the same function over its flow.
void Worker::track_tcp_state(Flow& flow, Side side, std::uint8_t flags) noexcept {
  auto state = static_cast<std::uint8_t>(flow.tcp_state);
  const std::uint8_t old_state = state;
  sl_tcp_track(&state, &flow.track_flags, side == Side::kClient ? 1 : 0, flags);
  flow.tcp_state = static_cast<TcpState>(state);
  left_embryonic(old_state, flow);
}

bool Worker::send_header_segment(Flow& flow, TcpSeq seq, TcpSeq ack,
                                 const std::uint8_t* timestamps, std::uint16_t window) noexcept {
  auto frame = io_.allocate();
  if (!frame) {
    ++counters_.pipeline_drops[static_cast<std::size_t>(PipelineDrop::kNoBuffer)];
    return false;
  }
  std::uint8_t header[PP2_HEADER_MAX];
  const std::int32_t length = build_header(flow, header);
  TcpSegmentSpec spec;
  spec.source = flow.local();
  spec.destination = flow.backend();
  spec.seq = seq;
  spec.ack = ack;
  spec.flags = flag::kAck | flag::kPsh;
  spec.window = window;
  spec.timestamps = timestamps;
  spec.payload = std::span<const std::uint8_t>(header, length > 0 ? static_cast<std::size_t>(length) : 0);
  if (length <= 0 || !write_tcp_segment(frame->buffer, spec)) {
    io_.release(*frame);
    ++counters_.pipeline_drops[static_cast<std::size_t>(PipelineDrop::kNoBuffer)];
    return false;
  }
  return emit_to(flow.backend_port, flow.backend_next_hop, *frame);
}

// The SYN-SENT reset (RFC 9293 section 3.10.7.3): seq = the offending segment's ack, no ACK
// flag (so the ack field is 0), from the flow's SNAT address:port to the backend, built like
// every originated segment (window 0, no options, no payload).
void Worker::reset_stale_backend(Flow& flow, TcpSeq seg_ack) noexcept {
  auto frame = io_.allocate();
  if (!frame) {
    ++counters_.pipeline_drops[static_cast<std::size_t>(PipelineDrop::kNoBuffer)];
    return;
  }
  TcpSegmentSpec spec;
  spec.source = flow.local();
  spec.destination = flow.backend();
  spec.seq = seg_ack;
  spec.flags = flag::kRst;
  if (!write_tcp_segment(frame->buffer, spec)) {
    io_.release(*frame);
    ++counters_.pipeline_drops[static_cast<std::size_t>(PipelineDrop::kNoBuffer)];
    return;
  }
  emit_to(flow.backend_port, flow.backend_next_hop, *frame);
}

void Worker::send_resets(Flow& flow, const insertion::ResetSegment& to_client,
                         const insertion::ResetSegment& to_backend) noexcept {
  struct Target {
    net::Endpoint source, destination;
    const insertion::ResetSegment& numbers;
    PortId port;
    net::IpAddress next_hop;
  };
  // The client's RST, like every backend segment of a proxied flow, in the client's view: its
  // seq is the backend's (the cookie as ISN, docs/syn-proxy.md "After the handshake").
  insertion::ResetSegment client_numbers = to_client;
  if (sl_sp_translating(&flow.syn_proxy) != 0) {
    client_numbers.seq = TcpSeq(sl_sp_backend_seq(&flow.syn_proxy, to_client.seq.value()));
  }
  const Target targets[] = {
      {flow.vip(), flow.client(), client_numbers, flow.client_port, flow.client_next_hop},
      {flow.local(), flow.backend(), to_backend, flow.backend_port, flow.backend_next_hop},
  };
  for (const Target& target : targets) {
    auto frame = io_.allocate();
    if (!frame) {
      ++counters_.pipeline_drops[static_cast<std::size_t>(PipelineDrop::kNoBuffer)];
      continue;
    }
    TcpSegmentSpec spec;
    spec.source = target.source;
    spec.destination = target.destination;
    spec.seq = target.numbers.seq;
    spec.ack = target.numbers.ack;
    spec.flags = flag::kRst | flag::kAck;
    if (!write_tcp_segment(frame->buffer, spec)) {
      io_.release(*frame);
      continue;
    }
    emit_to(target.port, target.next_hop, *frame);
  }
}

}  // namespace sluice::pipeline
