#pragma once
// The header's own retransmission timer for the XDP datapath (docs/xdp.md, "Header timer"):
// the pure part, no libbpf. The BPF program arms the timer when it sends the header
// (sl_xdp_flow.ins.deadline_ns, SL_INS_TIMER_ARMED) but can only send frames it receives; the
// control side scans the armed flows and, for a flow whose deadline passed, does what the C++
// pipeline does on that timer (dataplane/pipeline/worker.cpp on_flow_timer):
//
//   on_header_timer(flow, now)       sl_ins_on_timer, the rule InsertionEngine::on_timer runs,
//                                    over the map value: resend (deadline doubled, FAST_RESEND
//                                    re-armed) or, after kMaxTimerResends, give up
//   write_header_resend(frame, ...)  the standalone header segment to the backend
//   write_give_up_reset(frame, ...)  the RST+ACK to the client or to the backend
//
// The frames come from pipeline::write_tcp_segment with the fields Worker::send_header_segment
// and Worker::send_resets use, so they are the C++ pipeline's bytes (the fixture replay
// compares them: tests/bpf/xdp_fixture_test.cpp).
#include <cstdint>
#include <span>

#include "dataplane/insertion/decision.hpp"
#include "dataplane/insertion/resend_schedule.hpp"
#include "dataplane/packet/packet_buffer.hpp"
#include "dataplane/pipeline/frame_builder.hpp"
#include "dataplane/shared/xdp_maps.h"

namespace sluice::xdp {

// True when the flow's header timer runs: a TCP flow whose header was sent and is neither
// acknowledged nor abandoned (the backend reset sets STOPPED without disarming, in the program).
bool header_timer_armed(const sl_xdp_flow& flow) noexcept;

// True when the timer is armed and its deadline has passed at `now` (CLOCK_MONOTONIC, the
// clock of bpf_ktime_get_ns, or the fixture clock).
bool header_timer_due(const sl_xdp_flow& flow, insertion::Nanoseconds now) noexcept;

// True when the program recorded a backend signal (SL_INS_RESEND_WANTED) it could not answer
// in place because the segment carried data or FIN for the client: the C++ pipeline sends the
// header segment at once beside that segment; the scan sends it at its next round (<= 50 ms).
bool header_resend_wanted(const sl_xdp_flow& flow) noexcept;

// One step of the header timer over a copy of the flow: sl_ins_timer_step (the step the kernel
// runs in place for the timer thread, bpf/xdp/timer_step.h; InsertionEngine::on_timer's rule)
// and the engine's decision from the state it leaves. The map's fields stand for the engine's:
//   client_isn = c, client_last_ack = client RCV.NXT, client_snd_nxt = client SND.NXT,
//   backend_last_ack = backend RCV.NXT, backend_snd_nxt = backend SND.NXT.
// Before the deadline, a wanted resend (header_resend_wanted) is sent as the engine's
// backend-triggered one: the schedule and the resend count stay, the flag is cleared.
insertion::TimerDecision on_header_timer(sl_xdp_flow& flow, insertion::Nanoseconds now) noexcept;

// The header segment of a timer resend: SNAT -> backend in the backend's family, ACK|PSH,
// the client's last window and timestamps, payload = `header`. `l2`: the backend side's link.
bool write_header_resend(packet::PacketBuffer& frame, const sl_xdp_flow& flow,
                         const insertion::HeaderSegment& segment,
                         std::span<const std::uint8_t> header,
                         const pipeline::L2Addresses& l2) noexcept;

enum class ResetTarget : std::uint8_t { kClient, kBackend };

// A give-up RST+ACK: VIP -> client (client family) or SNAT -> backend (backend family), no
// options, window 0, as Worker::send_resets writes them.
bool write_give_up_reset(packet::PacketBuffer& frame, const sl_xdp_flow& flow, ResetTarget target,
                         const insertion::ResetSegment& numbers,
                         const pipeline::L2Addresses& l2) noexcept;

}  // namespace sluice::xdp
