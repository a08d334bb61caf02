#pragma once
// XdpDatapath: the libbpf shell of the XDP datapath (docs/xdp.md). It loads bpf/sluice_xdp.bpf.c
// (a skeleton embedded in the binary), fills its maps from a pipeline::Tables, attaches it to
// each interface's kernel device through a BPF link, and reads counters and flows back.
//
//   XdpDatapath datapath(settings);                 // ifindexes and MACs of the kernel devices
//   auto tables = tables_from_config(config, datapath.port_macs());
//   datapath.start(tables, instance_id);            // load, fill, replace stale, attach
//   datapath.update(new_tables);                    // reload / backend changes: flows stay
//   datapath.snapshot_counters(); datapath.flows(); datapath.expire_flows(now);
//   datapath.run_header_timers(now, sink);          // header resends / give-ups (header timer)
//   datapath.stop();                                // links closed: detached
//
// Attachments are BPF links owned by this process: the kernel detaches them when the process
// exits, however it exits (SIGTERM, crash), and nothing is pinned. An XDP program attached the
// old (netlink) way by anything named like ours is treated as stale and replaced at start.
// Only the control thread calls these, except run_header_timers(), which one other thread (the
// HeaderTimerRunner) may call between start() and stop(): it touches the maps, the immutable
// port vectors and atomic counters only.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dataplane/net/address.hpp"
#include "dataplane/pipeline/counters.hpp"
#include "dataplane/pipeline/tables.hpp"
#include "dataplane/shared/xdp_maps.h"
#include "dataplane/xdp/frame_sink.hpp"
#include "dataplane/xdp/map_entries.hpp"

struct sluice_xdp;
struct bpf_map;

namespace sluice::xdp {

class XdpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class AttachMode : std::uint8_t { kNative, kGeneric };

struct InterfaceSettings {
  std::string name;    // [[interfaces]] name
  std::string kernel;  // the kernel device (ip link name)
};

struct DatapathSettings {
  std::vector<InterfaceSettings> interfaces;  // config order = PortId
  AttachMode mode = AttachMode::kNative;
};

// One conntrack entry as `show conntrack` prints it.
struct FlowInfo {
  std::uint64_t id = 0;
  std::uint8_t protocol = 0;
  net::Endpoint client;
  net::Endpoint vip;
  net::Endpoint snat;
  net::Endpoint backend;
  std::uint8_t state = 0;         // SL_TCP_* / SL_UDP_ACTIVE
  std::uint8_t header_state = 0;  // SL_HDR_*
  std::uint16_t header_length = 0;
  std::uint64_t last_seen_ns = 0;
  std::uint16_t service = 0;      // the service id it was created for (ids are stable)
};

// One entry of `show neighbors`: a static [[neighbors]] entry or one the program learnt.
struct NeighborInfo {
  net::IpAddress address;
  net::MacAddress mac;
  std::uint16_t port = 0;
  bool is_static = false;
  std::uint64_t learned_ns = 0;  // CLOCK_MONOTONIC when last heard; 0 for static entries
};

struct LoadOptions {
  bool attach = true;
  std::uint64_t test_now_ns = 0;  // fixture replay: a fixed clock instead of bpf_ktime_get_ns
  std::uint32_t nr_cpus = 0;      // 0: every possible CPU
  // The SYN proxy's cookie secret (docs/syn-proxy.md); nullopt: the tables' when they carry
  // one, else random (getrandom) at start. Restart-only: reloads keep the key of start().
  std::optional<sl_syn_cookie_key> syn_cookie_key;
  // Per service id, the SYN proxy mode (SL_SP_MODE_*) instead of the tables' (tests).
  std::vector<std::uint8_t> syn_proxy_modes;
};

class XdpDatapath {
 public:
  // Resolves each interface's kernel device (ifindex, MAC, MTU); throws XdpError.
  explicit XdpDatapath(DatapathSettings settings);
  ~XdpDatapath();
  XdpDatapath(const XdpDatapath&) = delete;
  XdpDatapath& operator=(const XdpDatapath&) = delete;

  const std::vector<net::MacAddress>& port_macs() const noexcept { return macs_; }
  const std::vector<std::uint32_t>& ifindexes() const noexcept { return ifindexes_; }

  void start(std::shared_ptr<const pipeline::Tables> tables, std::uint64_t instance_id,
             const LoadOptions& options = LoadOptions{});
  // New configuration maps from `tables`; conntrack and counters are kept (no flow dropped).
  void update(std::shared_ptr<const pipeline::Tables> tables);
  void stop() noexcept;
  bool running() const noexcept { return skeleton_ != nullptr; }

