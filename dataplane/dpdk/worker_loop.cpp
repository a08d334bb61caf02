#include "dataplane/dpdk/worker_loop.hpp"

#include <array>
#include <cstring>
#include <memory>
#include <optional>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_prefetch.h>
#include <rte_mbuf.h>
#include <rte_ring.h>


namespace sluice::dpdk {
namespace {

std::uint8_t* mbuf_data(rte_mbuf* mbuf) noexcept {
  return static_cast<std::uint8_t*>(mbuf->buf_addr) + mbuf->data_off;
}

// Gives a copy of `mbuf` to every other worker's ring (ARP replies, NDP advertisements: every
// neighbour table learns). A copy that cannot be made or queued is counted and skipped.
void broadcast_copies(WorkerContext& ctx, rte_mbuf* mbuf) noexcept {
  const auto& rings = *ctx.rings;
  for (std::uint32_t w = 0; w < rings.size(); ++w) {
    if (w == ctx.index) continue;
    rte_mbuf* copy = rte_pktmbuf_alloc(ctx.pool);
    char* bytes = copy != nullptr ? rte_pktmbuf_append(copy, mbuf->data_len) : nullptr;
    if (bytes == nullptr) {
      if (copy != nullptr) rte_pktmbuf_free(copy);
      ++ctx.shell.copy_failures;
      continue;
    }
    std::memcpy(bytes, mbuf_data(mbuf), mbuf->data_len);
    copy->port = mbuf->port;
    if (rte_ring_mp_enqueue(rings[w], copy) != 0) {
      rte_pktmbuf_free(copy);
      ++ctx.shell.copy_failures;
      continue;
    }
    ++ctx.shell.broadcast_copies;
  }
}

// Hands `mbuf` to its owner when steering says so; false when it stays here.
bool steer_away(WorkerContext& ctx, rte_mbuf* mbuf, const pipeline::Frame& frame,
                const packet::ParseResult& parsed) noexcept {
  if (!parsed.ok()) return false;  // the local pipeline drops and counts it
  const pipeline::SteeringDecision decision =
      ctx.steering->classify(parsed.frame(), frame.buffer.data(), ctx.index);
  switch (decision.action) {
    case pipeline::SteeringAction::kLocal: return false;
    case pipeline::SteeringAction::kBroadcast: broadcast_copies(ctx, mbuf); return false;
    case pipeline::SteeringAction::kToOwner:
      if (rte_ring_mp_enqueue((*ctx.rings)[decision.worker], mbuf) != 0) {
        rte_pktmbuf_free(mbuf);
        ++ctx.shell.steer_ring_full;
      } else {
        ++ctx.shell.steered_out;
      }
      return true;
  }
  return false;
}

// Frames of one burst on their way through the pipeline: parsed once (for steering, with
// several workers, and by the worker itself), with the worker's prefetch hint.
struct Burst {
  std::array<pipeline::Frame, kMaxBurst> frames{};
  std::array<pipeline::FlowHint, kMaxBurst> hints{};
  std::array<std::optional<packet::ParseResult>, kMaxBurst> parsed{};
  std::uint32_t count = 0;
};

// First pass over a frame: shell checks, parse, steering, and the flow index prefetch. False
// when the frame is done with (freed or handed to another worker).
bool admit(WorkerContext& ctx, Burst& burst, rte_mbuf* mbuf, pipeline::PortId ingress,
           bool may_steer) noexcept {
  if (mbuf->nb_segs != 1 || ingress == pipeline::kNoPort) {
    ++(mbuf->nb_segs != 1 ? ctx.shell.rx_multi_segment : ctx.shell.rx_unknown_port);
    rte_pktmbuf_free(mbuf);
    return false;
  }
  const std::uint32_t i = burst.count;
  burst.frames[i] = MbufFrameIo::frame_of(mbuf);
  const std::uint8_t* data = burst.frames[i].buffer.data();
  const packet::ParseResult& parsed =
      burst.parsed[i].emplace(packet::parse_frame(data, burst.frames[i].buffer.length()));
  if (may_steer && ctx.steering != nullptr && steer_away(ctx, mbuf, burst.frames[i], parsed)) {
    return false;
  }
  burst.hints[i] = ctx.worker->prefetch(parsed, data);
  ++burst.count;
  return true;
}

// A frame for the host's stack (health probe answers, docs/health.md): into the shared ring
// the control thread drains into the TUN device.
void to_host(WorkerContext& ctx, const pipeline::Frame& frame) noexcept {
  rte_mbuf* mbuf = MbufFrameIo::commit(frame);
  if (ctx.to_host == nullptr || rte_ring_mp_enqueue(ctx.to_host, mbuf) != 0) {
    ++ctx.shell.host_ring_full;
    rte_pktmbuf_free(mbuf);
  }
}

// Second pass: the pipeline, frame by frame, in arrival order.
void process(WorkerContext& ctx, Burst& burst, pipeline::PortId ingress,
             std::int64_t now_ns) noexcept {
  for (std::uint32_t i = 0; i < burst.count; ++i) {
    pipeline::Frame& frame = burst.frames[i];
    const pipeline::Verdict verdict =
        ctx.worker->process(frame, ingress, now_ns, *burst.parsed[i], burst.hints[i]);
    switch (verdict.action) {
      case pipeline::Action::kForward: ctx.io->transmit(verdict.port, frame); break;
      case pipeline::Action::kDrop: ctx.io->release(frame); break;
      case pipeline::Action::kConsumed: break;
      case pipeline::Action::kHost: to_host(ctx, frame); break;
    }
  }
  burst.count = 0;
}

}  // namespace

int run_worker(void* arg) {
  WorkerContext& ctx = *static_cast<WorkerContext*>(arg);
  const std::uint16_t burst_size = ctx.settings.burst;
  std::array<rte_mbuf*, kMaxBurst> mbufs{};
  std::array<void*, kMaxBurst> handed{};
  // Not on the stack: ~40 KB at the largest burst.
  auto burst = std::make_unique<Burst>();
  std::uint64_t last_drain = rte_rdtsc();
  std::uint64_t last_advance = last_drain;

  while (!ctx.stop->load(std::memory_order_relaxed)) {
    const std::uint64_t cycles = rte_rdtsc();
    const std::int64_t now_ns = ctx.clock->to_ns(cycles);
    std::uint32_t received = 0;

    // Frames other workers steered here, or copies of neighbour answers: never steered again.
    // Their ingress ports may differ, so they go through the pipeline one at a time.
    const unsigned taken =
        rte_ring_sc_dequeue_burst(ctx.ring, handed.data(), burst_size, nullptr);
    ctx.shell.steered_in += taken;
    received += taken;
    for (unsigned i = 0; i < taken; ++i) {
      auto* mbuf = static_cast<rte_mbuf*>(handed[i]);
      const pipeline::PortId ingress =
          mbuf->port < ctx.port_of_dpdk_port->size() ? (*ctx.port_of_dpdk_port)[mbuf->port]
                                                     : pipeline::kNoPort;
      if (admit(ctx, *burst, mbuf, ingress, false)) process(ctx, *burst, ingress, now_ns);
    }

    // Packets the host's stack sent (health probes): routed out like the worker's own.
    if (ctx.from_host != nullptr) {
      const unsigned from_host =
          rte_ring_sc_dequeue_burst(ctx.from_host, handed.data(), burst_size, nullptr);
      for (unsigned i = 0; i < from_host; ++i) {
        pipeline::Frame frame = MbufFrameIo::frame_of(static_cast<rte_mbuf*>(handed[i]));
        const pipeline::Verdict verdict = ctx.worker->from_host(frame, now_ns);
        if (verdict.action == pipeline::Action::kForward) {
          ctx.io->transmit(verdict.port, frame);
        } else if (verdict.action == pipeline::Action::kDrop) {
          ctx.io->release(frame);
        }
      }
      received += from_host;
    }

    for (const RxQueue& rx : ctx.rx_queues) {
      const std::uint16_t count =
          rte_eth_rx_burst(rx.dpdk_port, rx.queue, mbufs.data(), burst_size);
      if (count == 0) continue;
      ++ctx.shell.rx_bursts;
      received += count;
      // Parse, steer and prefetch the whole burst first: the flow index misses of its frames
      // overlap instead of stalling each frame in turn (docs/performance.md). Before that,
      // the mbufs' headers then their first data lines, which arrive cold (written by the NIC
      // or another core): parsing frame after frame would wait for each in turn.
      for (std::uint16_t i = 0; i < count; ++i) rte_prefetch0(mbufs[i]);
      for (std::uint16_t i = 0; i < count; ++i) rte_prefetch0(mbuf_data(mbufs[i]));
      for (std::uint16_t i = 0; i < count; ++i) admit(ctx, *burst, mbufs[i], rx.port, true);
      process(ctx, *burst, rx.port, now_ns);
    }

    if (cycles - last_drain >= ctx.settings.drain_cycles) {
      ctx.io->flush();
      last_drain = cycles;
    }
    if (cycles - last_advance >= ctx.settings.advance_cycles) {
      ctx.worker->advance(now_ns);
      last_advance = cycles;
    }
    ctx.mailbox.poll();
    if (received == 0 && ctx.settings.idle_sleep_us > 0) {
      ctx.io->flush();  // nothing may wait in a TX buffer while we sleep
      rte_delay_us_sleep(ctx.settings.idle_sleep_us);
    }
  }
  ctx.io->flush();
  return 0;
}

}  // namespace sluice::dpdk
