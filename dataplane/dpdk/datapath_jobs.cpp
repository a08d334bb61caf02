// DpdkDatapath's control-plane hand-over: jobs posted to each worker's mailbox
// (pipeline/worker_mailbox.hpp, docs/reload.md). Control thread only.
#include <algorithm>
#include <chrono>
#include <thread>

#include <spdlog/spdlog.h>

#include "dataplane/dpdk/datapath.hpp"

namespace sluice::dpdk {
namespace {

// Entries a job looks at per poll round: bounds the pause a listing or flush adds to a round
// (a few hundred microseconds) while a million flows still take only a few hundred rounds.
constexpr std::uint32_t kFlowsPerRound = 8192;

}  // namespace

void DpdkDatapath::run_on_workers(
    const std::function<pipeline::WorkerJob(WorkerContext&)>& make_job) {
  std::vector<pipeline::WorkerJob> jobs;
  jobs.reserve(workers_.size());
  for (auto& ctx : workers_) jobs.push_back(make_job(*ctx));
  if (!running_) {  // no lcore polls the mailboxes: run them here
    for (pipeline::WorkerJob& job : jobs) {
      while (!job()) {
      }
    }
    return;
  }
  for (std::size_t w = 0; w < workers_.size(); ++w) {
    // One job at a time per worker, and only this thread posts: the slot is free.
    workers_[w]->mailbox.post(&jobs[w]);
  }
  const auto started = std::chrono::steady_clock::now();
  bool warned = false;
  for (;;) {
    const bool all_done = std::all_of(workers_.begin(), workers_.end(),
                                      [](const auto& ctx) { return ctx->mailbox.idle(); });
    if (all_done) break;
    // The jobs live in this frame: waiting for them is mandatory, however long it takes.
    if (!warned && std::chrono::steady_clock::now() - started > std::chrono::seconds(1)) {
      spdlog::warn("datapath: a worker has not run its control job for 1 s; still waiting");
      warned = true;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
}

void DpdkDatapath::apply_tables(std::shared_ptr<const pipeline::Tables> tables) {
  std::unique_ptr<pipeline::FlowSteering> steering;
  if (workers_.size() > 1) {
    steering = std::make_unique<pipeline::FlowSteering>(*tables,
                                                        static_cast<std::uint32_t>(workers_.size()));
  }
  std::vector<std::shared_ptr<const pipeline::Tables>> replaced(workers_.size());
  run_on_workers([&](WorkerContext& ctx) -> pipeline::WorkerJob {
    return [&ctx, &tables, &replaced, next = steering.get()]() {
      if (next != nullptr) ctx.steering = next;
      replaced[ctx.index] = ctx.worker->adopt_tables(tables);
      return true;
    };
  });
  if (steering) {
    if (steering_) old_steerings_.push_back(std::move(steering_));
    steering_ = std::move(steering);
  }
  tables_ = std::move(tables);
  // `replaced` goes out of scope here: the old snapshots are freed on this thread.
}

std::vector<pipeline::FlowRecord> DpdkDatapath::list_flows(
    std::optional<pipeline::ServiceId> service, std::size_t limit) {
  std::vector<std::vector<pipeline::FlowRecord>> per_worker(workers_.size());
  run_on_workers([&](WorkerContext& ctx) -> pipeline::WorkerJob {
    return [&ctx, &per_worker, service, limit, cursor = std::uint32_t{0}]() mutable {
      const pipeline::Worker& worker = *ctx.worker;
      auto& out = per_worker[ctx.index];
      return worker.visit_flows(cursor, kFlowsPerRound, [&](const pipeline::Flow& flow) {
        if (service && flow.service != *service) return true;
        out.push_back(pipeline::flow_record(flow, worker.tables(), worker.now_ns(), ctx.index));
        return out.size() < limit;
      });
    };
  });
  std::vector<pipeline::FlowRecord> flows;
  for (auto& list : per_worker) {
    for (auto& record : list) {
      if (flows.size() >= limit) break;
      flows.push_back(record);
    }
  }
  return flows;
}

std::uint64_t DpdkDatapath::flush_flows(std::optional<pipeline::ServiceId> service) {
  std::vector<std::uint64_t> flushed(workers_.size(), 0);
  run_on_workers([&](WorkerContext& ctx) -> pipeline::WorkerJob {
    return [&ctx, &flushed, service, cursor = std::uint32_t{0}]() mutable {
      return ctx.worker->flush_flows(service, cursor, kFlowsPerRound, flushed[ctx.index]);
    };
  });
  std::uint64_t total = 0;
  for (std::uint64_t count : flushed) total += count;
  return total;
}

pipeline::FlowCounts DpdkDatapath::flow_counts() {
  std::vector<pipeline::FlowCounts> per_worker(workers_.size());
  run_on_workers([&](WorkerContext& ctx) -> pipeline::WorkerJob {
    return [&ctx, &per_worker]() {
      per_worker[ctx.index] = ctx.worker->flow_counts();
      return true;
    };
  });
  pipeline::FlowCounts sum;
  for (const auto& counts : per_worker) pipeline::accumulate(sum, counts);
  return sum;
}

std::vector<pipeline::NeighborRecord> DpdkDatapath::neighbors() {
  std::vector<std::vector<pipeline::NeighborRecord>> per_worker(workers_.size());
  run_on_workers([&](WorkerContext& ctx) -> pipeline::WorkerJob {
    return [&ctx, &per_worker]() {
      per_worker[ctx.index] = ctx.worker->neighbor_records();
      return true;
    };
  });
  std::vector<pipeline::NeighborRecord> merged;
  for (const auto& list : per_worker) {
    for (const pipeline::NeighborRecord& record : list) {
      auto it = std::find_if(merged.begin(), merged.end(),
                             [&](const auto& m) { return m.address == record.address; });
      if (it == merged.end()) {
        merged.push_back(record);
      } else if (!it->is_static && record.age_ns < it->age_ns) {
        *it = record;
      }
    }
  }
  std::sort(merged.begin(), merged.end(), [](const auto& a, const auto& b) {
    return a.address.to_string() < b.address.to_string();
  });
  return merged;
}

}  // namespace sluice::dpdk
