#pragma once
// One worker's packet pipeline: parse -> local traffic (ARP/NDP/ICMP echo) -> conntrack ->
// schedule + SNAT for new flows -> full-NAT (same family or RFC 7915 translation) -> PROXY
// insertion and resequencing -> neighbour resolution -> L2. docs/pipeline.md walks through it.
//
// A Worker is owned by exactly one lcore (or test): nothing in it is shared or locked. The
// caller passes time in; process() and advance() never read a clock, allocate per packet, log
// or make a system call.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/conntrack/embryonic_ring.hpp"
#include "dataplane/conntrack/entry_pool.hpp"
#include "dataplane/conntrack/flow_index.hpp"
#include "dataplane/conntrack/snat_ports.hpp"
#include "dataplane/conntrack/timer_wheel.hpp"
#include "dataplane/packet/parser.hpp"
#include "dataplane/pipeline/counters.hpp"
#include "dataplane/pipeline/flow.hpp"
#include "dataplane/pipeline/frame_io.hpp"
#include "dataplane/pipeline/inspect.hpp"
#include "dataplane/pipeline/neighbor_table.hpp"
#include "dataplane/pipeline/tables.hpp"
#include "dataplane/sched/scheduler.hpp"
#include "dataplane/shared/pp2.h"
#include "dataplane/shared/syn_cookie.h"

namespace sluice::pipeline {

struct WorkerOptions {
  std::uint32_t worker_index = 0;
  std::uint32_t worker_count = 1;
  std::uint64_t instance_id = 0;  // the UNIQUE_ID's first half: random per run (0 in fixtures)
  std::uint64_t hash_seed = 0x736C75696365ULL;
  // Where SNAT port allocation starts in this worker's share (conntrack/snat_ports.hpp):
  // random per run in the appliance, 0 (the first port, ascending) in fixtures.
  std::size_t snat_port_start = 0;
  // The shell hands host-bound frames (Action::kHost) to the host's stack; without a path
  // they are dropped as unknown flows.
  bool host_path = false;
  // The SYN cookies' SipHash key (dataplane/shared/syn_cookie.h): the same on every worker, so
  // that the ACK completing a handshake may reach another worker than the SYN did.
  // `[conntrack] syn_cookie_secret`, or random per run; zero in unit tests without one.
  sl_syn_cookie_key syn_cookie_key{0, 0};
};

// What Worker::prefetch() learnt about a frame: its flow key's hash, when it has one.
struct FlowHint {
  std::uint64_t hash = 0;
  bool valid = false;
};

// "forward", "consumed", or "drop:<reason>" (parser, pipeline or "tcp_<insertion reason>").
std::string verdict_name(const Verdict& verdict);

class Worker {
 public:
  Worker(std::shared_ptr<const Tables> tables, FrameIo& io, WorkerOptions options);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Processes one received frame. On kForward the caller transmits `frame` on verdict.port;
  // on kDrop it releases it; on kConsumed the worker already did what was needed. Frames the
  // worker originates (header segments, answers, RSTs) go through FrameIo::transmit before
  // this returns, in wire order ahead of the forwarded frame.
  Verdict process(Frame& frame, PortId ingress, std::int64_t now_ns) noexcept;
  // The same for a frame the caller has already parsed (the DPDK shell parses to steer a
  // frame between workers; the worker then does not parse it again).
  Verdict process(Frame& frame, PortId ingress, std::int64_t now_ns,
                  const packet::ParseResult& parsed) noexcept;

  // A packet the host's stack sent (health probes): `frame` holds an Ethernet header whose
  // addresses the worker fills in, then the IP packet. Routed like the worker's own frames;
  // kForward (transmit on verdict.port), kConsumed (queued for a neighbour) or kDrop. The
  // source must be one of the appliance's addresses: the host path is not a router.
  Verdict from_host(Frame& frame, std::int64_t now_ns) noexcept;
  // For a caller holding a burst of parsed frames: prefetch() every frame of the burst first,
  // then process() each with its hint. The flow index slots of the whole burst then load in
  // parallel instead of one cache miss after the other inside each process(), and process()
  // reuses the key's hash (docs/performance.md). A hint must come from the same frame and
  // parse; results are the same with or without it.
  FlowHint prefetch(const packet::ParseResult& parsed, const std::uint8_t* data) const noexcept;
  Verdict process(Frame& frame, PortId ingress, std::int64_t now_ns,
                  const packet::ParseResult& parsed, const FlowHint& hint) noexcept;

  // Runs due timers: header resends, give-ups, flow expiry, stale neighbour queue entries.
  void advance(std::int64_t now_ns) noexcept;

