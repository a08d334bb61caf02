#include "dataplane/xdp/header_timer.hpp"

#include "dataplane/net/address.hpp"
#include "dataplane/packet/protocols.hpp"

namespace sluice::xdp {
namespace {

namespace flag = packet::tcp_flag;

constexpr std::uint8_t kTcp = 6;

std::uint16_t host_port(std::uint16_t network_order) noexcept {
  return static_cast<std::uint16_t>((network_order >> 8) | (network_order << 8));
}

net::Endpoint endpoint(std::uint8_t family, const std::uint8_t* address, std::uint16_t port) noexcept {
  const net::Family f = family == SL_FAMILY_V4 ? net::Family::kIpv4 : net::Family::kIpv6;
  return net::Endpoint{net::IpAddress::from_bytes(f, address), host_port(port)};
}

std::uint8_t with(std::uint8_t flags, unsigned set) noexcept {
  return static_cast<std::uint8_t>(flags | set);
}

std::uint8_t without(std::uint8_t flags, unsigned clear) noexcept {
  return static_cast<std::uint8_t>(flags & ~clear);
}

}  // namespace

bool header_timer_armed(const sl_xdp_flow& flow) noexcept {
  return flow.protocol == kTcp && flow.header_len > 0 && flow.header_state == SL_HDR_SENT &&
         (flow.ins_flags & SL_INS_TIMER_ARMED) != 0 && (flow.ins_flags & SL_INS_STOPPED) == 0;
}

bool header_timer_due(const sl_xdp_flow& flow, insertion::Nanoseconds now) noexcept {
  return header_timer_armed(flow) && now.count() >= 0 &&
         static_cast<std::uint64_t>(now.count()) >= flow.deadline_ns;
}

bool header_resend_wanted(const sl_xdp_flow& flow) noexcept {
  return header_timer_armed(flow) && (flow.ins_flags & SL_INS_RESEND_WANTED) != 0;
}

insertion::TimerDecision on_header_timer(sl_xdp_flow& flow, insertion::Nanoseconds now) noexcept {
  insertion::TimerDecision decision;
  if (!header_timer_due(flow, now)) {
    if (!header_resend_wanted(flow)) return decision;
    // The backend's signal, answered late by one scan: the engine's on_backend_segment resend
    // (header segment with the client's latest ack); the timer's schedule is not moved.
    flow.ins_flags = without(flow.ins_flags, SL_INS_RESEND_WANTED);
    decision.action = insertion::TimerAction::kResend;
    decision.header_segment = insertion::HeaderSegment{TcpSeq(flow.client_isn + 1), TcpSeq(flow.client_last_ack)};
    return decision;
  }
  // Any resend answers a pending backend signal too.
  flow.ins_flags = without(flow.ins_flags, SL_INS_RESEND_WANTED);
  if (flow.timer_resends >= insertion::kMaxTimerResends) {
    // Give up (spec proxy-protocol.md, TCP item 5): both sides reset with the numbers each
    // accepts (RFC 5961 section 3.2: seq = the receiver's RCV.NXT, its latest ack).
    flow.ins_flags = with(without(flow.ins_flags, SL_INS_TIMER_ARMED), SL_INS_STOPPED);
    decision.action = insertion::TimerAction::kGiveUp;
    decision.to_client = insertion::ResetSegment{TcpSeq(flow.client_last_ack), TcpSeq(flow.client_snd_nxt)};
    decision.to_backend = insertion::ResetSegment{TcpSeq(flow.backend_last_ack), TcpSeq(flow.backend_snd_nxt)};
    return decision;
  }
  ++flow.timer_resends;
  flow.deadline_ns = static_cast<std::uint64_t>(now.count()) + sl_header_rto_ns(flow.timer_resends);
  // A new round: one backend-triggered resend is allowed again (engine.cpp, on_timer).
  flow.ins_flags = with(flow.ins_flags, SL_INS_FAST_RESEND);
  decision.action = insertion::TimerAction::kResend;
  decision.header_segment = insertion::HeaderSegment{TcpSeq(flow.client_isn + 1), TcpSeq(flow.client_last_ack)};
  return decision;
}

bool write_header_resend(packet::PacketBuffer& frame, const sl_xdp_flow& flow,
                         const insertion::HeaderSegment& segment,
                         std::span<const std::uint8_t> header,
                         const pipeline::L2Addresses& l2) noexcept {
  if (header.empty()) return false;
  pipeline::TcpSegmentSpec spec;
  spec.l2 = l2;
  spec.source = endpoint(flow.backend_family, flow.snat, flow.snat_port);
  spec.destination = endpoint(flow.backend_family, flow.backend, flow.backend_port);
  spec.seq = segment.seq;
  spec.ack = segment.ack;
  spec.flags = flag::kAck | flag::kPsh;
  spec.window = flow.last_client_window;  // host order: the program reads it big-endian
  // last_client_ts holds the whole option (kind 8, length 10): TSval and TSecr follow.
  spec.timestamps = flow.last_client_ts_len != 0 ? flow.last_client_ts + 2 : nullptr;
  spec.payload = header;
  return pipeline::write_tcp_segment(frame, spec);
}

bool write_give_up_reset(packet::PacketBuffer& frame, const sl_xdp_flow& flow, ResetTarget target,
                         const insertion::ResetSegment& numbers,
                         const pipeline::L2Addresses& l2) noexcept {
  pipeline::TcpSegmentSpec spec;
  spec.l2 = l2;
  if (target == ResetTarget::kClient) {
    spec.source = endpoint(flow.client_family, flow.vip, flow.vip_port);
    spec.destination = endpoint(flow.client_family, flow.client, flow.client_port);
  } else {
    spec.source = endpoint(flow.backend_family, flow.snat, flow.snat_port);
    spec.destination = endpoint(flow.backend_family, flow.backend, flow.backend_port);
  }
  spec.seq = numbers.seq;
  spec.ack = numbers.ack;
  spec.flags = flag::kRst | flag::kAck;
  return pipeline::write_tcp_segment(frame, spec);
}

}  // namespace sluice::xdp
