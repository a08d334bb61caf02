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

}  // namespace

bool header_timer_armed(const sl_xdp_flow& flow) noexcept {
  return flow.protocol == kTcp && sl_ins_timer_armed(&flow.ins) != 0;
}

bool header_timer_due(const sl_xdp_flow& flow, insertion::Nanoseconds now) noexcept {
  return header_timer_armed(flow) && now.count() >= 0 &&
         static_cast<std::uint64_t>(now.count()) >= flow.ins.deadline_ns;
}

bool header_resend_wanted(const sl_xdp_flow& flow) noexcept {
  return header_timer_armed(flow) && (flow.ins.flags & SL_INS_RESEND_WANTED) != 0;
}

insertion::TimerDecision on_header_timer(sl_xdp_flow& flow, insertion::Nanoseconds now) noexcept {
  // UDP flows keep their datagram progress in ins.header_state: never a timer.
  if (flow.protocol != kTcp || now.count() < 0) return insertion::TimerDecision{};
  // The step the kernel runs in place (bpf/xdp/timer_step.h), and the engine's decision.
  return insertion::timer_decision(flow.ins, sl_ins_timer_step(&flow.ins, static_cast<std::uint64_t>(now.count())));
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
  // A SYN-proxied flow's client sees the proxy's ISN, not the backend's (syn_proxy.h): the
  // client's RCV.NXT was recorded in the backend's space.
  if (target == ResetTarget::kClient && sl_sp_translating(&flow.syn_proxy)) {
    spec.seq = TcpSeq(sl_sp_backend_seq(&flow.syn_proxy, numbers.seq.value()));
  }
  spec.ack = numbers.ack;
  spec.flags = flag::kRst | flag::kAck;
  return pipeline::write_tcp_segment(frame, spec);
}

}  // namespace sluice::xdp
