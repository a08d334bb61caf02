// The worker: dispatch, flow lifecycle, timers and the shared rewrite/send steps. The TCP and
// UDP directions live in worker_tcp.cpp and worker_udp.cpp, local traffic in worker_local.cpp.
#include "dataplane/pipeline/worker.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "dataplane/packet/byte_order.hpp"
#include "dataplane/packet/checksum.hpp"
#include "dataplane/packet/family_translation.hpp"
#include "dataplane/packet/ip.hpp"
#include "dataplane/packet/l4.hpp"
#include "dataplane/packet/l4_checksum.hpp"
#include "dataplane/packet/nat.hpp"
#include "dataplane/packet/protocols.hpp"
#include "dataplane/pipeline/frame_builder.hpp"
#include "dataplane/pipeline/worker_internal.hpp"
#include "dataplane/shared/pp2.h"

namespace sluice::pipeline {

namespace {

constexpr std::uint32_t handle_of(std::uint32_t flow_id, Side side) noexcept {
  return (flow_id << 1) | static_cast<std::uint32_t>(side);
}

}  // namespace

std::string verdict_name(const Verdict& verdict) {
  switch (verdict.action) {
    case Action::kForward: return "forward";
    case Action::kConsumed: return "consumed";
    case Action::kHost: return "host";
    case Action::kDrop: break;
  }
  if (verdict.parse_drop != packet::DropReason::kNone) {
    return "drop:" + std::string(packet::drop_reason_name(verdict.parse_drop));
  }
  if (verdict.drop == PipelineDrop::kTcpInsertion) {
    return "drop:tcp_" + std::string(insertion::to_string(verdict.insertion_drop));
  }
  if (verdict.drop) return "drop:" + std::string(pipeline_drop_name(*verdict.drop));
  return "drop:unknown";
}

Worker::Worker(std::shared_ptr<const Tables> tables, FrameIo& io, WorkerOptions options)
    : tables_(std::move(tables)),
      io_(io),
      options_(options),
      flows_(tables_->limits().max_entries),
      index_(tables_->limits().max_entries * 2),
      wheel_(0),
      neighbors_(tables_->static_neighbors()),
      embryonic_(sl_embryonic_ring_size(tables_->limits().max_embryonic, tables_->limits().max_entries)) {
  schedulers_.reserve(tables_->services().size());
  for (std::size_t i = 0; i < tables_->services().size(); ++i) {
    schedulers_.emplace_back(options_.worker_index);
  }
  add_snat_pools(*tables_);
}

// One port pool per (SNAT address, protocol): the same local port may serve a TCP and a UDP
// flow at once, their 5-tuples differ. Pools are never removed: a reload keeps the pools of
// retired services for their draining flows.
void Worker::add_snat_pools(const Tables& tables) {
  const conntrack::PortRange range{tables.limits().snat_port_first,
                                   tables.limits().snat_port_last};
  for (const Service& service : tables.services()) {
    for (const auto* snat : {&service.snat_v4, &service.snat_v6}) {
      if (!snat->has_value() || snat_pool(**snat, service.protocol) != nullptr) continue;
      snat_pools_.push_back(std::make_unique<SnatPool>(**snat, service.protocol, range,
                                                       options_.worker_count,
                                                       options_.worker_index,
                                                       options_.snat_port_start));
    }
  }
}

Worker::~Worker() {
  // Timer nodes must be unlinked before the wheel and the pool go away.
  for (std::uint32_t id = 0; id < flows_.high_water(); ++id) {
    if (flows_.in_use(id)) wheel_.cancel(flows_[id]);
  }
}

Worker::SnatPool* Worker::snat_pool(const net::IpAddress& address,
                                    std::uint8_t protocol) noexcept {
  for (auto& pool : snat_pools_) {
    if (pool->address == address && pool->protocol == protocol) return pool.get();
  }
  return nullptr;
}

Verdict Worker::process(Frame& frame, PortId ingress, std::int64_t now_ns) noexcept {
  return process(frame, ingress, now_ns,
                 packet::parse_frame(frame.buffer.data(), frame.buffer.length()));
}

Verdict Worker::process(Frame& frame, PortId ingress, std::int64_t now_ns,
                        const packet::ParseResult& parsed) noexcept {
  return process(frame, ingress, now_ns, parsed, FlowHint{});
}

Verdict Worker::process(Frame& frame, PortId ingress, std::int64_t now_ns,
                        const packet::ParseResult& parsed, const FlowHint& hint) noexcept {
  now_ns_ = now_ns;
  ++counters_.rx_packets;
  counters_.rx_bytes += frame.buffer.length();
  Verdict verdict;
  if (!parsed.ok()) {
    verdict = Verdict::dropped(parsed.drop_reason());
  } else {
    Packet packet{frame, ingress, parsed.frame(), hint};
    verdict = dispatch(packet);
  }
  switch (verdict.action) {
    case Action::kForward: count_tx(frame); break;
    case Action::kConsumed: break;
    case Action::kHost: ++counters_.host_rx; break;
    case Action::kDrop: count_drop(verdict); break;
  }
  return verdict;
}

Verdict Worker::dispatch(Packet& packet) noexcept {
  const packet::ParsedFrame& parsed = packet.parsed;
  if (parsed.l3 == packet::L3Kind::kArp) return handle_arp(packet);
  // Longer than the link allows: a frame the receiving kernel coalesced (GRO/LRO) before a
  // kernel-visible PMD copied it (docs/dpdk.md "The kernel stand-off"). It can be neither
  // grown nor sent on an MTU-sized link; dropping it makes the sender retransmit at wire size.
  if (parsed.l3_end - parsed.l3_offset > tables_->port(packet.ingress).mtu) {
    return Verdict::dropped(PipelineDrop::kOversizedFrame);
  }
  if (parsed.is_fragment) return Verdict::dropped(PipelineDrop::kFragment);
  if (parsed.is_tcp()) return handle_tcp(packet);
  if (parsed.is_udp()) return handle_udp(packet);
  if (parsed.has_l4 && (parsed.l4_protocol == packet::ip_proto::kIcmp ||
                        parsed.l4_protocol == packet::ip_proto::kIcmpv6)) {
    return handle_icmp(packet);
  }
  const net::IpAddress destination = parsed.dst_address(packet.data()).to_address();
  const bool ours = tables_->is_vip(destination) || tables_->is_own_address(destination);
  return Verdict::dropped(ours ? PipelineDrop::kUnsupportedL4 : PipelineDrop::kNotForUs);
}

// A router drops a packet whose TTL / hop limit would reach zero before it looks any further
// (RFC 1812 section 5.3.1, RFC 8200 section 3): for a known flow that is before the insertion
// engine or the state tracker sees it, so a segment that never reaches the other side changes
// nothing of the flow. The XDP program checks at the same point (bpf/sluice_xdp.bpf.c sl_l4).
bool Worker::hop_limit_reached(const Packet& packet) noexcept {
  const std::uint8_t* ip = packet.data() + packet.parsed.l3_offset;
  const std::uint8_t hops = packet.parsed.is_ipv4() ? packet::ConstIpv4View(ip).ttl()
                                                    : packet::ConstIpv6View(ip).hop_limit();
  return hops <= 1;
}

Verdict Worker::no_flow_verdict(const Packet& packet, std::uint8_t protocol,
                                const net::IpAddress& destination, std::uint16_t port,
                                bool may_create, std::optional<ServiceId>& service) const noexcept {
  // A packet to an address not ours is nobody's business here, whatever its TTL; one of ours
  // that could not be forwarded anyway must not cost a SNAT port or a flow entry.
  const bool ours = tables_->is_vip(destination) || tables_->is_own_address(destination);
  if (!ours) return Verdict::dropped(PipelineDrop::kNotForUs);
  if (hop_limit_reached(packet)) return Verdict::dropped(PipelineDrop::kTtlExceeded);
  // The host's own connections (health probes leave from the host port range, which SNAT
  // never allocates: Limits) go up to the host when the shell has a path for them.
  if (options_.host_path && port >= tables_->limits().host_port_first &&
      port <= tables_->limits().host_port_last && tables_->is_own_address(destination)) {
    return Verdict::to_host();
  }
  // A segment of a connection we do not know (a late SYN-ACK to a SNAT address, an ACK after
  // expiry) is not a configuration problem: say so before looking for a service.
  if (!may_create) return Verdict::dropped(PipelineDrop::kUnknownTcpFlow);
  service = tables_->find_service(protocol, destination, port);
  if (!service) return Verdict::dropped(PipelineDrop::kNoService);
  return Verdict::forward(kNoPort);
}

// The key a flow index handle stands for: the low bit says which of the flow's two keys.
FlowHint Worker::prefetch(const packet::ParseResult& result,
                          const std::uint8_t* data) const noexcept {
  if (!result.ok()) return {};
  const packet::ParsedFrame& parsed = result.frame();
  if (parsed.is_fragment || !(parsed.is_tcp() || parsed.is_udp())) return {};
  const auto key = flow_key_of(parsed, data, parsed.is_tcp() ? kProtoTcp : kProtoUdp);
  const std::uint64_t hash = key.hash(options_.hash_seed);
  index_.prefetch(hash);
  return FlowHint{hash, true};
}

const conntrack::FlowKey& Worker::key_of_handle(std::uint32_t handle) const noexcept {
  const Flow& flow = flows_[handle >> 1];
  return (handle & 1) != 0 ? flow.backend_key : flow.client_key;
}

std::optional<std::uint32_t> Worker::find_flow(const conntrack::FlowKey& key, std::uint64_t hash,
                                               Side& side) const noexcept {
  const auto handle = index_.find(key, hash, [this](std::uint32_t h) -> const conntrack::FlowKey& {
    return key_of_handle(h);
  });
  if (!handle) return std::nullopt;
  side = (*handle & 1) != 0 ? Side::kBackend : Side::kClient;
  return *handle >> 1;
}

Verdict Worker::create_flow(Packet& packet, ServiceId service_id, const conntrack::FlowKey& key,
                            std::uint64_t hash, std::uint32_t& flow_id) noexcept {
  const Service& service = tables_->service(service_id);
  const net::Endpoint client{key.source_address(), key.source_port};
  const sched::FlowTuple tuple{client.address, key.destination_address(), key.source_port,
                               key.destination_port, key.protocol};
  const auto pick = schedulers_[service_id].pick(*service.backends,
                                                 sched::PickKey::of(tuple, options_.hash_seed));
  if (!pick) return Verdict::dropped(PipelineDrop::kNoBackend);
  const sched::Backend& backend = service.backends->backend(*pick);
  const auto& snat_address = service.snat_for(backend.endpoint.address.family());
  if (!snat_address) return Verdict::dropped(PipelineDrop::kNoSnatAddress);
  const auto to_backend = tables_->next_hop(backend.endpoint.address);
  const auto to_client = tables_->next_hop(client.address);
  if (!to_backend || !to_client) return Verdict::dropped(PipelineDrop::kNoRoute);
  SnatPool* pool = snat_pool(*snat_address, key.protocol);
  if (pool == nullptr) return Verdict::dropped(PipelineDrop::kNoSnatAddress);

  // Bounded embryonic state (dataplane/shared/embryonic.h): a new TCP flow first takes the
  // ring slot of the flow created max_embryonic TCP flows before it (reclaimed if still
  // embryonic); a full table or SNAT range then reclaims the oldest embryonic flow before the
  // new one is refused. Established flows are never touched.
  const bool is_tcp = key.protocol == kProtoTcp;
  if (is_tcp) reclaim_ring_slot();
  auto id = flows_.allocate();
  if (!id && reclaim_oldest_embryonic(nullptr)) id = flows_.allocate();
  if (!id) return Verdict::dropped(PipelineDrop::kConntrackFull);
  // The entry still holds the serial of the flow it last was: a ring slot naming that flow
  // must not take it for a live one while the SNAT reclaim below scans the ring.
  flows_[*id].serial = 0;
  auto local_port = pool->allocator.allocate();
  if (!local_port && reclaim_oldest_embryonic(pool)) local_port = pool->allocator.allocate();
  if (!local_port) {
    flows_.release(*id);
    ++counters_.snat_exhausted;
    return Verdict::dropped(PipelineDrop::kSnatExhausted);
  }

  Flow& flow = flows_[*id];
  flow.client_key = key;
  flow.client_hash = hash;
  flow.backend_key = conntrack::FlowKey::make(backend.endpoint.address, backend.endpoint.port,
                                              *snat_address, *local_port, key.protocol);
  flow.backend_hash = flow.backend_key.hash(options_.hash_seed);
  flow.serial = (std::uint64_t{options_.worker_index} << 48) | next_serial_++;
  flow.created_ns = now_ns_;
  flow.last_seen_ns = now_ns_;
  flow.engine.reset();
  flow.client_next_hop = to_client->gateway;
  flow.backend_next_hop = to_backend->gateway;
  flow.client_neighbor = NeighborCache{};  // a reused entry must not keep its MACs
  flow.backend_neighbor = NeighborCache{};
  flow.client_port = to_client->port;
  flow.backend_port = to_backend->port;
  flow.service = service_id;
  flow.backend_slot = backend.slot;
  flow.tcp_state = key.protocol == kProtoTcp ? TcpState::kSynSent : TcpState::kUdp;
  flow.client_isn = key.protocol == kProtoTcp
                        ? packet::ConstTcpView(packet.data() + packet.parsed.l4_offset).seq().value()
                        : 0;
  flow.udp_header_sent = false;
  flow.track_flags = 0;
  // Under pressure (counted before this flow) it gets the short SYN timeout while embryonic.
  flow.conntrack_flags =
      is_tcp && sl_embryonic_pressure(counters_.embryonic_active, tables_->limits().max_embryonic) != 0
          ? SL_FLOW_SYN_PRESSURE
          : 0;
  flow.client_window = 0;
  flow.client_has_timestamps = false;
  flow.syn_proxy = sl_syn_proxy{};  // a cookie's flow sets it after creation

  auto key_of = [this](std::uint32_t h) -> const conntrack::FlowKey& { return key_of_handle(h); };
  const bool indexed =
      index_.insert(flow.client_key, flow.client_hash, handle_of(*id, Side::kClient), key_of);
  if (!indexed || !index_.insert(flow.backend_key, flow.backend_hash,
                                 handle_of(*id, Side::kBackend), key_of)) {
    // A backend-side key can only collide with a stale flow bound to the same SNAT port,
    // which the allocator rules out; refuse rather than corrupt the index.
    if (indexed) index_.erase(flow.client_hash, handle_of(*id, Side::kClient));
    pool->allocator.release(*local_port);
    flows_.release(*id);
    return Verdict::dropped(PipelineDrop::kConntrackFull);
  }

  if (key.protocol == kProtoTcp && service.proxy) {
    flow.engine.emplace(service.proxy->tcp_mode, header_length_of(service, key), TcpSeq(flow.client_isn));
  }
  schedulers_[service_id].on_flow_created(backend.slot);
  if (is_tcp) record_embryonic(flow, *id);
  ++counters_.flows_created;
  ++counters_.flows_active;
  flow_id = *id;
  arm_timer(flow);
  return Verdict::forward(kNoPort);
}

void Worker::destroy_flow(std::uint32_t flow_id) noexcept {
  Flow& flow = flows_[flow_id];
  if (flow.protocol() == kProtoTcp && sl_is_embryonic(static_cast<std::uint8_t>(flow.tcp_state))) {
    --counters_.embryonic_active;
  }
  wheel_.cancel(flow);
  index_.erase(flow.client_hash, handle_of(flow_id, Side::kClient));
  index_.erase(flow.backend_hash, handle_of(flow_id, Side::kBackend));
  if (SnatPool* pool = snat_pool(flow.local().address, flow.protocol())) {
    pool->allocator.release(flow.local().port);
  }
  schedulers_[flow.service].on_flow_destroyed(flow.backend_slot);
  flow.engine.reset();
  flows_.release(flow_id);
  --counters_.flows_active;
}

std::int64_t Worker::idle_timeout_ns(const Flow& flow) const noexcept {
  // The shared rule (tcp_rules.h): the XDP program and XdpDatapath::expire_flows use it too.
  const Limits& limits = tables_->limits();
  // With the pressure rule of embryonic.h on top (the same function in both datapaths).
  return static_cast<std::int64_t>(sl_flow_idle_timeout_ns(
      static_cast<std::uint8_t>(flow.tcp_state), flow.conntrack_flags, limits.tcp_syn_timeout_ns,
      limits.tcp_syn_pressure_timeout_ns, limits.tcp_established_timeout_ns,
      limits.tcp_closing_timeout_ns, limits.udp_timeout_ns));
}

// Embryonic flows count from their creation, others from their last packet (embryonic.h).
std::int64_t Worker::idle_since(const Flow& flow) noexcept {
  return static_cast<std::int64_t>(sl_flow_idle_since(static_cast<std::uint8_t>(flow.tcp_state),
                                                      static_cast<std::uint64_t>(flow.created_ns),
                                                      static_cast<std::uint64_t>(flow.last_seen_ns)));
}

// The wheel counts milliseconds; a due time is rounded up so a timer never fires early.
conntrack::Tick Worker::tick_of(std::int64_t ns) noexcept {
  return ns <= 0 ? 0 : static_cast<conntrack::Tick>((ns + 999'999) / 1'000'000);
}

void Worker::arm_timer(Flow& flow) noexcept {
  std::int64_t due = idle_since(flow) + idle_timeout_ns(flow);
  if (flow.engine) {
    if (const auto deadline = flow.engine->next_deadline()) {
      due = std::min<std::int64_t>(due, deadline->count());
    }
  }
  const conntrack::Tick tick = tick_of(due);
  // Re-arming on every packet would churn the wheel: expiry is checked lazily when the timer
  // fires (it re-arms for the remaining idle time). Only an earlier deadline moves it.
  if (!flow.armed() || tick < flow.due()) wheel_.schedule(flow, tick);
}

void Worker::touch(Flow& flow) noexcept {
  flow.last_seen_ns = now_ns_;
  arm_timer(flow);
}

void Worker::advance(std::int64_t now_ns) noexcept {
  now_ns_ = now_ns;
  wheel_.advance(tick_of(now_ns) , [this](conntrack::TimerNode& node) {
    Flow& flow = static_cast<Flow&>(node);
    on_flow_timer(flows_.index_of(flow));
  });
  neighbors_.expire(now_ns, [this](Frame& frame) {
    ++counters_.dropped;
    ++counters_.pipeline_drops[static_cast<std::size_t>(PipelineDrop::kNoNeighbor)];
    io_.release(frame);
  });
}

void Worker::on_flow_timer(std::uint32_t flow_id) noexcept {
  Flow& flow = flows_[flow_id];
  if (flow.engine) {
    const auto deadline = flow.engine->next_deadline();
    if (deadline && deadline->count() <= now_ns_) {
      const insertion::TimerDecision decision =
          flow.engine->on_timer(insertion::Nanoseconds(now_ns_));
      if (decision.action == insertion::TimerAction::kResend) {
        if (send_header_segment(flow, decision.header_segment.seq, decision.header_segment.ack,
                                flow.client_has_timestamps ? flow.client_timestamps.data()
                                                           : nullptr,
                                flow.client_window)) {
          ++counters_.pp_resent;
        }
      } else if (decision.action == insertion::TimerAction::kGiveUp) {
        // Both sides are reset (spec proxy-protocol.md, TCP item 5): nothing of this
        // connection may pass any more, so the flow goes now.
        send_resets(flow, decision.to_client, decision.to_backend);
        ++counters_.pp_given_up;
        destroy_flow(flow_id);
        return;
      }
    }
  }
  // The shared expiry rule (tcp_rules.h), the XDP program's and its loader's too.
  if (sl_idle_expired(static_cast<std::uint64_t>(now_ns_), static_cast<std::uint64_t>(idle_since(flow)),
                      static_cast<std::uint64_t>(idle_timeout_ns(flow))) != 0) {
    ++counters_.flows_expired;
    destroy_flow(flow_id);
    return;
  }
  arm_timer(flow);
}

void Worker::for_each_flow(const std::function<void(const Flow&)>& fn) const {
  for (std::uint32_t id = 0; id < flows_.high_water(); ++id) {
    if (flows_.in_use(id)) fn(flows_[id]);
  }
}

// The per-connection half of the header (spec proxy-protocol.md, "Header contents"): the
// client's own address and port, the VIP and service port, and the UNIQUE_ID value
// (docs/pipeline.md): the instance id then the flow serial, both big-endian.
pp2_conn Worker::header_connection(const Flow& flow) const noexcept {
  return header_connection(flow.client_key, tables_->service(flow.service).proxy->header_template,
                           flow.serial);
}

// H, the header's length for a connection of `client_key` to `service` (0 without a header).
// A v2 header's length depends on the family only: no need to fill the connection; a v1
// header spells the addresses, whatever the flow's serial (it has no UNIQUE_ID).
std::uint16_t Worker::header_length_of(const Service& service,
                                       const conntrack::FlowKey& client_key) const noexcept {
  if (!service.proxy) return 0;
  const pp2_template& header_template = service.proxy->header_template;
  std::int32_t length = 0;
  if (header_template.version == 2u) {
    length = pp2_v2_header_len(&header_template,
                               client_key.family == net::Family::kIpv4 ? PP2_FAM_INET : PP2_FAM_INET6);
  } else {
    const pp2_conn connection = header_connection(client_key, header_template, 0);
    length = pp2_header_len(&header_template, &connection);
  }
  return static_cast<std::uint16_t>(length > 0 ? length : 0);
}

pp2_conn Worker::header_connection(const conntrack::FlowKey& client_key,
                                   const pp2_template& header_template,
                                   std::uint64_t serial) const noexcept {
  // Zeroed only where a header reads: up to the end of the IPv6 addresses (the UNIX paths, 216
  // bytes, are read for PP2_FAM_UNIX alone, which a flow never is) and the unique id past the
  // 16 bytes written below. Zeroing all 240 bytes, twice per PROXY flow, was a third of the
  // header's cost (docs/performance.md).
  pp2_conn conn;
  std::memset(&conn, 0, offsetof(pp2_conn, addr) + sizeof conn.addr.inet6);
  const std::uint32_t unique_id_length = header_template.unique_id_len;
  constexpr std::uint32_t kWritten = 16;
  if (unique_id_length > kWritten && unique_id_length <= PP2_UNIQUE_ID_MAX) {
    std::memset(conn.unique_id + kWritten, 0, unique_id_length - kWritten);
  }
  // The client key holds both endpoints as received (flow.hpp): client -> VIP.
  const conntrack::FlowKey& key = client_key;
  conn.family = key.family == net::Family::kIpv4 ? PP2_FAM_INET : PP2_FAM_INET6;
  conn.src_port = key.source_port;
  conn.dst_port = key.destination_port;
  if (key.family == net::Family::kIpv4) {
    std::memcpy(conn.addr.inet.src, key.source.data(), 4);
    std::memcpy(conn.addr.inet.dst, key.destination.data(), 4);
  } else {
    std::memcpy(conn.addr.inet6.src, key.source.data(), 16);
    std::memcpy(conn.addr.inet6.dst, key.destination.data(), 16);
  }
  packet::store_be32(conn.unique_id, static_cast<std::uint32_t>(options_.instance_id >> 32));
  packet::store_be32(conn.unique_id + 4, static_cast<std::uint32_t>(options_.instance_id));
  packet::store_be32(conn.unique_id + 8, static_cast<std::uint32_t>(serial >> 32));
  packet::store_be32(conn.unique_id + 12, static_cast<std::uint32_t>(serial));
  return conn;
}

std::int32_t Worker::build_header(const Flow& flow, std::uint8_t* out) const noexcept {
  const pp2_conn conn = header_connection(flow);
  return pp2_build(&tables_->service(flow.service).proxy->header_template, &conn, out);
}

// Source := the SNAT endpoint (the backend key's destination), destination := the backend
// (its source). Same family: straight from the key's bytes (flow.hpp), no Endpoint built.
Verdict Worker::nat_to_backend(Packet& packet, const Flow& flow) noexcept {
  const conntrack::FlowKey& key = flow.backend_key;
  if (packet.parsed.family == key.family) {
    return rewrite_same_family(packet, key.destination.data(), key.destination_port,
                               key.source.data(), key.source_port);
  }
  return rewrite_addresses(packet, flow.local(), flow.backend());
}

// Source := the VIP (the client key's destination), destination := the client (its source).
Verdict Worker::nat_to_client(Packet& packet, const Flow& flow) noexcept {
  const conntrack::FlowKey& key = flow.client_key;
  if (packet.parsed.family == key.family) {
    return rewrite_same_family(packet, key.destination.data(), key.destination_port,
                               key.source.data(), key.source_port);
  }
  return rewrite_addresses(packet, flow.vip(), flow.client());
}

Verdict Worker::rewrite_same_family(Packet& packet, const std::uint8_t* source_address,
                                    std::uint16_t source_port,
                                    const std::uint8_t* destination_address,
                                    std::uint16_t destination_port) noexcept {
  // A forwarded packet is routed: TTL / hop limit too, in the same checksum update.
  const packet::DropReason reason =
      packet::route_l3l4(packet.data(), packet.parsed, source_address, source_port,
                         destination_address, destination_port);
  if (reason == packet::DropReason::kNone) {
    // Bytes after the IP packet (Ethernet padding, a trailer) are not part of the datagram: a
    // router does not forward them, nor does the XDP program (bpf/xdp/forward.h, "drop
    // padding"); the other rewrites already trim them. Fixture tcp_ipv4_plain_trailer_not_forwarded.
    packet::PacketBuffer& buffer = packet.frame.buffer;
    if (buffer.length() > packet.parsed.l3_end && !buffer.trim(buffer.length() - packet.parsed.l3_end)) {
      return Verdict::dropped(PipelineDrop::kNoBuffer);
    }
    return Verdict::forward(kNoPort);
  }
  if (reason == packet::DropReason::kTtlExpired) {
    return Verdict::dropped(PipelineDrop::kTtlExceeded);
  }
  return Verdict::dropped(reason);
}

Verdict Worker::rewrite_addresses(Packet& packet, const net::Endpoint& source,
                                  const net::Endpoint& destination) noexcept {
  // A forwarded packet is routed: TTL / hop limit first (the translations copy it).
  if (packet::decrement_ttl(packet.data(), packet.parsed) != packet::DropReason::kNone) {
    return Verdict::dropped(PipelineDrop::kTtlExceeded);
  }
  packet::DropReason reason;
  if (packet.parsed.family == destination.address.family()) {
    reason = packet::rewrite_l3l4(packet.data(), packet.parsed, source, destination);
  } else if (destination.address.is_v6()) {
    reason = packet::translate_ipv4_to_ipv6(packet.frame.buffer, packet.parsed, source,
                                            destination);
  } else {
    // RFC 6864 section 4.1: an atomic datagram (DF set, not fragmented) may carry any ID.
    reason = packet::translate_ipv6_to_ipv4(packet.frame.buffer, packet.parsed, source,
                                            destination, 0);
  }
  if (reason != packet::DropReason::kNone) return Verdict::dropped(reason);
  return Verdict::forward(kNoPort);
}

bool Worker::insert_payload_prefix(Packet& packet, const std::uint8_t* bytes,
                                   std::uint16_t length) noexcept {
  packet::PacketBuffer& buffer = packet.frame.buffer;
  packet::ParsedFrame& parsed = packet.parsed;
  // Ethernet padding after the IP packet would end up behind the new payload: drop it first.
  if (buffer.length() > parsed.l3_end && !buffer.trim(buffer.length() - parsed.l3_end)) {
    return false;
  }
  // An even-length run inserted at the payload (an even offset in the segment: TCP headers are
  // whole 32-bit words, UDP's is 8 bytes) leaves every later byte in its half of a 16-bit
  // word, so the L4 checksum is updated incrementally (RFC 1624): plus the inserted bytes,
  // plus the length change in the pseudo-header and, for UDP, in its length field. Exact as
  // long as the stored checksum was (a forwarder does not repair a corrupted segment).
  const std::uint32_t checksum_field = packet::l4_checksum_field_offset(parsed);
  const std::uint32_t old_l4_length = parsed.l4_length();
  const std::uint16_t old_checksum =
      checksum_field != 0
          ? packet::load_be16(buffer.data() + parsed.l4_offset + checksum_field)
          : std::uint16_t{0};
  const bool is_udp = parsed.is_udp();
  const bool incremental = length % 2 == 0 && checksum_field != 0 && !parsed.is_fragment &&
                           !(is_udp && parsed.is_ipv4() && old_checksum == 0);
  if (!buffer.insert_gap(parsed.payload_offset, length)) return false;
  std::uint8_t* data = buffer.data();
  std::memcpy(data + parsed.payload_offset, bytes, length);
  parsed.l3_end += length;
  if (parsed.is_ipv4()) {
    // Incremental (RFC 1624) like the TTL decrement: the parser verified the stored checksum,
    // and a header's sum is never zero, so this equals a recomputation bit for bit.
    const packet::Ipv4View ip(data + parsed.l3_offset);
    const std::uint16_t old_total = ip.total_length();
    const auto new_total = static_cast<std::uint16_t>(old_total + length);
    ip.set_total_length(new_total);
    ip.set_checksum(packet::checksum_update16(ip.checksum(), old_total, new_total));
  } else {
    const packet::Ipv6View ip(data + parsed.l3_offset);
    ip.set_payload_length(static_cast<std::uint16_t>(ip.payload_length() + length));
  }
  if (parsed.is_udp()) {
    const packet::UdpView udp(data + parsed.l4_offset);
    udp.set_length(static_cast<std::uint16_t>(udp.length() + length));
  }
  if (incremental) {
    const std::uint32_t new_l4_length = old_l4_length + length;
    packet::ChecksumDelta delta;
    delta.add_sum(packet::ones_complement_sum(data + parsed.payload_offset, length));
    if (parsed.is_ipv4()) {
      delta.replace16(static_cast<std::uint16_t>(old_l4_length),
                      static_cast<std::uint16_t>(new_l4_length));
    } else {
      delta.replace32(old_l4_length, new_l4_length);  // RFC 8200 section 8.1: 32-bit length
    }
    if (is_udp) {
      delta.replace16(static_cast<std::uint16_t>(old_l4_length),
                      static_cast<std::uint16_t>(new_l4_length));
    }
    std::uint16_t checksum = delta.apply(old_checksum);
    if (is_udp) checksum = packet::udp_checksum_for_wire(checksum);
    packet::store_be16(data + parsed.l4_offset + checksum_field, checksum);
    return true;
  }
  // An inserted run of odd length moves every later byte to the other half of its 16-bit
  // word: only a full recomputation is right (spec proxy-protocol.md, TCP item 4).
  packet::recompute_l4_checksum(data, parsed);
  return true;
}

Verdict Worker::deliver(Packet& packet, PortId port, const net::IpAddress& next_hop,
                        NeighborCache& cache) noexcept {
  if (cache.generation == neighbors_.generation()) {
    packet::rewrite_l2(packet.data(), tables_->port(port).mac, cache.mac);
    return Verdict::forward(port);
  }
  if (const NeighborEntry* neighbor = neighbors_.find(next_hop)) {
    cache = NeighborCache{neighbor->mac, neighbors_.generation()};
    packet::rewrite_l2(packet.data(), tables_->port(port).mac, neighbor->mac);
    return Verdict::forward(port);
  }
  if (!queue_for_neighbor(port, next_hop, packet.frame)) {
    return Verdict::dropped(PipelineDrop::kNeighborQueueFull);
  }
  return Verdict::consumed();
}

bool Worker::queue_for_neighbor(PortId port, const net::IpAddress& next_hop,
                                Frame frame) noexcept {
  bool first_for_hop = false;
  if (!neighbors_.enqueue(next_hop, port, frame, now_ns_, first_for_hop)) return false;
  if (first_for_hop) request_neighbor(port, next_hop);
  return true;
}

bool Worker::emit_to(PortId port, const net::IpAddress& next_hop, Frame frame) noexcept {
  if (const NeighborEntry* neighbor = neighbors_.find(next_hop)) {
    packet::rewrite_l2(frame.buffer.data(), tables_->port(port).mac, neighbor->mac);
    count_tx(frame);
    io_.transmit(port, frame);
    return true;
  }
  if (queue_for_neighbor(port, next_hop, frame)) return true;
  io_.release(frame);
  ++counters_.dropped;
  ++counters_.pipeline_drops[static_cast<std::size_t>(PipelineDrop::kNeighborQueueFull)];
  return false;
}

void Worker::request_neighbor(PortId port, const net::IpAddress& next_hop) noexcept {
  const auto own = tables_->port_address(port, next_hop.family());
  if (!own) return;
  auto frame = io_.allocate();
  if (!frame) {
    ++counters_.pipeline_drops[static_cast<std::size_t>(PipelineDrop::kNoBuffer)];
    return;
  }
  const net::MacAddress& mac = tables_->port(port).mac;
  const bool written = next_hop.is_v4()
                           ? write_arp_request(frame->buffer, mac, *own, next_hop)
                           : write_neighbor_solicitation(frame->buffer, mac, *own, next_hop);
  if (!written) {
    io_.release(*frame);
    return;
  }
  count_tx(*frame);
  io_.transmit(port, *frame);
}

void Worker::count_tx(const Frame& frame) noexcept {
  ++counters_.tx_packets;
  counters_.tx_bytes += frame.buffer.length();
}

void Worker::count_drop(const Verdict& verdict) noexcept {
  ++counters_.dropped;
  if (verdict.parse_drop != packet::DropReason::kNone) {
    ++counters_.parse_drops[static_cast<std::size_t>(verdict.parse_drop)];
  } else if (verdict.drop) {
    ++counters_.pipeline_drops[static_cast<std::size_t>(*verdict.drop)];
    if (*verdict.drop == PipelineDrop::kTcpInsertion) {
      const auto reason = static_cast<std::size_t>(verdict.insertion_drop);
      if (reason < counters_.insertion_drops.size()) ++counters_.insertion_drops[reason];
    }
  }
}

}  // namespace sluice::pipeline