  const WorkerCounters& counters() const noexcept { return counters_; }
  const Tables& tables() const noexcept { return *tables_; }
  std::uint32_t flow_count() const noexcept { return flows_.used(); }

  // Calls fn(const Flow&) for every flow (tests; not on the hot path).
  void for_each_flow(const std::function<void(const Flow&)>& fn) const;

  // --- Control-plane hand-over (worker_control.cpp, docs/reload.md) -------------------------
  // Called on the worker's own thread between bursts (the DPDK shell runs them as mailbox
  // jobs, worker_mailbox.hpp), never concurrently with process()/advance(). They may allocate:
  // they run once per operator action, not per packet.

  // Switches to a new snapshot of the tables and returns the old one, so that the caller (the
  // control thread) and not the worker frees it. Precondition, checked by the control plane:
  // same ports and limits, and every service id of the old tables still means the same
  // service (reloads retire services instead of renumbering them).
  std::shared_ptr<const Tables> adopt_tables(std::shared_ptr<const Tables> next);

  // Visits flows in pool order from `cursor`, at most `budget` of them; fn returns false to
  // stop early. Returns true when the walk reached the end (or fn stopped it). Resumable: the
  // cursor moves past what was visited, so a large table is listed over several rounds.
  bool visit_flows(std::uint32_t& cursor, std::uint32_t budget,
                   const std::function<bool(const Flow&)>& fn) const;
  // Destroys flows of `service` (all services when nullopt) from `cursor`, looking at no more
  // than `budget` entries; adds the number destroyed to `flushed`. Returns true when done.
  bool flush_flows(std::optional<ServiceId> service, std::uint32_t& cursor,
                   std::uint32_t budget, std::uint64_t& flushed) noexcept;

  // Flow counts per service and per backend of the current tables (inspect.hpp).
  FlowCounts flow_counts() const;
  std::vector<NeighborRecord> neighbor_records() const;
  // The time of the last process()/advance() call: "now" for ages computed on this worker.
  std::int64_t now_ns() const noexcept { return now_ns_; }
  std::uint32_t index() const noexcept { return options_.worker_index; }

 private:
  struct SnatPool;
  struct Packet;  // the frame being processed and what the parser found

  Verdict dispatch(Packet& packet) noexcept;
  Verdict handle_arp(Packet& packet) noexcept;
  Verdict handle_icmp(Packet& packet) noexcept;
  Verdict handle_tcp(Packet& packet) noexcept;
  Verdict handle_udp(Packet& packet) noexcept;

  // Flow lifecycle (worker.cpp).
  void add_snat_pools(const Tables& tables);
  SnatPool* snat_pool(const net::IpAddress& address, std::uint8_t protocol) noexcept;
  const conntrack::FlowKey& key_of_handle(std::uint32_t handle) const noexcept;
  std::optional<std::uint32_t> find_flow(const conntrack::FlowKey& key, std::uint64_t hash,
                                         Side& side) const noexcept;
  // The verdict for a packet without a flow: a drop, or kForward when a flow may be created
  // for `service`.
  static bool hop_limit_reached(const Packet& packet) noexcept;
  Verdict no_flow_verdict(const Packet& packet, std::uint8_t protocol,
                          const net::IpAddress& destination, std::uint16_t port, bool may_create,
                          std::optional<ServiceId>& service) const noexcept;
  Verdict create_flow(Packet& packet, ServiceId service, const conntrack::FlowKey& key,
                      std::uint64_t hash, std::uint32_t& flow_id) noexcept;
  void destroy_flow(std::uint32_t flow_id) noexcept;
  // Bounded embryonic state (dataplane/shared/embryonic.h, worker_embryonic.cpp).
  bool is_live_embryonic(const conntrack::EmbryonicSlot& slot) const noexcept;
  void reclaim_ring_slot() noexcept;
  bool reclaim_oldest_embryonic(const SnatPool* pool) noexcept;
  void reclaim(std::uint32_t flow_id) noexcept;
  void record_embryonic(Flow& flow, std::uint32_t flow_id) noexcept;
  void left_embryonic(std::uint8_t old_state, const Flow& flow) noexcept;
  void touch(Flow& flow) noexcept;
  void arm_timer(Flow& flow) noexcept;
  void on_flow_timer(std::uint32_t flow_id) noexcept;
  std::int64_t idle_timeout_ns(const Flow& flow) const noexcept;
  static std::int64_t idle_since(const Flow& flow) noexcept;
  static conntrack::Tick tick_of(std::int64_t ns) noexcept;

