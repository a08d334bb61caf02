// Microbenchmarks of the pure packet pipeline: one Worker on one core, frames in preallocated
// mbuf-like buffers, no NIC and no I/O. What each benchmark measures, and how to read the
// numbers, is in docs/performance.md; scripts/bench builds a release tree and runs them.
//
// Every packet is reset from a template with one memcpy before the worker sees it (the worker
// rewrites frames in place). frame_reset measures that copy alone, so that it can be
// subtracted. Every benchmark checks the verdicts it got: a run that measured drops instead of
// the forwarding path is reported as an error, not as a fast number.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tests/bench/bench_world.hpp"
#include "tests/bench/cycle_counter.hpp"

namespace sluice::bench {
namespace {

using pipeline::Action;

constexpr std::uint32_t kBurst = 32;                 // packets per iteration: one RX burst
constexpr std::int64_t kBurstIntervalNs = 1'000;     // simulated time between two bursts
constexpr std::uint32_t kBatchFlows = 8192;          // new flows per timed batch
constexpr std::int64_t kRecycleStepNs = 100'000'000;  // timer steps while a batch expires
constexpr std::uint32_t kRecycleMaxSteps = 300;      // 30 s: past the header give-up (25.4 s)
constexpr std::array<std::uint32_t, 4> kFlowCounts{1, 1'000, 100'000, 1'000'000};

enum class Direction : std::uint8_t { kClientToBackend, kBackendToClient };

// One established world alive at a time (a million flows with their frames is ~0.5 GB);
// benchmarks are registered grouped by world, so each world is built once.
EstablishedWorld& world_for(ServiceKind kind, std::uint32_t flows) {
  static std::unique_ptr<EstablishedWorld> world;
  static ServiceKind world_kind = ServiceKind::kTcpPlain;
  static std::uint32_t world_flows = 0;
  if (!world || world_kind != kind || world_flows != flows) {
    world.reset();
    world = std::make_unique<EstablishedWorld>(kind, flows);
    world_kind = kind;
    world_flows = flows;
  }
  return *world;
}

void report(benchmark::State& state, std::uint64_t packets, std::uint64_t cycles,
            std::uint64_t unexpected, const std::string& what) {
  state.SetItemsProcessed(static_cast<std::int64_t>(packets));
  state.counters["cycles_per_packet"] =
      benchmark::Counter(packets == 0 ? 0.0 : static_cast<double>(cycles) /
                                                  static_cast<double>(packets));
  if (unexpected != 0) {
    state.SkipWithError((std::to_string(unexpected) + " packets were not " + what).c_str());
  }
}

// The baseline: copying each packet's template into a receive buffer, nothing else.
void frame_reset(benchmark::State& state, ServiceKind kind, std::uint32_t flows) {
  EstablishedWorld& world = world_for(kind, flows);
  const FrameTemplates& frames = world.client_frames();
  FramePool& io = world.io();
  const auto count = static_cast<std::uint32_t>(frames.size());
  std::uint32_t k = 0;
  const std::uint64_t start = reference_cycles();
  for (auto _ : state) {
    for (std::uint32_t b = 0; b < kBurst; ++b) {
      pipeline::Frame frame = io.receive(frames[k]);
      k = k + 1 == count ? 0 : k + 1;
      benchmark::DoNotOptimize(frame);
    }
    benchmark::ClobberMemory();
  }
  report(state, state.iterations() * kBurst, reference_cycles() - start, 0, "");
  state.counters["frame_bytes"] = frames.frame_length();
}

// Established flows: each packet is the next flow's steady segment (or datagram).
void established(benchmark::State& state, ServiceKind kind, Direction direction,
                 std::uint32_t flows) {
  EstablishedWorld& world = world_for(kind, flows);
  const bool to_backend = direction == Direction::kClientToBackend;
  const FrameTemplates& frames = to_backend ? world.client_frames() : world.backend_frames();
  const pipeline::PortId ingress = to_backend ? kFrontPort : kBackPort;
  pipeline::Worker& worker = world.worker();
  FramePool& io = world.io();
  std::int64_t& now = world.now();
  const std::uint64_t originated_before = io.originated();
  const auto count = static_cast<std::uint32_t>(frames.size());
  std::uint32_t k = 0;
  std::uint64_t not_forwarded = 0;
  const std::uint64_t start = reference_cycles();
  std::array<pipeline::Frame, kBurst> burst{};
  std::vector<packet::ParseResult> parsed(kBurst, packet::ParseResult(packet::ParsedFrame{}));
  std::array<pipeline::FlowHint, kBurst> hints{};
  for (auto _ : state) {
    // What the DPDK worker loop does with a received burst (dataplane/dpdk/worker_loop.cpp):
    // parse every frame and prefetch its flow index slot, then process each frame with its
    // parse and hint.
    for (std::uint32_t b = 0; b < kBurst; ++b) {
      burst[b] = io.receive(frames[k]);
      k = k + 1 == count ? 0 : k + 1;
      parsed[b] = packet::parse_frame(burst[b].buffer.data(), burst[b].buffer.length());
      hints[b] = worker.prefetch(parsed[b], burst[b].buffer.data());
    }
    for (std::uint32_t b = 0; b < kBurst; ++b) {
      not_forwarded +=
          worker.process(burst[b], ingress, now, parsed[b], hints[b]).action != Action::kForward;
    }
    // What the lcore loop does once per burst: move the clock, run due timers.
    now += kBurstIntervalNs;
    worker.advance(now);
  }
  const std::uint64_t cycles = reference_cycles() - start;
  // A steady flow emits nothing of its own (no header resend, no RST): anything else means
  // the benchmark drove the flows into a state it does not claim to measure.
  not_forwarded += io.originated() - originated_before;
  report(state, state.iterations() * kBurst, cycles, not_forwarded, "forwarded alone");
  state.counters["frame_bytes"] = frames.frame_length();
  state.counters["flows"] = worker.flow_count();
}

// A worker for the batch benchmarks, with the client-side frames of kBatchFlows flows.
struct BatchLab {
  explicit BatchLab(ServiceKind service_kind) : kind(service_kind) {
    using namespace segment_flags;
    for (std::uint32_t i = 0; i < kBatchFlows; ++i) {
      const net::Endpoint client = client_of(i);
      const net::Endpoint vip = vip_of(kind, i);
      syns.add(tcp_frame({client, vip, kClientIsn, TcpSeq{0}, kSyn, 0}, true));
      acks.add(tcp_frame({client, vip, kClientIsn + 1, kBackendIsn + 1, kAck, 0}, true));
      resets.add(tcp_frame({client, vip, kClientIsn + 1, kBackendIsn + 1, kRstAck, 0}, true));
    }
    opened.resize(kBatchFlows);
    // One untimed batch first: the flow pool and index are touched for the first time here
    // (page faults), as a real appliance touches them at start-up (DPDK pre-faults hugepages).
    for (std::uint32_t k = 0; k < kBatchFlows; ++k) {
      feed(appliance, syns[k], kFrontPort, now);
    }
    if (expire_all() != 0) throw std::runtime_error("warm-up flows did not expire");
  }

