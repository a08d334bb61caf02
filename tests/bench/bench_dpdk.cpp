// The DPDK shell benchmark (docs/performance.md, "DPDK shell"): the real worker lcore loop
// (dataplane/dpdk/worker_loop.cpp, rte_eth_rx_burst -> parse/prefetch -> Worker::process ->
// tx buffers) over two net_ring ports made with rte_eth_from_rings, so no NIC and no kernel is
// in the way. EAL runs without hugepages (--no-huge -m 512 --no-shconf --no-pci).
//
// The main lcore plays the wire: it keeps the front port's RX ring full of established-flow
// client frames (tests/bench/lab_frames, through the same EstablishedWorld the pipeline
// benchmarks use) and recycles what the worker transmits on the back port, resetting each
// mbuf from the next template (the worker rewrote it in place). Mpps is what leaves the back
// port per second of wall clock while one worker lcore polls.
//
// Usage: bench_dpdk [--flows N] [--seconds S] [--burst B] [--kind tcp_plain|tcp_proxy]
// Prints one JSON object on stdout.
#include <pthread.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <span>
#include <vector>

#include "dataplane/dpdk/mbuf_frame_io.hpp"
#include "dataplane/dpdk/tsc_clock.hpp"
#include "dataplane/dpdk/worker_loop.hpp"
#include "tests/bench/bench_world.hpp"

namespace sluice::bench {
namespace {

constexpr unsigned kRingSize = 4096;
constexpr unsigned kPoolSize = 8191;
constexpr unsigned kInFlight = 2048;  // mbufs circulating between the wire and the worker
constexpr std::uint16_t kHeadroom = RTE_PKTMBUF_HEADROOM;

struct Options {
  std::uint32_t flows = 1000;
  double seconds = 2.0;
  std::uint16_t burst = 32;
  ServiceKind kind = ServiceKind::kTcpPlain;
};

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "--flows") {
      options.flows = static_cast<std::uint32_t>(std::stoul(value()));
    } else if (arg == "--seconds") {
      options.seconds = std::stod(value());
    } else if (arg == "--burst") {
      options.burst = static_cast<std::uint16_t>(std::stoul(value()));
    } else if (arg == "--kind") {
      const std::string kind = value();
      if (kind == "tcp_plain") {
        options.kind = ServiceKind::kTcpPlain;
      } else if (kind == "tcp_proxy") {
        options.kind = ServiceKind::kTcpProxy;
      } else {
        throw std::invalid_argument("--kind must be tcp_plain or tcp_proxy");
      }
    } else {
      throw std::invalid_argument("unknown argument " + std::string(arg));
    }
  }
  if (options.flows == 0 || options.burst == 0 || options.burst > dpdk::kMaxBurst) {
    throw std::invalid_argument("--flows and --burst must be positive, --burst at most 512");
  }
  return options;
}

// The worker lcore's CPU clock, published by the lcore itself: on a shared machine the
// lcore is not always on a CPU, so packets per second of its CPU time is the figure that
// compares (wall-clock Mpps is reported too).
std::atomic<bool> g_clock_ready{false};
clockid_t g_worker_clock{};

int run_worker_timed(void* arg) {
  pthread_getcpuclockid(pthread_self(), &g_worker_clock);
  g_clock_ready.store(true);
  return dpdk::run_worker(arg);
}

double cpu_seconds(clockid_t clock) noexcept {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string(what) + ": " + rte_strerror(rte_errno));
}

// One net_ring port: an RX ring the wire fills, a TX ring the worker's transmissions land in.
struct RingPort {
  rte_ring* rx = nullptr;
  rte_ring* tx = nullptr;
  std::uint16_t id = 0;
};

RingPort make_port(const char* name, rte_mempool* pool) {
  RingPort port;
  const std::string rx_name = std::string(name) + "_rx";
  const std::string tx_name = std::string(name) + "_tx";
  constexpr unsigned kSingle = RING_F_SP_ENQ | RING_F_SC_DEQ;
  port.rx = rte_ring_create(rx_name.c_str(), kRingSize, SOCKET_ID_ANY, kSingle);
  port.tx = rte_ring_create(tx_name.c_str(), kRingSize, SOCKET_ID_ANY, kSingle);
  check(port.rx != nullptr && port.tx != nullptr, "rte_ring_create");
  const int id = rte_eth_from_rings(name, &port.rx, 1, &port.tx, 1, SOCKET_ID_ANY);
  check(id >= 0, "rte_eth_from_rings");
  port.id = static_cast<std::uint16_t>(id);
  rte_eth_conf conf{};
  check(rte_eth_dev_configure(port.id, 1, 1, &conf) == 0, "rte_eth_dev_configure");
  check(rte_eth_rx_queue_setup(port.id, 0, kRingSize, SOCKET_ID_ANY, nullptr, pool) == 0,
        "rte_eth_rx_queue_setup");
  check(rte_eth_tx_queue_setup(port.id, 0, kRingSize, SOCKET_ID_ANY, nullptr) == 0,
        "rte_eth_tx_queue_setup");
  check(rte_eth_dev_start(port.id) == 0, "rte_eth_dev_start");
  return port;
}