  // TCP (worker_tcp.cpp) and UDP (worker_udp.cpp) directions.
  Verdict tcp_from_client(Packet& packet, std::uint32_t flow_id) noexcept;
  Verdict tcp_from_backend(Packet& packet, std::uint32_t flow_id) noexcept;
  void track_tcp_state(Flow& flow, Side side, std::uint8_t flags) noexcept;
  Verdict udp_from_client(Packet& packet, std::uint32_t flow_id) noexcept;
  Verdict udp_from_backend(Packet& packet, std::uint32_t flow_id) noexcept;
  pp2_conn header_connection(const Flow& flow) const noexcept;
  pp2_conn header_connection(const conntrack::FlowKey& client_key,
                             const pp2_template& header_template, std::uint64_t serial) const noexcept;
  std::int32_t build_header(const Flow& flow, std::uint8_t* out) const noexcept;
  bool send_header_segment(Flow& flow, TcpSeq seq, TcpSeq ack, const std::uint8_t* timestamps,
                           std::uint16_t window) noexcept;
  void send_resets(Flow& flow, const insertion::ResetSegment& to_client,
                   const insertion::ResetSegment& to_backend) noexcept;
  void reset_stale_backend(Flow& flow, TcpSeq seg_ack) noexcept;

  // The SYN proxy (worker_syn_proxy.cpp, docs/syn-proxy.md, dataplane/shared/syn_proxy.h).
  std::uint16_t header_length_of(const Service& service, const conntrack::FlowKey& client_key) const noexcept;
  Verdict syn_proxy_answer(Packet& packet, const Service& service, const conntrack::FlowKey& key) noexcept;
  Verdict syn_proxy_complete(Packet& packet, ServiceId service, const conntrack::FlowKey& key,
                             std::uint64_t hash) noexcept;
  Verdict syn_proxy_backend_synack(Packet& packet, std::uint32_t flow_id) noexcept;
  void syn_proxy_complete_backend_handshake(Flow& flow, TcpSeq ack, std::uint32_t synack_tsval) noexcept;
  bool send_backend_ack(Flow& flow, TcpSeq seq, TcpSeq ack) noexcept;
  static void syn_proxy_translate_client(Packet& packet, const Flow& flow) noexcept;
  static void syn_proxy_translate_backend(Packet& packet, const Flow& flow) noexcept;

  // Rewriting and sending (worker.cpp).
  Verdict nat_to_backend(Packet& packet, const Flow& flow) noexcept;
  Verdict nat_to_client(Packet& packet, const Flow& flow) noexcept;
  Verdict rewrite_same_family(Packet& packet, const std::uint8_t* source_address,
                              std::uint16_t source_port, const std::uint8_t* destination_address,
                              std::uint16_t destination_port) noexcept;
  Verdict rewrite_addresses(Packet& packet, const net::Endpoint& source,
                            const net::Endpoint& destination) noexcept;
  bool insert_payload_prefix(Packet& packet, const std::uint8_t* bytes,
                             std::uint16_t length) noexcept;
  Verdict deliver(Packet& packet, PortId port, const net::IpAddress& next_hop,
                  NeighborCache& cache) noexcept;
  bool emit_to(PortId port, const net::IpAddress& next_hop, Frame frame) noexcept;
  bool queue_for_neighbor(PortId port, const net::IpAddress& next_hop, Frame frame) noexcept;
  void request_neighbor(PortId port, const net::IpAddress& next_hop) noexcept;
  void learn_neighbor(const net::IpAddress& address, const net::MacAddress& mac,
                      PortId port) noexcept;
  void count_tx(const Frame& frame) noexcept;
  // A dropped frame's counters: the total and its reason (parse, pipeline, insertion).
  void count_drop(const Verdict& verdict) noexcept;

  std::shared_ptr<const Tables> tables_;
  FrameIo& io_;
  WorkerOptions options_;
  WorkerCounters counters_;
  conntrack::EntryPool<Flow> flows_;
  conntrack::FlowIndex index_;
  conntrack::TimerWheel wheel_;
  NeighborTable neighbors_;
  std::vector<sched::Scheduler> schedulers_;  // one per service
  std::vector<std::unique_ptr<SnatPool>> snat_pools_;
  conntrack::EmbryonicRing embryonic_;  // this worker's TCP flows in creation order
  std::uint64_t next_serial_ = 1;
  // The tick of the last SYN cookie this worker sent + 1, 0 before the first (sl_sp_note_cookie):
  // "auto" checks ACKs without a flow as cookies only while one could be valid.
  std::uint32_t recent_cookie_ = 0;
  std::int64_t now_ns_ = 0;
};

}  // namespace sluice::pipeline
