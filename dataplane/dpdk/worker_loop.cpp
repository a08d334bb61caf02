#include "dataplane/dpdk/worker_loop.hpp"

#include <array>
#include <cstring>

#include <rte_cycles.h>
#include <rte_ethdev.h>
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

void handle(WorkerContext& ctx, rte_mbuf* mbuf, pipeline::PortId ingress, std::int64_t now_ns,
            bool may_steer) noexcept {
  if (mbuf->nb_segs != 1 || ingress == pipeline::kNoPort) {
    ++(mbuf->nb_segs != 1 ? ctx.shell.rx_multi_segment : ctx.shell.rx_unknown_port);
    rte_pktmbuf_free(mbuf);
    return;
  }
  pipeline::Frame frame = MbufFrameIo::frame_of(mbuf);
  // Parsed once: for steering (with several workers) and by the worker itself.
  const packet::ParseResult parsed = packet::parse_frame(frame.buffer.data(), frame.buffer.length());
  if (may_steer && ctx.steering != nullptr && steer_away(ctx, mbuf, frame, parsed)) return;
  const pipeline::Verdict verdict = ctx.worker->process(frame, ingress, now_ns, parsed);
  switch (verdict.action) {
    case pipeline::Action::kForward: ctx.io->transmit(verdict.port, frame); break;
    case pipeline::Action::kDrop: ctx.io->release(frame); break;
    case pipeline::Action::kConsumed: break;
    case pipeline::Action::kHost:
      if (ctx.to_host == nullptr || rte_ring_mp_enqueue(ctx.to_host, mbuf) != 0) {
        ++ctx.shell.host_ring_full;
        rte_pktmbuf_free(mbuf);
      }
      break;
  }
}

}  // namespace

int run_worker(void* arg) {
  WorkerContext& ctx = *static_cast<WorkerContext*>(arg);
  const std::uint16_t burst = ctx.settings.burst;
  std::array<rte_mbuf*, kMaxBurst> mbufs{};
  std::array<void*, kMaxBurst> handed{};
  std::uint64_t last_drain = rte_rdtsc();
  std::uint64_t last_advance = last_drain;

  while (!ctx.stop->load(std::memory_order_relaxed)) {
    const std::uint64_t cycles = rte_rdtsc();
    const std::int64_t now_ns = ctx.clock->to_ns(cycles);
    std::uint32_t received = 0;

    // Frames other workers steered here, or copies of neighbour answers: never steered again.
    const unsigned taken = rte_ring_sc_dequeue_burst(ctx.ring, handed.data(), burst, nullptr);
    ctx.shell.steered_in += taken;
    received += taken;
    for (unsigned i = 0; i < taken; ++i) {
      auto* mbuf = static_cast<rte_mbuf*>(handed[i]);
      const pipeline::PortId ingress =
          mbuf->port < ctx.port_of_dpdk_port->size() ? (*ctx.port_of_dpdk_port)[mbuf->port]
                                                     : pipeline::kNoPort;
      handle(ctx, mbuf, ingress, now_ns, false);
    }

    // Packets the host's stack sent (health probes): routed out like the worker's own.
    if (ctx.from_host != nullptr) {
      const unsigned from_host =
          rte_ring_sc_dequeue_burst(ctx.from_host, handed.data(), burst, nullptr);
      for (unsigned i = 0; i < from_host; ++i) {
        auto* mbuf = static_cast<rte_mbuf*>(handed[i]);
        pipeline::Frame frame = MbufFrameIo::frame_of(mbuf);
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
      const std::uint16_t count = rte_eth_rx_burst(rx.dpdk_port, rx.queue, mbufs.data(), burst);
      if (count == 0) continue;
      ++ctx.shell.rx_bursts;
      received += count;
      for (std::uint16_t i = 0; i < count; ++i) handle(ctx, mbufs[i], rx.port, now_ns, true);
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
