// Bounded embryonic state: the worker's side of dataplane/shared/embryonic.h (the XDP program's
// is bpf/xdp/flow.h). A spoofed SYN costs a flow and a SNAT port; these keep a flood from
// holding more than max_embryonic of them per worker and from ever refusing a client while an
// embryonic flow could make room. docs/conntrack-limits.md has the rules and the counters.
#include "dataplane/pipeline/worker.hpp"
#include "dataplane/pipeline/worker_internal.hpp"
#include "dataplane/shared/embryonic.h"

namespace sluice::pipeline {

bool Worker::is_live_embryonic(const conntrack::EmbryonicSlot& slot) const noexcept {
  if (slot.serial == 0 || !flows_.in_use(slot.flow_id)) return false;
  const Flow& flow = flows_[slot.flow_id];
  return flow.serial == slot.serial && flow.protocol() == kProtoTcp &&
         sl_is_embryonic(static_cast<std::uint8_t>(flow.tcp_state)) != 0;
}

void Worker::reclaim(std::uint32_t flow_id) noexcept {
  ++counters_.embryonic_reclaimed;
  destroy_flow(flow_id);
}

// The new TCP flow's slot holds the flow created ring-size TCP flows before it: still
// embryonic after that many newer SYNs, it goes (its client's retransmitted SYN, if it was a
// real one, opens a new flow).
void Worker::reclaim_ring_slot() noexcept {
  if (embryonic_.size() == 0) return;
  const conntrack::EmbryonicSlot& slot = embryonic_.next();
  if (is_live_embryonic(slot)) reclaim(slot.flow_id);
}

// The table (pool == nullptr) or `pool` is full: the oldest embryonic flow of the next
// SL_EMBRYONIC_RECLAIM_SCAN ring slots (holding a port of `pool` when given) goes.
// Only flows that had their chance (sl_embryonic_reclaimable): older than a second, or any while
// the worker is under pressure.
bool Worker::reclaim_oldest_embryonic(const SnatPool* pool) noexcept {
  std::uint32_t victim = 0;
  const int pressure = sl_embryonic_pressure(counters_.embryonic_active, tables_->limits().max_embryonic);
  const bool found = embryonic_.find_oldest(SL_EMBRYONIC_RECLAIM_SCAN, [&](const conntrack::EmbryonicSlot& slot) {
    if (!is_live_embryonic(slot)) return false;
    const Flow& flow = flows_[slot.flow_id];
    if (sl_embryonic_reclaimable(static_cast<std::uint64_t>(flow.created_ns), static_cast<std::uint64_t>(now_ns_),
                                 pressure) == 0) {
      return false;
    }
    if (pool != nullptr && (flow.protocol() != pool->protocol || flow.local().address != pool->address)) {
      return false;
    }
    victim = slot.flow_id;
    return true;
  });
  if (found) reclaim(victim);
  return found;
}

void Worker::record_embryonic(Flow& flow, std::uint32_t flow_id) noexcept {
  embryonic_.push(flow_id, flow.serial);
  ++counters_.embryonic_active;
}

void Worker::left_embryonic(std::uint8_t old_state, const Flow& flow) noexcept {
  if (flow.protocol() == kProtoTcp && sl_is_embryonic(old_state) != 0 &&
      sl_is_embryonic(static_cast<std::uint8_t>(flow.tcp_state)) == 0) {
    --counters_.embryonic_active;
  }
}

}  // namespace sluice::pipeline
