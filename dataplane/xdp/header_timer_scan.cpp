// The header timer's shell (docs/xdp.md, "Header timer"): scans the armed flows for due header
// deadlines, has the kernel take the step of each in place (sl_header_timer_step) and sends the
// frames the step decided. The program and this scan may touch the same flow at once: see
// timer_step() for why the step runs in the kernel and what a race still costs.
#include <bpf/bpf.h>

#include <array>
#include <cstring>
#include <vector>

#include "dataplane/xdp/header_timer.hpp"
#include "dataplane/xdp/kernel_neighbor.hpp"
#include "dataplane/xdp/xdp_datapath.hpp"
#include "dataplane/xdp/skeleton.hpp"

namespace sluice::xdp {
namespace {

// Flows read per BPF_MAP_LOOKUP_BATCH call: a hash bucket never holds that many, so the call
// cannot fail with ENOSPC in practice (it returns whole buckets).
constexpr std::uint32_t kBatch = 256;

// Ethernet + IPv6 + TCP with timestamps + the largest header.
constexpr std::size_t kFrameCapacity = 14 + 40 + 32 + PP2_HEADER_MAX;

net::IpAddress address_of(std::uint8_t family, const std::uint8_t* bytes) {
  return net::IpAddress::from_bytes(family == SL_FAMILY_V4 ? net::Family::kIpv4 : net::Family::kIpv6, bytes);
}

}  // namespace

std::optional<XdpDatapath::NextHop> XdpDatapath::resolve(std::uint8_t family, const std::uint8_t* address,
                                                         pipeline::PipelineDrop& why) const {
  sl_xdp_prefix_key prefix{};
  prefix.prefixlen = 8 + (family == SL_FAMILY_V4 ? 32u : 128u);
  prefix.family = family;
  std::memcpy(prefix.addr, address, 16);
  sl_xdp_nexthop hop{};
  // An LPM trie answers a userspace lookup with the longest matching prefix, as in the program.
  if (bpf_map_lookup_elem(map_fd(skeleton_->maps.sl_nexthops), &prefix, &hop) != 0 || hop.port >= ifindexes_.size()) {
    why = pipeline::PipelineDrop::kNoRoute;
    return std::nullopt;
  }
  sl_xdp_addr_key key{};
  std::memcpy(key.addr, hop.via_gateway != 0 ? hop.gateway : address, 16);
  key.family = family;
  sl_xdp_neighbor neighbor{};
  if (bpf_map_lookup_elem(map_fd(skeleton_->maps.sl_neighbors), &key, &neighbor) == 0 ||
      bpf_map_lookup_elem(map_fd(skeleton_->maps.sl_learned), &key, &neighbor) == 0) {
    std::array<std::uint8_t, 6> mac{};
    std::memcpy(mac.data(), neighbor.mac, 6);
    return NextHop{hop.port, net::MacAddress(mac)};
  }
  if (const auto mac = kernel_neighbor(ifindexes_[hop.port], address_of(family, key.addr))) {
    return NextHop{hop.port, *mac};
  }
  // The C++ pipeline would queue the frame and solicit the neighbour; the program solicits on
  // the next packet towards it. A timer frame that finds no neighbour is dropped and counted.
  why = pipeline::PipelineDrop::kNoNeighbor;
  return std::nullopt;
}

XdpDatapath::HeaderTimerResult XdpDatapath::run_header_timers(std::uint64_t now_ns, FrameSink& sink) {
  HeaderTimerResult result;
  if (skeleton_ == nullptr) return result;
  // The work list (sl_armed): the program adds a flow's id when it arms the timer, so this
  // walks the headers in flight, not the whole table (a million flows took ~0.5 s to read).
  const int armed_fd = map_fd(skeleton_->maps.sl_armed);
  const int flows_fd = map_fd(skeleton_->maps.sl_flows);
  // Due flows and finished entries first, acted on after the walk: removing entries mid-walk
  // would disturb it.
  std::vector<std::uint64_t> due;
  std::vector<std::uint64_t> finished;
  std::vector<std::uint64_t> keys(kBatch);
  std::vector<std::uint8_t> values(kBatch);
  std::uint32_t token = 0;
  bool first = true;
  LIBBPF_OPTS(bpf_map_batch_opts, options);
  for (;;) {
    std::uint32_t count = kBatch;
    const int rc = bpf_map_lookup_batch(armed_fd, first ? nullptr : &token, &token, keys.data(), values.data(),
                                        &count, &options);
    // `count` entries are valid even when the call fails: ENOENT with the last ones marks the
    // end of the map; another error ends this scan with what it read (the next one retries).
    for (std::uint32_t i = 0; i < count; ++i) {
      ++result.scanned;
      sl_xdp_flow flow{};
      if (bpf_map_lookup_elem(flows_fd, &keys[i], &flow) != 0 || !header_timer_armed(flow)) {
        finished.push_back(keys[i]);  // acknowledged, abandoned or gone: never armed again
      } else if (header_timer_due(flow, insertion::Nanoseconds(now_ns)) || header_resend_wanted(flow)) {
        due.push_back(keys[i]);
      }
    }
    if (rc != 0) break;
    first = false;
  }
  for (const std::uint64_t id : finished) bpf_map_delete_elem(armed_fd, &id);
  for (const std::uint64_t id : due) timer_step(id, now_ns, sink, result);
  return result;
}

// One due flow. The program may be handling a packet of this flow on another CPU meanwhile, so
// the step itself (the rule and the state it changes) runs in the kernel, in place in the flow's
// map value (sl_header_timer_step, bpf/xdp/timer_step.h), and this thread only reads what the
// step left: a flow removed meanwhile sends nothing, and a resend is never sent without its new
// deadline. The frames are built from that copy; a position the program moves after the copy
// is at most one resend's worth old (the backend acknowledges the resent header again, c+1+H).
void XdpDatapath::timer_step(std::uint64_t id, std::uint64_t now_ns, FrameSink& sink, HeaderTimerResult& result) {
  TimerCounters& counters = timer_counters_;
  // The header first (written once at the SYN, never changed).
  sl_xdp_header header{};
  const bool have_header = bpf_map_lookup_elem(map_fd(skeleton_->maps.sl_headers), &id, &header) == 0 && header.len > 0 &&
                           header.len <= PP2_HEADER_MAX;
  sl_xdp_timer_step step{};
  step.flow_id = id;
  step.now_ns = now_ns;
  LIBBPF_OPTS(bpf_test_run_opts, run);
  run.ctx_in = &step;
  run.ctx_size_in = sizeof(step);
  // The kernel copies the context back into ctx_in for a syscall program. A failed run changed
  // nothing: the flow stays due and the next scan (<= 50 ms) tries again.
  if (bpf_prog_test_run_opts(bpf_program__fd(skeleton_->progs.sl_header_timer_step), &run) != 0) return;
  if (step.found == 0) return;  // gone meanwhile
  const sl_xdp_flow& next = step.flow;
  const insertion::TimerDecision decision = insertion::timer_decision(next.ins, step.action);
  std::array<std::uint8_t, kFrameCapacity> storage{};

  // Builds one frame towards `destination` (next hop resolved like the program) and sends it.
  auto send_to = [&](std::uint8_t family, const std::uint8_t* destination, auto&& write) {
    pipeline::PipelineDrop why = pipeline::PipelineDrop::kNoRoute;
    const auto hop = resolve(family, destination, why);
    if (!hop) {
      ++(why == pipeline::PipelineDrop::kNoNeighbor ? counters.no_neighbor : counters.no_route);
      return;
    }
    packet::PacketBuffer frame(storage.data(), static_cast<std::uint32_t>(storage.size()), 0, 0);
    if (!write(frame, pipeline::L2Addresses{macs_[hop->port], hop->mac})) {
      ++counters.no_buffer;
      return;
    }
    const std::span<const std::uint8_t> bytes(frame.data(), frame.length());
    if (!sink.send(hop->port, ifindexes_[hop->port], bytes)) {
      ++counters.no_buffer;
      return;
    }
    ++counters.tx_packets;
    counters.tx_bytes += bytes.size();
  };

  if (decision.action == insertion::TimerAction::kResend) {
    if (!have_header) {
      ++counters.no_buffer;
      return;
    }
    const std::span<const std::uint8_t> bytes(header.bytes, header.len);
    send_to(next.backend_family, next.backend, [&](packet::PacketBuffer& frame, const pipeline::L2Addresses& l2) {
      return write_header_resend(frame, next, decision.header_segment, bytes, l2);
    });
    ++counters.pp_resent;
    ++result.resent;
  } else if (decision.action == insertion::TimerAction::kGiveUp) {
    // As the C++ pipeline: both sides reset, then nothing of the connection passes (the flow
    // goes, so the next segment of either side is an unknown flow).
    forget(id, next);
    send_to(next.client_family, next.client, [&](packet::PacketBuffer& frame, const pipeline::L2Addresses& l2) {
      return write_give_up_reset(frame, next, ResetTarget::kClient, decision.to_client, l2);
    });
    send_to(next.backend_family, next.backend, [&](packet::PacketBuffer& frame, const pipeline::L2Addresses& l2) {
      return write_give_up_reset(frame, next, ResetTarget::kBackend, decision.to_backend, l2);
    });
    ++counters.pp_given_up;
    ++result.given_up;
  }
}

}  // namespace sluice::xdp
