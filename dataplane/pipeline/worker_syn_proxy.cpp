// The SYN proxy in the worker (issue 14; the contract is docs/syn-proxy.md "The SYN proxy: the
// contract both datapaths and the fixture model follow", the rules dataplane/shared/syn_proxy.h
// and syn_cookie.h, which the XDP program calls too). Four parts:
//
//   client SYN, proxy engaged   answered with a cookie SYN-ACK (RFC 4987 section 3.6); nothing
//                               is kept, so a spoofed SYN costs neither a flow nor a SNAT port
//   completing ACK, no flow     the cookie is checked; a valid one creates the flow as a SYN
//                               would and the ACK becomes the client's SYN to the backend
//   backend SYN-ACK             absorbed: the deltas are recorded and the appliance completes
//                               the backend's handshake itself (with the PROXY header on it)
//   afterwards                  each segment's numbers move between the client's view (the
//                               cookie as ISN, the proxy's window scale and clock) and the
//                               backend's (its ISN, scale and clock)
#include <cstring>

#include "dataplane/packet/byte_order.hpp"
#include "dataplane/packet/ethernet.hpp"
#include "dataplane/packet/ip.hpp"
#include "dataplane/packet/l4.hpp"
#include "dataplane/packet/l4_checksum.hpp"
#include "dataplane/packet/parser.hpp"
#include "dataplane/packet/protocols.hpp"
#include "dataplane/packet/tcp_rewrite.hpp"
#include "dataplane/pipeline/frame_builder.hpp"
#include "dataplane/pipeline/worker_internal.hpp"
#include "dataplane/shared/syn_cookie.h"
#include "dataplane/shared/syn_proxy.h"
#include "dataplane/shared/xdp_maps.h"  // SL_FAMILY_*: the cookie tuple's family, as the program's