  // Lets every flow expire (SYN and closing timeouts are 1 s in the lab); returns the number
  // of flows that did not.
  std::uint32_t expire_all() {
    for (std::uint32_t step = 0; step < kRecycleMaxSteps && appliance.worker->flow_count() > 0;
         ++step) {
      now += kRecycleStepNs;
      appliance.worker->advance(now);
    }
    return appliance.worker->flow_count();
  }

  ServiceKind kind;
  Appliance appliance;
  std::int64_t now = 1'000'000'000;
  FrameTemplates syns;
  FrameTemplates acks;
  FrameTemplates resets;
  std::vector<ForwardedPacket> opened;  // what each SYN became: SNAT endpoint -> backend
};

BatchLab& batch_lab_for(ServiceKind kind) {
  static std::unique_ptr<BatchLab> lab;
  if (!lab || lab->kind != kind) {
    lab.reset();
    lab = std::make_unique<BatchLab>(kind);
  }
  return *lab;
}

// New TCP flows: a client SYN -> service lookup, maglev pick, SNAT port, two index inserts,
// the timer, the rewrite. Between batches (not timed) the flows expire.
void new_tcp_flow(benchmark::State& state, ServiceKind kind) {
  BatchLab& lab = batch_lab_for(kind);
  pipeline::Worker& worker = *lab.appliance.worker;
  FramePool& io = lab.appliance.io;
  std::uint64_t unexpected = 0;
  std::uint64_t cycles = 0;
  for (auto _ : state) {
    const std::uint64_t start = reference_cycles();
    for (std::uint32_t k = 0; k < kBatchFlows; ++k) {
      pipeline::Frame frame = io.receive(lab.syns[k]);
      unexpected += worker.process(frame, kFrontPort, lab.now).action != Action::kForward;
    }
    cycles += reference_cycles() - start;
    state.PauseTiming();
    unexpected += lab.expire_all();
    state.ResumeTiming();
  }
  report(state, state.iterations() * kBatchFlows, cycles, unexpected, "forwarded SYNs");
}

// The client's handshake ACK: with a PROXY service the header is grown into it (the
// insertion path); with a plain service the same ACK is only translated. The SYN and SYN-ACK
// before it, and the close after it, are not timed.
void handshake_ack(benchmark::State& state, ServiceKind kind) {
  using namespace segment_flags;
  BatchLab& lab = batch_lab_for(kind);
  pipeline::Worker& worker = *lab.appliance.worker;
  FramePool& io = lab.appliance.io;
  std::uint64_t unexpected = 0;
  std::uint64_t cycles = 0;
  std::uint32_t forwarded_length = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (std::uint32_t k = 0; k < kBatchFlows; ++k) {
      unexpected += feed(lab.appliance, lab.syns[k], kFrontPort, lab.now, &lab.opened[k]).action !=
                    Action::kForward;
      const ForwardedPacket& syn = lab.opened[k];
      const auto syn_ack =
          tcp_frame({syn.destination, syn.source, kBackendIsn, kClientIsn + 1, kSynAck, 0}, false);
      unexpected += feed(lab.appliance, syn_ack, kBackPort, lab.now).action != Action::kForward;
    }
    state.ResumeTiming();

    const std::uint64_t start = reference_cycles();
    for (std::uint32_t k = 0; k < kBatchFlows; ++k) {
      pipeline::Frame frame = io.receive(lab.acks[k]);
      unexpected += worker.process(frame, kFrontPort, lab.now).action != Action::kForward;
      forwarded_length = frame.buffer.length();
    }
    cycles += reference_cycles() - start;

    state.PauseTiming();
    // Close quietly: the backend acknowledges the header (no resend timer), the client resets.
    const std::uint32_t header_length = forwarded_length > lab.acks.frame_length()
                                            ? forwarded_length - lab.acks.frame_length()
                                            : 0;
    for (std::uint32_t k = 0; k < kBatchFlows; ++k) {
      const ForwardedPacket& syn = lab.opened[k];
      if (header_length > 0) {
        feed(lab.appliance,
             tcp_frame({syn.destination, syn.source, kBackendIsn + 1,
                        kClientIsn + 1 + header_length, kAck, 0},
                       false),
             kBackPort, lab.now);
      }
      feed(lab.appliance, lab.resets[k], kFrontPort, lab.now);
    }
    unexpected += lab.expire_all();
    state.ResumeTiming();
  }
  report(state, state.iterations() * kBatchFlows, cycles, unexpected, "forwarded handshakes");
  state.counters["header_bytes"] =
      static_cast<double>(forwarded_length) - static_cast<double>(lab.acks.frame_length());
}

// The baseline for the batch benchmarks: copying the batch's SYN templates.
void frame_reset_batch(benchmark::State& state) {
  BatchLab& lab = batch_lab_for(ServiceKind::kTcpPlain);
  FramePool& io = lab.appliance.io;
  const std::uint64_t start = reference_cycles();
  for (auto _ : state) {
    for (std::uint32_t k = 0; k < kBatchFlows; ++k) {
      pipeline::Frame frame = io.receive(lab.syns[k]);
      benchmark::DoNotOptimize(frame);
    }
    benchmark::ClobberMemory();
  }
  report(state, state.iterations() * kBatchFlows, reference_cycles() - start, 0, "");
}

// Repetitions report median/mean/stddev/cv; the spread also wants the extremes.
template <typename... Args>
void add(const std::string& name, Args&&... args) {
  benchmark::RegisterBenchmark(name.c_str(), std::forward<Args>(args)...)
      ->ComputeStatistics("min", [](const std::vector<double>& v) {
        return *std::min_element(v.begin(), v.end());
      })
      ->ComputeStatistics("max", [](const std::vector<double>& v) {
        return *std::max_element(v.begin(), v.end());
      });
}

void register_all() {
  const auto established_kinds = {ServiceKind::kTcpPlain, ServiceKind::kTcpProxy,
                                  ServiceKind::kUdpProxy};
  // Grouped by world: every benchmark of one (kind, flow count) runs before the next is built.
  for (const ServiceKind kind : established_kinds) {
    const std::string kind_name(service_kind_name(kind));
    for (const std::uint32_t flows : kFlowCounts) {
      const std::string suffix = "/flows:" + std::to_string(flows);
      if (kind == ServiceKind::kTcpPlain) {
        add("frame_reset" + suffix, frame_reset, kind, flows);
      }
      add(kind_name + "/client_to_backend" + suffix, established, kind,
          Direction::kClientToBackend, flows);
      add(kind_name + "/backend_to_client" + suffix, established, kind,
          Direction::kBackendToClient, flows);
    }
  }
  add("frame_reset_batch", frame_reset_batch);
  for (const ServiceKind kind : {ServiceKind::kTcpPlain, ServiceKind::kTcpProxy}) {
    const std::string kind_name(service_kind_name(kind));
    add("new_flow/" + kind_name, new_tcp_flow, kind);
    add("handshake_ack/" + kind_name, handshake_ack, kind);
  }
}

// The console output, plus a count of the runs that reported an error (SkipWithError), so
// that a benchmark that measured drops fails the process (and the meson smoke test).
class ErrorCountingReporter final : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) errors_ += run.error_occurred ? 1 : 0;
    ConsoleReporter::ReportRuns(runs);
  }
  std::size_t errors() const noexcept { return errors_; }

 private:
  std::size_t errors_ = 0;
};

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
  sluice::bench::register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  sluice::bench::ErrorCountingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return reporter.errors() == 0 ? 0 : 1;
}