  std::vector<pipeline::WorkerCounters> snapshot_counters() const;  // one per possible CPU
  std::vector<FlowInfo> flows() const;
  std::size_t flow_count() const;
  // Removes flows idle past their state's timeout (the program only expires on lookup), counts
  // each CPU's embryonic flows and tells the program which CPUs are under embryonic pressure
  // (sl_pressure, dataplane/shared/embryonic.h).
  std::size_t expire_flows(std::uint64_t now_ns);
  std::size_t flush();  // returns how many flows it removed
  // Removes the flows of one service id; returns how many.
  std::size_t flush_service(std::uint16_t service);
  // Flows ever assigned to the backends of `slots` (BackendSet slots) of a service.
  std::vector<std::uint64_t> backend_flow_totals(std::uint16_t service,
                                                 const std::vector<std::uint32_t>& slots) const;
  std::vector<NeighborInfo> neighbors() const;

  // The header timer (docs/xdp.md, "Header timer"): every flow whose header resend deadline
  // passed at `now_ns` (CLOCK_MONOTONIC, as bpf_ktime_get_ns) gets what the C++ pipeline's
  // timer does: the header segment again (deadline doubled), or after the sixth resend the
  // RSTs to both sides and the flow removed. Frames go to `sink`, timer steps first.
  struct HeaderTimerResult {
    std::size_t resent = 0;
    std::size_t given_up = 0;
    std::size_t scanned = 0;
  };
  HeaderTimerResult run_header_timers(std::uint64_t now_ns, FrameSink& sink);

  // Test hooks (BPF_PROG_TEST_RUN replay): the program, the clock, the last verdict of a CPU,
  // and a reset of every per-CPU cursor as if freshly loaded.
  int program_fd() const;
  void set_test_clock(std::uint64_t now_ns);
  sl_xdp_last_verdict last_verdict(unsigned cpu) const;
  void reset_state();

  // Detaches whatever XDP program named sluice_xdp is attached to `ifindex` (stale from a
  // crashed run of an older build that attached through netlink). Returns true if it did.
  static bool remove_stale_attachment(std::uint32_t ifindex);

 private:
  void fill(const pipeline::Tables& tables, bool initial);
  void write_maglev(const std::vector<MaglevTable>& tables);
  // A map's descriptor through the skeleton's typed handle (skeleton_->maps.sl_flows): a
  // misspelt or removed map is a compile error, not a -1 at run time.
  int map_fd(const bpf_map* map) const;
  void forget(std::uint64_t id, const sl_xdp_flow& flow) const;
  // Forgets every flow `doomed` picks (expiry, per-service flush); returns how many.
  // `kept`, when given, sees every flow left in place (the sweep's embryonic count).
  std::size_t forget_flows_if(const std::function<bool(const sl_xdp_flow&)>& doomed,
                              const std::function<void(std::uint64_t, const sl_xdp_flow&)>& kept = {});
  void publish_pressure(const std::vector<std::uint64_t>& embryonic);
  std::uint32_t embryonic_ring_entries(const pipeline::Tables& tables) const;

  // The program's next-hop resolution (sl_resolve_hop): port from sl_nexthops, MAC from
  // sl_neighbors, sl_learned, then the kernel's table on the port's device.
  struct NextHop {
    std::uint32_t port = 0;
    net::MacAddress mac;
  };
  std::optional<NextHop> resolve(std::uint8_t family, const std::uint8_t* address,
                                 pipeline::PipelineDrop& why) const;
  void timer_step(std::uint64_t id, std::uint64_t now_ns, FrameSink& sink, HeaderTimerResult& result);

  // What the header timer sent (the program's counters are per CPU and its own): added to
  // CPU 0's in snapshot_counters().
  struct TimerCounters {
    std::atomic<std::uint64_t> pp_resent{0};
    std::atomic<std::uint64_t> pp_given_up{0};
    std::atomic<std::uint64_t> tx_packets{0};
    std::atomic<std::uint64_t> tx_bytes{0};
    std::atomic<std::uint64_t> no_neighbor{0};
    std::atomic<std::uint64_t> no_route{0};
    std::atomic<std::uint64_t> no_buffer{0};
  };

  DatapathSettings settings_;
  std::vector<std::uint32_t> ifindexes_;
  std::vector<net::MacAddress> macs_;
  std::shared_ptr<const pipeline::Tables> tables_;
  std::uint64_t instance_id_ = 0;
  LoadOptions options_;
  sl_syn_cookie_key syn_cookie_key_{};  // chosen at start()
  unsigned possible_cpus_ = 1;
  sluice_xdp* skeleton_ = nullptr;
  std::vector<int> links_;
  std::map<std::uint32_t, std::vector<std::uint16_t>> written_maglev_;  // slot -> as written
  TimerCounters timer_counters_;
  // Each CPU's embryonic flows as the last expire_flows() sweep counted them (the gauge of
  // snapshot_counters(); the program cannot count them, docs/xdp.md).
  std::unique_ptr<std::atomic<std::uint64_t>[]> embryonic_per_cpu_;
};

}  // namespace sluice::xdp
