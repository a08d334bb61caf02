#include "dataplane/dpdk/datapath.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <spdlog/spdlog.h>

#include "dataplane/dpdk/dpdk_error.hpp"
#include "dataplane/dpdk/kernel_link.hpp"
#include "dataplane/dpdk/mempool_sizing.hpp"
#include "dataplane/pipeline/neighbor_table.hpp"

namespace sluice::dpdk {
namespace {

constexpr std::uint16_t kRxDescriptors = 1024;
constexpr std::uint16_t kTxDescriptors = 1024;
constexpr std::uint32_t kRingSize = 1024;  // per worker hand-off ring (power of two)
constexpr std::uint32_t kMempoolCache = 256;
constexpr std::uint64_t kDrainPeriodNs = 100'000;     // TX buffer drain: ~100 us
constexpr std::uint64_t kAdvancePeriodNs = 1'000'000;  // pipeline timers: ~1 ms

std::string errno_text() { return rte_strerror(rte_errno); }

}  // namespace

pipeline::WorkerCounters StatsSnapshot::total() const noexcept {
  pipeline::WorkerCounters sum;
  for (const WorkerStats& w : workers) sum += w.pipeline;
  return sum;
}

DpdkDatapath::DpdkDatapath(DatapathSettings settings) : settings_(std::move(settings)) {
  settings_.burst = std::clamp<std::uint16_t>(settings_.burst, 1, kMaxBurst);
  for (const InterfaceSettings& interface : settings_.interfaces) {
    devices_.push_back(device_spec(interface.name, interface.dpdk, settings_.workers));
  }
  argv_storage_ = eal_argv(settings_.eal_args, devices_);
  for (std::string& arg : argv_storage_) argv_.push_back(arg.data());
  argv_.push_back(nullptr);
  spdlog::info("EAL arguments: {}", fmt::join(argv_storage_, " "));
  if (rte_eal_init(static_cast<int>(argv_storage_.size()), argv_.data()) < 0) {
    throw DpdkError(fmt::format("rte_eal_init failed: {}", errno_text()));
  }
  try {
    unsigned lcore = 0;
    RTE_LCORE_FOREACH_WORKER(lcore) {
      if (worker_lcores_.size() < settings_.workers) worker_lcores_.push_back(lcore);
    }
    if (worker_lcores_.size() < settings_.workers) {
      throw DpdkError(fmt::format(
          "dpdk.workers = {} but EAL offers {} worker lcore(s) besides the main lcore {} "
          "(give more with -l/--lcores in dpdk.eal_args)",
          settings_.workers, worker_lcores_.size(), rte_get_main_lcore()));
    }
    for (std::size_t i = 0; i < devices_.size(); ++i) {
      ports_.push_back(find_port(devices_[i], settings_.interfaces[i].mtu));
      ports_.back().kernel_device = settings_.interfaces[i].kernel_device;
    }
    // One queue pair per worker when every device has that many; otherwise a single queue pair
    // that worker 0 serves for every port (the others stay idle): no TX queue is ever shared.
    const bool enough = std::all_of(ports_.begin(), ports_.end(), [&](const PortInfo& port) {
      return port.max_rx_queues >= settings_.workers && port.max_tx_queues >= settings_.workers;
    });
    queues_ = enough ? static_cast<std::uint16_t>(settings_.workers) : 1;
    if (!enough) {
      spdlog::warn("a device offers fewer than {} queue pairs: using one queue pair per port, "
                   "served by worker 0 alone",
                   settings_.workers);
    }
  } catch (...) {
    rte_eal_cleanup();
    throw;
  }
}

DpdkDatapath::~DpdkDatapath() {
  stop();
  release_resources();
  rte_eal_cleanup();
}

std::vector<net::MacAddress> DpdkDatapath::port_macs() const {
  std::vector<net::MacAddress> macs;
  for (const PortInfo& port : ports_) macs.push_back(port.mac);
  return macs;
}

void DpdkDatapath::start(std::shared_ptr<const pipeline::Tables> tables,
                         std::uint64_t instance_id, sl_syn_cookie_key syn_cookie_key) {
  tables_ = std::move(tables);
  const std::uint32_t workers = settings_.workers;
  std::uint16_t max_mtu = 0;
  for (const PortInfo& port : ports_) max_mtu = std::max(max_mtu, port.mtu);

  MempoolInputs inputs;
  inputs.ports = static_cast<std::uint32_t>(ports_.size());
  inputs.queues_per_port = queues_;
  inputs.workers = workers;
  inputs.rx_descriptors = kRxDescriptors;
  inputs.tx_descriptors = kTxDescriptors;
  inputs.burst = settings_.burst;
  inputs.ring_size = kRingSize;
  inputs.neighbor_pending = pipeline::NeighborTable::kPendingCapacity;
  inputs.cache_size = kMempoolCache;
  inputs.max_mtu = max_mtu;
  const MempoolPlan plan = plan_mempool(inputs, RTE_PKTMBUF_HEADROOM);
  pool_ = rte_pktmbuf_pool_create("sluice_mbufs", plan.mbufs, plan.cache_size, 0, plan.data_room,
                                  static_cast<int>(rte_socket_id()));
  if (pool_ == nullptr) {
    throw DpdkError(fmt::format("cannot create a pool of {} mbufs of {} bytes: {}", plan.mbufs,
                                plan.data_room, errno_text()));
  }
  spdlog::info("mbuf pool: {} mbufs of {} bytes (cache {})", plan.mbufs, plan.data_room,
               plan.cache_size);

  for (const PortInfo& port : ports_) {
    start_port(port, QueueLayout{queues_, kRxDescriptors, kTxDescriptors}, pool_);
  }
  started_ports_ = true;

  port_of_dpdk_port_.assign(RTE_MAX_ETHPORTS, pipeline::kNoPort);
  for (std::size_t i = 0; i < ports_.size(); ++i) {
    port_of_dpdk_port_[ports_[i].port_id] = static_cast<pipeline::PortId>(i);
  }
  for (std::uint32_t w = 0; w < workers; ++w) {
    rte_ring* ring = rte_ring_create(fmt::format("sluice_hand{}", w).c_str(), kRingSize,
                                     static_cast<int>(rte_socket_id()), RING_F_SC_DEQ);
    if (ring == nullptr) throw DpdkError(fmt::format("rte_ring_create: {}", errno_text()));
    rings_.push_back(ring);
  }
  if (settings_.host_path) {
    to_host_ = rte_ring_create("sluice_to_host", kRingSize, static_cast<int>(rte_socket_id()),
                               RING_F_SC_DEQ);
    from_host_ = rte_ring_create("sluice_from_host", kRingSize,
                                 static_cast<int>(rte_socket_id()), RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (to_host_ == nullptr || from_host_ == nullptr) {
      throw DpdkError(fmt::format("rte_ring_create (host path): {}", errno_text()));
    }
  }
  if (workers > 1) steering_ = std::make_unique<pipeline::FlowSteering>(*tables_, workers);
  clock_ = std::make_unique<TscClock>(rte_rdtsc(), rte_get_tsc_hz());

  for (std::uint32_t w = 0; w < workers; ++w) {
    auto ctx = std::make_unique<WorkerContext>();
    ctx->index = w;
    ctx->lcore = worker_lcores_[w];
    const bool serves_ports = w < queues_;  // with the single-queue fallback only worker 0
    std::vector<TxLane> lanes;
    for (std::size_t p = 0; p < ports_.size(); ++p) {
      TxLane lane{ports_[p].port_id, static_cast<std::uint16_t>(w), nullptr};
      if (serves_ports) {
        auto* buffer = static_cast<rte_eth_dev_tx_buffer*>(rte_zmalloc_socket(
            "sluice_tx", RTE_ETH_TX_BUFFER_SIZE(settings_.burst), 0,
            rte_eth_dev_socket_id(ports_[p].port_id)));
        if (buffer == nullptr) throw DpdkError("cannot allocate a TX buffer");
        tx_buffers_.push_back(buffer);
        rte_eth_tx_buffer_init(buffer, settings_.burst);
        rte_eth_tx_buffer_set_err_callback(buffer, rte_eth_tx_buffer_count_callback,
                                           &ctx->shell.tx_dropped);
        lane.buffer = buffer;
        ctx->rx_queues.push_back(RxQueue{ports_[p].port_id, static_cast<std::uint16_t>(w),
                                         static_cast<pipeline::PortId>(p)});
      }
      lanes.push_back(lane);
    }
    ctx->io = std::make_unique<MbufFrameIo>(pool_, std::move(lanes), ctx->shell);
    pipeline::WorkerOptions options;
    options.worker_index = w;
    options.worker_count = workers;
    options.instance_id = instance_id;
    // A fresh start in the port space each run: the previous run's 4-tuples may still sit in
    // the backends' TIME_WAIT (docs/dpdk.md, "SNAT ports across restarts").
    options.snat_port_start = static_cast<std::size_t>(instance_id >> 17) + w * 7919u;
    options.host_path = settings_.host_path;
    options.syn_cookie_key = syn_cookie_key;
    ctx->worker = std::make_unique<pipeline::Worker>(tables_, *ctx->io, options);
    ctx->ring = rings_[w];
    ctx->to_host = to_host_;
    ctx->from_host = w == 0 ? from_host_ : nullptr;
    ctx->rings = &rings_;
    ctx->steering = steering_.get();
    ctx->pool = pool_;
    ctx->port_of_dpdk_port = &port_of_dpdk_port_;
    ctx->settings = LoopSettings{settings_.burst, settings_.idle_sleep_us,
                                 clock_->cycles_in(kDrainPeriodNs),
                                 clock_->cycles_in(kAdvancePeriodNs)};
    ctx->clock = clock_.get();
    ctx->stop = &stop_;
    workers_.push_back(std::move(ctx));
  }

  stop_.store(false, std::memory_order_release);
  for (auto& ctx : workers_) {
    if (const int rc = rte_eal_remote_launch(run_worker, ctx.get(), ctx->lcore); rc != 0) {
      stop();
      throw DpdkError(fmt::format("cannot launch worker {} on lcore {}: {}", ctx->index,
                                  ctx->lcore, rte_strerror(-rc)));
    }
    spdlog::info("worker {} polling on lcore {} ({} RX queue(s))", ctx->index, ctx->lcore,
                 ctx->rx_queues.size());
  }
  running_ = true;
}

void DpdkDatapath::stop() noexcept {
  stop_.store(true, std::memory_order_release);
  for (auto& ctx : workers_) rte_eal_wait_lcore(ctx->lcore);
  running_ = false;
  if (started_ports_) {
    for (const PortInfo& port : ports_) stop_port(port);
    started_ports_ = false;
  }
}

void DpdkDatapath::release_resources() noexcept {
  // Stopped ports still answer rte_eth_stats_get (the final summary); closing frees them.
  if (!closed_ports_) {
    for (const PortInfo& port : ports_) close_port(port);
    closed_ports_ = true;
  }
  workers_.clear();  // pipeline workers first: they may still hold frames of the pool
  for (rte_eth_dev_tx_buffer* buffer : tx_buffers_) rte_free(buffer);
  tx_buffers_.clear();
  for (rte_ring* ring : rings_) {
    void* leftover = nullptr;
    while (rte_ring_dequeue(ring, &leftover) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(leftover));
    rte_ring_free(ring);
  }
  rings_.clear();
  for (rte_ring** ring : {&to_host_, &from_host_}) {
    if (*ring == nullptr) continue;
    void* leftover = nullptr;
    while (rte_ring_dequeue(*ring, &leftover) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(leftover));
    rte_ring_free(*ring);
    *ring = nullptr;
  }
  if (pool_ != nullptr) rte_mempool_free(pool_);
  pool_ = nullptr;
}

StatsSnapshot DpdkDatapath::snapshot_stats() const {
  StatsSnapshot snapshot;
  for (const auto& ctx : workers_) {
    WorkerStats stats;
    stats.index = ctx->index;
    stats.lcore = ctx->lcore;
    // Plain copies of single-writer counters (see pipeline/counters.hpp for the contract).
    stats.pipeline = ctx->worker->counters();
    stats.shell = ctx->shell;
    stats.flows = ctx->worker->flow_count();
    snapshot.workers.push_back(stats);
  }
  for (const PortInfo& port : closed_ports_ ? std::vector<PortInfo>{} : ports_) {
    PortStats stats;
    stats.interface = port.interface;
    stats.port_id = port.port_id;
    stats.mac = port.mac;
    rte_eth_stats eth{};
    if (rte_eth_stats_get(port.port_id, &eth) == 0) {
      stats.rx_packets = eth.ipackets;
      stats.tx_packets = eth.opackets;
      stats.rx_bytes = eth.ibytes;
      stats.tx_bytes = eth.obytes;
      stats.rx_missed = eth.imissed;
      stats.rx_errors = eth.ierrors;
      stats.tx_errors = eth.oerrors;
      stats.rx_no_mbuf = eth.rx_nombuf;
    }
    rte_eth_link link{};
    if (rte_eth_link_get_nowait(port.port_id, &link) == 0) {
      stats.link_up = link.link_status == RTE_ETH_LINK_UP;
    }
    // af_packet and pcap PMDs report "up" from start to stop: the kernel netdev they read
    // from says whether frames can flow (a vanished device cannot carry any either).
    if (!port.kernel_device.empty()) {
      stats.link_up = stats.link_up && kernel_link_running(port.kernel_device).value_or(false);
    }
    snapshot.ports.push_back(stats);
  }
  return snapshot;
}

}  // namespace sluice::dpdk
