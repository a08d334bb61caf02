// The worker's side of control-plane hand-over: new table snapshots, flow listing and flushing
// for the console. Runs on the worker's own thread between bursts (docs/reload.md).
#include <algorithm>
#include <utility>

#include "dataplane/pipeline/worker.hpp"
#include "dataplane/pipeline/worker_internal.hpp"

namespace sluice::pipeline {

std::shared_ptr<const Tables> Worker::adopt_tables(std::shared_ptr<const Tables> next) {
  // Service ids only grow (retired services keep theirs), so every live flow's id stays valid
  // and only schedulers for new ids are added. The rr/wrr cursors of a service whose backend
  // set changed restart on its next pick (Scheduler notices the new generation); least-conn
  // counts live on, keyed by the stable backend slots.
  while (schedulers_.size() < next->services().size()) {
    schedulers_.emplace_back(options_.worker_index);
  }
  add_snat_pools(*next);
  for (const StaticNeighbor& entry : next->static_neighbors()) neighbors_.add_static(entry);
  std::swap(tables_, next);
  return next;
}

bool Worker::visit_flows(std::uint32_t& cursor, std::uint32_t budget,
                         const std::function<bool(const Flow&)>& fn) const {
  const std::uint32_t end = flows_.high_water();
  for (; cursor < end && budget > 0; ++cursor, --budget) {
    if (!flows_.in_use(cursor)) continue;
    if (!fn(flows_[cursor])) {
      ++cursor;
      return true;
    }
  }
  return cursor >= end;
}

bool Worker::flush_flows(std::optional<ServiceId> service, std::uint32_t& cursor,
                         std::uint32_t budget, std::uint64_t& flushed) noexcept {
  const std::uint32_t end = flows_.high_water();
  for (; cursor < end && budget > 0; ++cursor, --budget) {
    if (!flows_.in_use(cursor)) continue;
    if (service && flows_[cursor].service != *service) continue;
    // Like `ipvsadm --flush` of connections: the state goes, the endpoints learn it from the
    // next segment (no flow: dropped, they time out or reset). Counted as expired.
    destroy_flow(cursor);
    ++counters_.flows_flushed;
    ++flushed;
  }
  return cursor >= end;
}

FlowCounts Worker::flow_counts() const {
  FlowCounts counts(tables_->services().size());
  for (std::size_t id = 0; id < counts.size(); ++id) {
    const sched::Scheduler& scheduler = schedulers_[id];
    counts[id].active = scheduler.active_sum();
    for (const sched::Backend& backend : tables_->services()[id].backends->backends()) {
      counts[id].backends.push_back(
          {scheduler.active_flows(backend.slot), scheduler.created_flows(backend.slot)});
    }
  }
  return counts;
}

std::vector<NeighborRecord> Worker::neighbor_records() const {
  std::vector<NeighborRecord> records;
  for (const auto& [address, entry] : neighbors_.entries()) {
    records.push_back({address, entry.mac, entry.port, entry.is_static,
                       entry.is_static ? 0 : std::max<std::int64_t>(0, now_ns_ - entry.learnt_ns)});
  }
  return records;
}

}  // namespace sluice::pipeline