namespace sluice::pipeline {

namespace {

namespace flag = packet::tcp_flag;
namespace hs = packet::header_size;

// What a cookie is computed over: the client -> VIP 4-tuple as the conntrack key holds it (an
// IPv4 address in the first 4 bytes, zeros after; ports in host order), as syn_cookie.h wants.
sl_syn_cookie_tuple cookie_tuple(const conntrack::FlowKey& key) noexcept {
  sl_syn_cookie_tuple tuple{};
  std::memcpy(tuple.client, key.source.data(), sizeof tuple.client);
  std::memcpy(tuple.vip, key.destination.data(), sizeof tuple.vip);
  tuple.client_port = key.source_port;
  tuple.vip_port = key.destination_port;
  tuple.family = static_cast<std::uint8_t>(key.family == net::Family::kIpv4 ? SL_FAMILY_V4 : SL_FAMILY_V6);
  return tuple;
}

// TSval (at +2 of the option) or TSecr (at +6) of a segment with the timestamps option.
std::uint32_t load_tsval(const std::uint8_t* tcp, const packet::TcpOptionsSummary& options) noexcept {
  return packet::load_be32(tcp + options.timestamps_offset + 2);
}
std::uint32_t load_tsecr(const std::uint8_t* tcp, const packet::TcpOptionsSummary& options) noexcept {
  return packet::load_be32(tcp + options.timestamps_offset + 6);
}

// A 16- or 32-bit field of the TCP header rewritten with the checksum kept right (RFC 1624);
// nothing happens when the value does not change.
void rewrite_be16_at(std::uint8_t* tcp, std::size_t offset, std::uint16_t value) noexcept {
  if (packet::load_be16(tcp + offset) == value) return;
  std::uint8_t bytes[2];
  packet::store_be16(bytes, value);
  packet::rewrite_tcp_header_bytes(tcp, offset, bytes, sizeof bytes);
}
void rewrite_be32_at(std::uint8_t* tcp, std::size_t offset, std::uint32_t value) noexcept {
  if (packet::load_be32(tcp + offset) == value) return;
  std::uint8_t bytes[4];
  packet::store_be32(bytes, value);
  packet::rewrite_tcp_header_bytes(tcp, offset, bytes, sizeof bytes);
}

constexpr std::size_t kTcpWindowOffset = 14;

// The completing ACK, in place, becomes the client's SYN to the backend (docs/syn-proxy.md "The
// completing ACK"): seq `seq`, ack 0, flags SYN only, `window`, the TCP options replaced by
// `options`, no payload (the client sends its data again: the proxy never acknowledged it) and
// no Ethernet padding. The IP and TCP headers are sized anew, so both checksums are recomputed
// and `parsed` is the new frame's (the MSS clamp and the NAT that follow read its offsets).
bool rewrite_into_syn(packet::PacketBuffer& buffer, packet::ParsedFrame& parsed, TcpSeq seq,
                      std::uint16_t window, const sl_sp_option_bytes& options) noexcept {
  if (parsed.payload_length() > 0) {
    if (packet::remove_tcp_payload(buffer, parsed) != packet::DropReason::kNone) return false;
  } else if (buffer.length() > parsed.l3_end && !buffer.trim(buffer.length() - parsed.l3_end)) {
    return false;
  }
  const std::uint32_t old_header = parsed.payload_offset - parsed.l4_offset;
  const std::uint32_t new_header = static_cast<std::uint32_t>(hs::kTcpMin) + options.len;
  const std::uint32_t options_at = parsed.l4_offset + static_cast<std::uint32_t>(hs::kTcpMin);
  // The gap opens (or closes) behind the fixed TCP header: everything before it keeps its
  // offset from the start of the frame.
  if (new_header > old_header && !buffer.insert_gap(options_at, new_header - old_header)) return false;
  if (new_header < old_header && !buffer.remove_gap(options_at, old_header - new_header)) return false;
  std::uint8_t* data = buffer.data();
  std::uint8_t* tcp = data + parsed.l4_offset;
  std::memcpy(tcp + hs::kTcpMin, options.bytes, options.len);
  const packet::TcpView view(tcp);
  view.set_seq(seq);
  view.set_ack(TcpSeq(0));
  view.set_data_offset(static_cast<std::uint8_t>(new_header / 4));
  view.set_flags(flag::kSyn);
  view.set_window(window);
  if (parsed.is_ipv4()) {
    const packet::Ipv4View ip(data + parsed.l3_offset);
    ip.set_total_length(static_cast<std::uint16_t>(ip.total_length() + new_header - old_header));
    packet::recompute_ipv4_header_checksum(data, parsed);
  } else {
    const packet::Ipv6View ip(data + parsed.l3_offset);
    ip.set_payload_length(static_cast<std::uint16_t>(ip.payload_length() + new_header - old_header));
  }
  const packet::ParseResult reparsed = packet::parse_frame(data, buffer.length());
  if (!reparsed.ok()) return false;
  parsed = reparsed.frame();
  packet::recompute_l4_checksum(data, parsed);
  return true;
}

}  // namespace

// ------------------------------------------------------------------------------------ the SYN
// A client SYN of a 5-tuple without a flow, the proxy engaged: the cookie SYN-ACK out of the
// ingress port, to the SYN's source MAC (its VLAN tag kept), built as every segment the
// appliance originates; nothing else happens (docs/syn-proxy.md "The SYN").
Verdict Worker::syn_proxy_answer(Packet& packet, const Service& service,
                                 const conntrack::FlowKey& key) noexcept {
  const packet::ParsedFrame& parsed = packet.parsed;
  const std::uint8_t* data = packet.data();
  const std::uint8_t* tcp = data + parsed.l4_offset;
  const packet::TcpOptionsSummary& options = parsed.tcp_options;
  const std::uint32_t client_isn = packet::ConstTcpView(tcp).seq().value();
  const auto now = static_cast<std::uint64_t>(now_ns_ > 0 ? now_ns_ : 0);

  // Without an MSS option the client's MSS is 536 (RFC 9293 section 3.7.1).
  const std::uint8_t mss_index =
      sl_cookie_mss_index(options.has_mss() ? options.mss : static_cast<std::uint16_t>(SL_TCP_DEFAULT_MSS));
  const sl_syn_cookie_tuple tuple = cookie_tuple(key);
  const std::uint32_t cookie =
      sl_syn_cookie_make(&options_.syn_cookie_key, &tuple, client_isn, sl_cookie_tick(now), mss_index);

  // Window scale and SACK-permitted survive only in the TSval's low bits: without timestamps
  // the connection gets neither (syn_cookie.h, as Linux's cookies).
  const bool timestamps = options.has_timestamps();
  const bool sack = timestamps && options.sack_permitted();
  const bool window_scale = timestamps && options.has_window_scale();
  std::uint32_t tsval = 0;
  std::uint32_t tsecr = 0;
  if (timestamps) {
    tsecr = load_tsval(tcp, options);
    tsval = sl_cookie_ts_encode(sl_sp_ts_now(now), window_scale ? 1 : 0, options.window_scale, sack ? 1 : 0, 0);
  }
  const bool with_data = service.proxy && service.proxy->tcp_mode == insertion::InsertionMode::kWithData;
  const std::uint16_t mss =
      sl_sp_synack_mss(packet::mss_for_mtu(tables_->port(packet.ingress).mtu, key.family),
                       header_length_of(service, key), with_data ? 1 : 0);
  const sl_sp_option_bytes synack_options =
      sl_sp_options(mss, timestamps ? 1 : 0, tsval, tsecr, sack ? 1 : 0, window_scale ? 1 : 0,
                    static_cast<std::uint8_t>(SL_SP_WSCALE));

  auto frame = io_.allocate();
  if (!frame) return Verdict::dropped(PipelineDrop::kNoBuffer);
  TcpSegmentSpec spec;
  spec.l2.source = tables_->port(packet.ingress).mac;
  spec.l2.destination = packet::ConstEthernetView(data).src();
  if (parsed.has_vlan) spec.l2.vlan_tci = parsed.vlan_tci;
  spec.source = {key.destination_address(), key.destination_port};
  spec.destination = {key.source_address(), key.source_port};
  spec.seq = TcpSeq(cookie);
  spec.ack = TcpSeq(client_isn + 1u);
  spec.flags = flag::kSyn | flag::kAck;
  spec.window = static_cast<std::uint16_t>(SL_SP_SYNACK_WINDOW);
  spec.options = std::span<const std::uint8_t>(synack_options.bytes, synack_options.len);
  if (!write_tcp_segment(frame->buffer, spec)) {
    io_.release(*frame);
    return Verdict::dropped(PipelineDrop::kNoBuffer);
  }
  count_tx(*frame);
  io_.transmit(packet.ingress, *frame);
  ++counters_.syn_cookies_sent;
  sl_sp_note_cookie(&recent_cookie_, sl_cookie_tick(now));
  io_.release(packet.frame);
  return Verdict::consumed();
}

// ----------------------------------------------------------------------- the completing ACK
// An ACK of a 5-tuple without a flow to a service whose proxy is not off (engaged or not: a
// cookie sent while engaged is checked later). docs/syn-proxy.md "The completing ACK".
Verdict Worker::syn_proxy_complete(Packet& packet, ServiceId service_id,
                                   const conntrack::FlowKey& key, std::uint64_t hash) noexcept {
  packet::ParsedFrame& parsed = packet.parsed;
  const std::uint8_t* tcp = packet.data() + parsed.l4_offset;
  const packet::ConstTcpView view(tcp);
  const std::uint32_t seq = view.seq().value();
  const std::uint32_t ack = view.ack().value();
  const auto now = static_cast<std::uint64_t>(now_ns_ > 0 ? now_ns_ : 0);

  // The ACK of our SYN-ACK carries ack = cookie + 1 and seq = ISN + 1.
  const sl_syn_cookie_tuple tuple = cookie_tuple(key);
  std::uint8_t mss_index = 0;
  if (sl_syn_cookie_check(&options_.syn_cookie_key, &tuple, ack - 1u, seq - 1u, sl_cookie_tick(now),
                          &mss_index) != SL_COOKIE_OK) {
    ++counters_.syn_cookies_failed;
    return Verdict::dropped(PipelineDrop::kSynCookieInvalid);
  }
  ++counters_.syn_cookies_validated;

  const packet::TcpOptionsSummary& options = parsed.tcp_options;
  const bool ack_has_timestamps = options.has_timestamps();
  const std::uint32_t tsval = ack_has_timestamps ? load_tsval(tcp, options) : 0;
  const std::uint32_t tsecr = ack_has_timestamps ? load_tsecr(tcp, options) : 0;
  sl_syn_proxy proxy;
  sl_sp_init(&proxy, ack - 1u, mss_index, ack_has_timestamps ? 1 : 0, tsecr);
  const std::uint16_t ack_window = view.window();
  const bool had_payload = parsed.payload_length() > 0;

  // The SYN the client sent us, as the backend must see it: the options decoded from the
  // cookie (MSS) and from the TSval bits the ACK echoes (SACK, window scale).
  const bool client_scales = proxy.client_wscale != SL_COOKIE_WSCALE_NONE;
  const sl_sp_option_bytes syn_options =
      sl_sp_options(proxy.client_mss, ack_has_timestamps ? 1 : 0, tsval, 0, proxy.client_sack,
                    client_scales ? 1 : 0, proxy.client_wscale);
  if (!rewrite_into_syn(packet.frame.buffer, parsed, TcpSeq(seq - 1u),
                        sl_sp_backend_syn_window(&proxy, ack_window), syn_options)) {
    return Verdict::dropped(PipelineDrop::kNoBuffer);
  }

  // From here on it is a SYN: the flow is created exactly as for one (create_flow reads the
  // ISN from the rewritten seq) and it takes the SYN's path (NAT, MSS clamp).
  std::uint32_t flow_id = 0;
  const Verdict created = create_flow(packet, service_id, key, hash, flow_id);
  if (created.action == Action::kDrop) return created;
  flows_[flow_id].syn_proxy = proxy;
  if (had_payload) ++counters_.syn_proxy_data_stripped;
  const Verdict forwarded = tcp_from_client(packet, flow_id);
  // What completing the backend's handshake needs of the client's ACK: its raw window (scaled
  // by the client's own factor) and its timestamps. No client segment is forwarded before
  // then (early data is dropped), so nothing else writes these meanwhile.
  Flow& flow = flows_[flow_id];
  flow.client_window = ack_window;
  flow.client_has_timestamps = ack_has_timestamps;
  packet::store_be32(flow.client_timestamps.data(), tsval);
  packet::store_be32(flow.client_timestamps.data() + 4, tsecr);
  return forwarded;
}

// --------------------------------------------------------------------- the backend's SYN-ACK
// A SYN from the backend of a proxied flow: through the insertion rules as any SYN-ACK, then
// absorbed. The first one sets the deltas and is answered with the segment the client's
// handshake ACK would have become; a retransmitted one gets the header again or a bare ACK.
// docs/syn-proxy.md "The backend's SYN-ACK".
Verdict Worker::syn_proxy_backend_synack(Packet& packet, std::uint32_t flow_id) noexcept {
  Flow& flow = flows_[flow_id];
  const packet::ParsedFrame& parsed = packet.parsed;
  const std::uint8_t flags = parsed.tcp_flags;
  const std::uint8_t* tcp = packet.data() + parsed.l4_offset;
  const packet::ConstTcpView view(tcp);
  const std::uint32_t backend_isn = view.seq().value();
  const bool first = (flow.syn_proxy.flags & SL_SP_SYNCED) == 0;

  insertion::BackendDecision decision;
  if (flow.engine) {
    decision = flow.engine->on_backend_segment(
        describe_tcp_segment(parsed, packet.data(), tables_->port(packet.ingress).mtu));
    if (decision.verdict == insertion::Verdict::kDrop) return Verdict::dropped(decision.drop);
  } else if ((flags & flag::kAck) == 0) {
    // The same refusals as the insertion rules' (tcp_insertion.h): a bare SYN would be a
    // simultaneous open, a SYN-ACK not acknowledging c+1 answers another SYN.
    return Verdict::dropped(insertion::InsertionDrop::kBackendSynWithoutAck);
  } else if (view.ack().value() != flow.client_isn + 1u) {
    return Verdict::dropped(insertion::InsertionDrop::kBackendSynAckMismatch);
  }

  if (first) {
    const packet::TcpOptionsSummary& options = parsed.tcp_options;
    const bool has_timestamps = options.has_timestamps();
    const std::uint32_t tsval = has_timestamps ? load_tsval(tcp, options) : 0;
    sl_sp_backend_synack(&flow.syn_proxy, backend_isn, has_timestamps ? 1 : 0, tsval,
                         options.has_window_scale() ? 1 : 0, options.window_scale);
    track_tcp_state(flow, Side::kBackend, flags);  // SYN_RECV
    syn_proxy_complete_backend_handshake(flow, TcpSeq(backend_isn + 1u), tsval);
    touch(flow);  // after: the header just sent armed its timer, the flow is ESTABLISHED
  } else if (decision.resend != insertion::ResendCause::kNone) {
    // The backend never got the segment completing its handshake, which carried the header:
    // the header goes again (it carries that ACK too).
    if (send_header_segment(flow, decision.header_segment.seq, decision.header_segment.ack,
                            flow.client_has_timestamps ? flow.client_timestamps.data() : nullptr,
                            flow.client_window)) {
      ++counters_.pp_resent;
    }
    touch(flow);
  } else {
    // Otherwise the lost ACK is answered again: from the client's SND.NXT in the backend's
    // space, where a bare ACK at c+1 stays c+1 while the header is pending (with-data).
    const TcpSeq seq = flow.engine ? flow.engine->forwarded_client_seq(flow.engine->client_snd_nxt(), 0)
                                   : TcpSeq(flow.client_isn + 1u);
    send_backend_ack(flow, seq, TcpSeq(backend_isn + 1u));
    touch(flow);
  }
  io_.release(packet.frame);
  return Verdict::consumed();
}

// The client's handshake ACK as the backend expects it (seq c+1, ack s+1, no payload; the
// client's ACK window rescaled for the backend; TSval = the client's ACK TSval, TSecr = the
// SYN-ACK's TSval when both sides use timestamps), through the insertion engine and the
// tracker like any client segment. On-connect it carries the PROXY header (flags ACK|PSH, as a
// standalone header segment); with-data, or without a header, it is a bare ACK.
void Worker::syn_proxy_complete_backend_handshake(Flow& flow, TcpSeq ack, std::uint32_t synack_tsval) noexcept {
  const sl_syn_proxy& proxy = flow.syn_proxy;
  const TcpSeq seq(flow.client_isn + 1u);
  const std::uint16_t window = sl_sp_client_window(&proxy, flow.client_window);
  const bool timestamps = (proxy.flags & SL_SP_BOTH_TS) != 0;
  std::array<std::uint8_t, 8> stamps{};
  std::memcpy(stamps.data(), flow.client_timestamps.data(), 4);  // the client's ACK TSval
  packet::store_be32(stamps.data() + 4, synack_tsval);

  bool with_header = false;
  TcpSeq forwarded_seq = seq;
  if (flow.engine) {
    insertion::SegmentDescription segment;
    segment.seq = seq;
    segment.ack = ack;
    segment.flags = flag::kAck;
    segment.payload_length = 0;
    segment.tcp_header_length = static_cast<std::uint16_t>(hs::kTcpMin + (timestamps ? 12 : 0));
    const net::Family family = flow.backend_key.family;
    const insertion::ClientDecision decision = flow.engine->on_client_segment(
        segment, insertion::EgressPath{tables_->port(flow.backend_port).mtu, ip_header_size(family)},
        insertion::Nanoseconds(now_ns_));
    // The engine accepts it: the SYN-ACK it just saw is acknowledged exactly.
    if (decision.verdict == insertion::Verdict::kForward) {
      with_header = decision.header != insertion::HeaderPlacement::kNone;
      forwarded_seq = decision.seq;
    }
  }
  // Later header segments (timer and backend-triggered resends) copy these: in the backend's terms.
  flow.client_window = window;
  flow.client_has_timestamps = timestamps;
  flow.client_timestamps = stamps;
  track_tcp_state(flow, Side::kClient, flag::kAck);  // ESTABLISHED
  if (with_header) {
    if (send_header_segment(flow, seq, ack, timestamps ? stamps.data() : nullptr, window)) {
      ++counters_.pp_inserted;
    }
    return;
  }
  send_backend_ack(flow, forwarded_seq, ack);
}

// A bare ACK to the backend from the flow's SNAT endpoint, built as every originated segment
// (NOP NOP TS when the client's timestamps are known, the client's window in the backend's terms).
bool Worker::send_backend_ack(Flow& flow, TcpSeq seq, TcpSeq ack) noexcept {
  auto frame = io_.allocate();
  if (!frame) {
    ++counters_.pipeline_drops[static_cast<std::size_t>(PipelineDrop::kNoBuffer)];
    return false;
  }
  TcpSegmentSpec spec;
  spec.source = flow.local();
  spec.destination = flow.backend();
  spec.seq = seq;
  spec.ack = ack;
  spec.flags = flag::kAck;
  spec.window = flow.client_window;
  spec.timestamps = flow.client_has_timestamps ? flow.client_timestamps.data() : nullptr;
  if (!write_tcp_segment(frame->buffer, spec)) {
    io_.release(*frame);
    ++counters_.pipeline_drops[static_cast<std::size_t>(PipelineDrop::kNoBuffer)];
    return false;
  }
  return emit_to(flow.backend_port, flow.backend_next_hop, *frame);
}

// ---------------------------------------------------------------------------- translations
// Client -> backend, before the insertion rules see the segment: its ack, SACK edges and TSecr
// acknowledge or echo the backend's numbers as the client saw them (the cookie as ISN, the
// proxy's clock), and its window is in the client's scale against ours (RFC 7323 section 2.3).
void Worker::syn_proxy_translate_client(Packet& packet, const Flow& flow) noexcept {
  const sl_syn_proxy& proxy = flow.syn_proxy;
  const packet::ParsedFrame& parsed = packet.parsed;
  std::uint8_t* tcp = packet.data() + parsed.l4_offset;
  const packet::TcpView view(tcp);
  if ((parsed.tcp_flags & flag::kAck) != 0) {
    packet::rewrite_tcp_ack(tcp, TcpSeq(sl_sp_client_ack(&proxy, view.ack().value())));
  }
  packet::translate_sack_blocks(tcp, parsed.tcp_options, [&proxy](TcpSeq edge) noexcept {
    return TcpSeq(sl_sp_client_ack(&proxy, edge.value()));
  });
  if (parsed.tcp_options.has_timestamps()) {
    rewrite_be32_at(tcp, parsed.tcp_options.timestamps_offset + 6u,
                    sl_sp_client_tsecr(&proxy, load_tsecr(tcp, parsed.tcp_options)));
  }
  rewrite_be16_at(tcp, kTcpWindowOffset, sl_sp_client_window(&proxy, view.window()));
}

// Backend -> client, after the insertion rules: its seq and TSval move into the client's view,
// its window into the scale the client was offered.
void Worker::syn_proxy_translate_backend(Packet& packet, const Flow& flow) noexcept {
  const sl_syn_proxy& proxy = flow.syn_proxy;
  const packet::ParsedFrame& parsed = packet.parsed;
  std::uint8_t* tcp = packet.data() + parsed.l4_offset;
  const packet::TcpView view(tcp);
  packet::rewrite_tcp_seq(tcp, TcpSeq(sl_sp_backend_seq(&proxy, view.seq().value())));
  if (parsed.tcp_options.has_timestamps()) {
    rewrite_be32_at(tcp, parsed.tcp_options.timestamps_offset + 2u,
                    sl_sp_backend_tsval(&proxy, load_tsval(tcp, parsed.tcp_options)));
  }
  rewrite_be16_at(tcp, kTcpWindowOffset, sl_sp_backend_window(&proxy, view.window()));
}

}  // namespace sluice::pipeline