// Writes template `bytes` into `mbuf` as a freshly received frame.
void reset(rte_mbuf* mbuf, std::span<const std::uint8_t> bytes, std::uint16_t port) noexcept {
  mbuf->data_off = kHeadroom;
  std::memcpy(rte_pktmbuf_mtod(mbuf, std::uint8_t*), bytes.data(), bytes.size());
  mbuf->data_len = static_cast<std::uint16_t>(bytes.size());
  mbuf->pkt_len = static_cast<std::uint32_t>(bytes.size());
  mbuf->nb_segs = 1;
  mbuf->next = nullptr;
  mbuf->port = port;
}

int run(int argc, char** argv) {
  // Our own arguments follow "--"; everything before goes to the EAL (defaults below).
  std::vector<char*> eal_args{argv[0]};
  int ours = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") {
      ours = i;
      break;
    }
    eal_args.push_back(argv[i]);
  }
  static std::array<std::string, 9> defaults{"--no-huge", "-m", "512", "--no-shconf", "--no-pci",
                                             "-l", "0,1", "--log-level", "lib.*:warning"};
  if (eal_args.size() == 1) {
    for (std::string& arg : defaults) eal_args.push_back(arg.data());
  }
  std::vector<char*> own_args{argv[0]};
  for (int i = ours + 1; i < argc; ++i) own_args.push_back(argv[i]);
  const Options options = parse_options(static_cast<int>(own_args.size()), own_args.data());

  check(rte_eal_init(static_cast<int>(eal_args.size()), eal_args.data()) >= 0, "rte_eal_init");
  const unsigned worker_lcore = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
  if (worker_lcore >= RTE_MAX_LCORE) throw std::runtime_error("needs two lcores (-l 0,1)");

  rte_mempool* pool = rte_pktmbuf_pool_create("bench_pool", kPoolSize, 256, 0,
                                              RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  check(pool != nullptr, "rte_pktmbuf_pool_create");
  const RingPort front = make_port("bench_front", pool);
  const RingPort back = make_port("bench_back", pool);

  dpdk::WorkerContext ctx;
  std::vector<dpdk::TxLane> lanes;
  for (const RingPort* port : {&front, &back}) {
    auto* buffer = static_cast<rte_eth_dev_tx_buffer*>(rte_zmalloc_socket(
        "bench_tx", RTE_ETH_TX_BUFFER_SIZE(options.burst), 0, SOCKET_ID_ANY));
    check(buffer != nullptr, "rte_zmalloc_socket");
    rte_eth_tx_buffer_init(buffer, options.burst);
    lanes.push_back(dpdk::TxLane{port->id, 0, buffer});
  }
  ctx.io = std::make_unique<dpdk::MbufFrameIo>(pool, lanes, ctx.shell);

  std::fprintf(stderr, "establishing %u flows...\n", options.flows);
  EstablishedWorld world(options.kind, options.flows, ctx.io.get());
  const FrameTemplates& templates = world.client_frames();
  ctx.worker = world.take_worker();

  // The worker's clock continues where the world's setup left it (flows were last seen then).
  const std::uint64_t hz = rte_get_tsc_hz();
  const auto setup_ns = static_cast<std::uint64_t>(world.now());
  const dpdk::TscClock clock(rte_rdtsc() - setup_ns / 1'000'000'000ULL * hz -
                                 setup_ns % 1'000'000'000ULL * hz / 1'000'000'000ULL,
                             hz);
  std::vector<pipeline::PortId> port_of_dpdk_port(std::max(front.id, back.id) + 1u,
                                                  pipeline::kNoPort);
  port_of_dpdk_port[front.id] = kFrontPort;
  port_of_dpdk_port[back.id] = kBackPort;
  rte_ring* handoff = rte_ring_create("bench_handoff", 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
  check(handoff != nullptr, "rte_ring_create");
  const std::vector<rte_ring*> rings{handoff};
  std::atomic<bool> stop{false};

  ctx.index = 0;
  ctx.lcore = worker_lcore;
  ctx.rx_queues = {dpdk::RxQueue{front.id, 0, kFrontPort}, dpdk::RxQueue{back.id, 0, kBackPort}};
  ctx.ring = handoff;
  ctx.rings = &rings;
  ctx.pool = pool;
  ctx.port_of_dpdk_port = &port_of_dpdk_port;
  ctx.settings = dpdk::LoopSettings{options.burst, 0, clock.cycles_in(100'000),
                                    clock.cycles_in(1'000'000)};
  ctx.clock = &clock;
  ctx.stop = &stop;

  // Fill the wire before the worker starts.
  std::size_t next = 0;
  const std::size_t count = templates.size();
  for (unsigned i = 0; i < kInFlight; ++i) {
    rte_mbuf* mbuf = rte_pktmbuf_alloc(pool);
    check(mbuf != nullptr, "rte_pktmbuf_alloc");
    reset(mbuf, templates[next], front.id);
    next = next + 1 == count ? 0 : next + 1;
    check(rte_ring_sp_enqueue(front.rx, mbuf) == 0, "rte_ring_sp_enqueue");
  }
  check(rte_eal_remote_launch(run_worker_timed, &ctx, worker_lcore) == 0,
        "rte_eal_remote_launch");

  // The wire: forwarded frames come back as new client frames. Counting starts after a warm-up.
  std::array<void*, 64> moved{};
  std::uint64_t forwarded = 0;
  std::uint64_t unexpected = 0;
  const auto recycle = [&]() {
    unsigned n = rte_ring_sc_dequeue_burst(back.tx, moved.data(), moved.size(), nullptr);
    for (unsigned i = 0; i < n; ++i) {
      reset(static_cast<rte_mbuf*>(moved[i]), templates[next], front.id);
      next = next + 1 == count ? 0 : next + 1;
    }
    if (n > 0) rte_ring_sp_enqueue_bulk(front.rx, moved.data(), n, nullptr);
    forwarded += n;
    // Anything on the front TX ring (answers, RSTs) is not part of the measured path.
    const unsigned stray = rte_ring_sc_dequeue_burst(front.tx, moved.data(), moved.size(), nullptr);
    for (unsigned i = 0; i < stray; ++i) rte_pktmbuf_free(static_cast<rte_mbuf*>(moved[i]));
    unexpected += stray;
  };
  // Deadlines on the TSC: clock_gettime is slow in this VM and would make the wire the
  // bottleneck. The RX ring's fill level, sampled every round, tells whether the worker had
  // frames waiting all along (it was the bottleneck) or starved (the wire was).
  const std::uint64_t hz_tsc = rte_get_tsc_hz();
  const std::uint64_t warm_until = rte_rdtsc() + hz_tsc * 3 / 10;
  while (rte_rdtsc() < warm_until) recycle();
  while (!g_clock_ready.load()) recycle();
  const pipeline::WorkerCounters before = ctx.worker->counters();
  const double cpu_start = cpu_seconds(g_worker_clock);
  forwarded = 0;
  std::uint64_t rounds = 0;
  std::uint64_t ring_fill = 0;
  std::uint64_t ring_empty = 0;
  const std::uint64_t start_tsc = rte_rdtsc();
  const auto until =
      start_tsc + static_cast<std::uint64_t>(options.seconds * static_cast<double>(hz_tsc));
  std::uint64_t now_tsc = start_tsc;
  while (now_tsc < until) {
    recycle();
    const unsigned fill = rte_ring_count(front.rx);
    ring_fill += fill;
    ring_empty += fill == 0;
    ++rounds;
    now_tsc = rte_rdtsc();
  }
  const std::uint64_t cycles = now_tsc - start_tsc;
  const double elapsed = static_cast<double>(cycles) / static_cast<double>(hz_tsc);
  const double worker_cpu = cpu_seconds(g_worker_clock) - cpu_start;
  const pipeline::WorkerCounters after = ctx.worker->counters();
  stop.store(true);
  rte_eal_mp_wait_lcore();

  const std::uint64_t received = after.rx_packets - before.rx_packets;
  const std::uint64_t dropped = after.dropped - before.dropped;
  const double mpps = static_cast<double>(forwarded) / elapsed / 1e6;
  const double cpu_mpps = worker_cpu > 0 ? static_cast<double>(forwarded) / worker_cpu / 1e6 : 0;
  std::printf(
      "{\"kind\": \"%s\", \"flows\": %u, \"burst\": %u, \"seconds\": %.3f, \"forwarded\": %llu, "
      "\"wall_mpps\": %.4f, \"wall_ns_per_packet\": %.2f, \"tsc_cycles_per_packet\": %.1f, "
      "\"worker_cpu_seconds\": %.3f, \"mpps\": %.4f, \"ns_per_packet\": %.2f, "
      "\"worker_rx\": %llu, \"worker_drops\": %llu, \"unexpected_frames\": %llu, "
      "\"avg_rx_ring_fill\": %.1f, \"rx_ring_empty_share\": %.4f}\n",
      std::string(service_kind_name(options.kind)).c_str(), options.flows, options.burst,
      elapsed, static_cast<unsigned long long>(forwarded), mpps, mpps > 0 ? 1e3 / mpps : 0.0,
      forwarded > 0 ? static_cast<double>(cycles) / static_cast<double>(forwarded) : 0.0,
      worker_cpu, cpu_mpps, cpu_mpps > 0 ? 1e3 / cpu_mpps : 0.0,
      static_cast<unsigned long long>(received), static_cast<unsigned long long>(dropped),
      static_cast<unsigned long long>(unexpected),
      rounds > 0 ? static_cast<double>(ring_fill) / static_cast<double>(rounds) : 0.0,
      rounds > 0 ? static_cast<double>(ring_empty) / static_cast<double>(rounds) : 0.0);
  // A run that dropped or answered frames did not measure forwarding: say so by the exit code.
  return dropped == 0 && unexpected == 0 && forwarded > 0 ? 0 : 1;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
  try {
    return sluice::bench::run(argc, argv);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_dpdk: %s\n", error.what());
    return 2;
  }
}
