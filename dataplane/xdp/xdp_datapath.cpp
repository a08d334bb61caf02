#include "dataplane/xdp/xdp_datapath.hpp"

#include <sys/random.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <netinet/in.h>
#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

#include "dataplane/xdp/map_entries.hpp"

#include "dataplane/xdp/skeleton.hpp"

namespace sluice::xdp {
namespace {

std::string errno_text(int error) { return std::strerror(error < 0 ? -error : error); }

// SIOCGIFHWADDR rather than /sys/class/net: sysfs shows the namespace it was mounted in, the
// ioctl the caller's.
net::MacAddress device_mac(const std::string& device) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw XdpError("socket: " + errno_text(errno));
  ifreq request{};
  std::strncpy(request.ifr_name, device.c_str(), IFNAMSIZ - 1);
  const int rc = ioctl(fd, SIOCGIFHWADDR, &request);
  const int error = errno;
  close(fd);
  if (rc != 0) throw XdpError("cannot read the MAC address of " + device + ": " + errno_text(error));
  std::array<std::uint8_t, 6> bytes{};
  std::memcpy(bytes.data(), request.ifr_hwaddr.sa_data, 6);
  return net::MacAddress(bytes);
}

template <typename Key, typename Value>
void update_or_throw(int fd, const Key& key, const Value& value, const char* what) {
  if (bpf_map_update_elem(fd, &key, &value, BPF_ANY) != 0) {
    throw XdpError(std::string("cannot update map ") + what + ": " + errno_text(errno));
  }
}

// Calls visit(key, value) for every entry of a hash map; an entry removed between reading its
// key and its value is skipped. A get_next_key cursor whose key was deleted meanwhile starts
// the walk again from the first key: under a SYN flood the program deletes thousands of flows
// a second (embryonic reclaims), and a sweep walking that way never finished, so the
// embryonic pressure it publishes never reached the program (docs/conntrack-limits.md). The
// batched walk (bpf_map_lookup_batch) goes bucket by bucket instead and always ends; the
// key-by-key walk stays for a kernel or map without batch operations.
template <typename Key, typename Value, typename Visit>
void visit_entries(int fd, Visit&& visit) {
  constexpr std::uint32_t kBatch = 1024;
  std::vector<Key> keys(kBatch);
  std::vector<Value> values(kBatch);
  std::uint64_t in_token = 0;   // the hash map's batch token: a bucket index (u32)
  std::uint64_t out_token = 0;
  bool first = true;
  LIBBPF_OPTS(bpf_map_batch_opts, batch_opts);
  for (;;) {
    std::uint32_t count = kBatch;
    const int rc = bpf_map_lookup_batch(fd, first ? nullptr : &in_token, &out_token, keys.data(),
                                        values.data(), &count, &batch_opts);
    const int error = rc != 0 ? errno : 0;
    if (rc != 0 && error != ENOENT) {
      if (!first) return;  // the walk so far was visited; a later sweep covers the rest
      break;               // no batch operations here: walk key by key below
    }
    for (std::uint32_t i = 0; i < count; ++i) visit(keys[i], values[i]);
    if (rc != 0) return;   // ENOENT: that was the last batch
    in_token = out_token;
    first = false;
  }
  Key key{};
  Key next{};
  const Key* cursor = nullptr;
  while (bpf_map_get_next_key(fd, cursor, &next) == 0) {
    Value value{};
    if (bpf_map_lookup_elem(fd, &next, &value) == 0) visit(next, value);
    key = next;
    cursor = &key;
  }
}

// Deletes every key of a hash map that `keep` does not hold; returns how many.
template <typename Key>
std::size_t delete_absent(int fd, const std::vector<Key>& keep) {
  std::vector<Key> doomed;
  Key key{};
  Key next{};
  const Key* cursor = nullptr;
  while (bpf_map_get_next_key(fd, cursor, &next) == 0) {
    bool kept = false;
    for (const Key& k : keep) kept = kept || std::memcmp(&k, &next, sizeof(Key)) == 0;
    if (!kept) doomed.push_back(next);
    key = next;
    cursor = &key;
  }
  for (const Key& k : doomed) bpf_map_delete_elem(fd, &k);
  return doomed.size();
}

template <typename Key>
std::size_t delete_all(int fd) {
  return delete_absent<Key>(fd, {});
}

}  // namespace

XdpDatapath::XdpDatapath(DatapathSettings settings) : settings_(std::move(settings)) {
  for (const InterfaceSettings& iface : settings_.interfaces) {
    const unsigned index = if_nametoindex(iface.kernel.c_str());
    if (index == 0) throw XdpError("interface " + iface.name + ": no kernel device " + iface.kernel);
    ifindexes_.push_back(index);
    macs_.push_back(device_mac(iface.kernel));
  }
  const int cpus = libbpf_num_possible_cpus();
  possible_cpus_ = cpus > 0 ? static_cast<unsigned>(cpus) : 1u;
  embryonic_per_cpu_ = std::make_unique<std::atomic<std::uint64_t>[]>(possible_cpus_);
}

XdpDatapath::~XdpDatapath() { stop(); }

int XdpDatapath::map_fd(const bpf_map* map) const { return bpf_map__fd(map); }

int XdpDatapath::program_fd() const {
  return skeleton_ == nullptr ? -1 : bpf_program__fd(skeleton_->progs.sluice_xdp);
}

bool XdpDatapath::remove_stale_attachment(std::uint32_t ifindex) {
  bool removed = false;
  for (const std::uint32_t mode : {XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE}) {
    __u32 prog_id = 0;
    if (bpf_xdp_query_id(static_cast<int>(ifindex), static_cast<int>(mode), &prog_id) != 0 || prog_id == 0) continue;
    const int fd = bpf_prog_get_fd_by_id(prog_id);
    if (fd < 0) continue;
    bpf_prog_info info{};
    __u32 length = sizeof info;
    const bool ours = bpf_obj_get_info_by_fd(fd, &info, &length) == 0 && std::strcmp(info.name, "sluice_xdp") == 0;
    close(fd);
    // A link-attached program cannot be detached this way (and dies with its owner); a
    // netlink-attached one can.
    if (ours && bpf_xdp_detach(static_cast<int>(ifindex), static_cast<int>(mode), nullptr) == 0) removed = true;
  }
  return removed;
}

namespace {

// The SYN cookie secret of a start (docs/syn-proxy.md): the load options', the tables' (once
// the control plane carries `[conntrack] syn_cookie_secret` into pipeline::Limits), or random.
sl_syn_cookie_key choose_syn_cookie_key(const pipeline::Tables& tables, const LoadOptions& options) {
  if (options.syn_cookie_key) return *options.syn_cookie_key;
  const std::optional<sl_syn_cookie_key> configured = [](const auto& limits) -> std::optional<sl_syn_cookie_key> {
    if constexpr (requires { limits.syn_cookie_key; }) {  // generic: the field may not exist yet
      if (limits.syn_cookie_key) return sl_syn_cookie_key{limits.syn_cookie_key->k0, limits.syn_cookie_key->k1};
    }
    return std::nullopt;
  }(tables.limits());
  if (configured) return *configured;
  sl_syn_cookie_key key{};
  std::uint8_t* bytes = reinterpret_cast<std::uint8_t*>(&key);
  std::size_t got = 0;
  while (got < sizeof key) {
    const ssize_t n = getrandom(bytes + got, sizeof key - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw XdpError("getrandom for the SYN cookie secret: " + errno_text(errno));
    }
    got += static_cast<std::size_t>(n);
  }
  return key;
}

}  // namespace

void XdpDatapath::start(std::shared_ptr<const pipeline::Tables> tables, std::uint64_t instance_id,
                        const LoadOptions& options) {
  if (skeleton_ != nullptr) throw XdpError("the XDP datapath is already running");
  if (!tables) throw XdpError("no tables");
  options_ = options;
  instance_id_ = instance_id;
  syn_cookie_key_ = choose_syn_cookie_key(*tables, options);
  skeleton_ = sluice_xdp__open();
  if (skeleton_ == nullptr) throw XdpError("cannot open the XDP program: " + errno_text(errno));
  const std::uint32_t flows = tables->limits().max_entries;
  // The flow table holds max_entries flows, each indexed twice; headers only exist for flows
  // of services with PROXY (allocated on use).
  if (bpf_map__set_max_entries(skeleton_->maps.sl_flows, flows) != 0 ||
      bpf_map__set_max_entries(skeleton_->maps.sl_ct, 2 * flows) != 0 ||
      bpf_map__set_max_entries(skeleton_->maps.sl_headers, flows) != 0 ||
      bpf_map__set_max_entries(skeleton_->maps.sl_armed, flows) != 0 ||
      bpf_map__set_max_entries(skeleton_->maps.sl_embryonic, embryonic_ring_entries(*tables)) != 0) {
    stop();
    throw XdpError("cannot size the conntrack maps");
  }
  if (const int rc = sluice_xdp__load(skeleton_); rc != 0) {
    stop();
    throw XdpError("the kernel refused the XDP program: " + errno_text(rc));
  }
  written_maglev_.clear();  // a fresh program: its maps are empty
  try {
    fill(*tables, true);
  } catch (...) {
    stop();
    throw;
  }
  tables_ = std::move(tables);
  if (!options.attach) return;
  const int prog = program_fd();
  for (std::size_t i = 0; i < ifindexes_.size(); ++i) {
    remove_stale_attachment(ifindexes_[i]);
    LIBBPF_OPTS(bpf_link_create_opts, link_opts);
    link_opts.flags = settings_.mode == AttachMode::kGeneric ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
    const int link = bpf_link_create(prog, static_cast<int>(ifindexes_[i]), BPF_XDP, &link_opts);
    if (link < 0) {
      const std::string why = errno_text(errno);
      stop();
      throw XdpError("cannot attach XDP (" +
                     std::string(settings_.mode == AttachMode::kGeneric ? "generic" : "native") + ") to " +
                     settings_.interfaces[i].kernel + ": " + why);
    }
    links_.push_back(link);
  }
}

void XdpDatapath::fill(const pipeline::Tables& tables, bool initial) {
  MapEntryOptions options;
  options.ifindexes = ifindexes_;
  options.nr_cpus = options_.nr_cpus != 0 ? options_.nr_cpus : possible_cpus_;
  options.generic_attach = options_.attach && settings_.mode == AttachMode::kGeneric;
  options.instance_id = instance_id_;
  options.test_now_ns = options_.test_now_ns;
  options.syn_cookie_key = syn_cookie_key_;
  options.syn_proxy_modes = options_.syn_proxy_modes;
  const MapEntries entries = map_entries(tables, options);

  const std::uint32_t zero = 0;
  update_or_throw(map_fd(skeleton_->maps.sl_config), zero, entries.config, "sl_config");
  for (const auto& [k, v] : entries.ports) update_or_throw(map_fd(skeleton_->maps.sl_ports), k, v, "sl_ports");
  for (const auto& [k, v] : entries.ports) {
    const std::uint32_t ifindex = v.ifindex;
    update_or_throw(map_fd(skeleton_->maps.sl_tx_ports), k, ifindex, "sl_tx_ports");
  }
  // Hash maps: new entries first, then the ones the new tables no longer have.
  auto sync = [&](const bpf_map* map, const auto& list) {
    using Key = std::decay_t<decltype(list[0].first)>;
    std::vector<Key> keys;
    for (const auto& [k, v] : list) {
      update_or_throw(map_fd(map), k, v, bpf_map__name(map));
      keys.push_back(k);
    }
    if (!initial) delete_absent<Key>(map_fd(map), keys);
  };
  sync(skeleton_->maps.sl_ifports, entries.ifports);
  sync(skeleton_->maps.sl_own, entries.own);
  sync(skeleton_->maps.sl_nexthops, entries.nexthops);
  sync(skeleton_->maps.sl_neighbors, entries.neighbors);
  sync(skeleton_->maps.sl_services, entries.services);
  for (const auto& [k, v] : entries.templates) update_or_throw(map_fd(skeleton_->maps.sl_templates), k, v, "sl_templates");
  for (const auto& [k, v] : entries.backends) update_or_throw(map_fd(skeleton_->maps.sl_backends), k, v, "sl_backends");
  write_maglev(entries.maglev);
}

// A backend going down or a weight change rebuilds a whole 65 537-entry table, of which a part
// changes: only the entries that differ from what was written are sent, in one batch per
// table. One syscall per entry kept the control thread (console, probes) busy for about a
// second per health transition in the lab.
void XdpDatapath::write_maglev(const std::vector<MaglevTable>& tables) {
  const int fd = map_fd(skeleton_->maps.sl_maglev);
  std::vector<std::uint32_t> keys;
  std::vector<std::uint16_t> values;
  for (const MaglevTable& table : tables) {
    std::vector<std::uint16_t>& written = written_maglev_[table.slot];
    keys.clear();
    values.clear();
    for (std::uint32_t i = 0; i < table.entries.size(); ++i) {
      if (i < written.size() && written[i] == table.entries[i]) continue;
      keys.push_back(table.slot * SL_XDP_MAGLEV_SIZE + i);
      values.push_back(table.entries[i]);
    }
    std::uint32_t count = static_cast<std::uint32_t>(keys.size());
    if (count > 0 && bpf_map_update_batch(fd, keys.data(), values.data(), &count, nullptr) != 0) {
      for (std::size_t i = 0; i < keys.size(); ++i) update_or_throw(fd, keys[i], values[i], "sl_maglev");
    }
    written = table.entries;
  }
}

void XdpDatapath::update(std::shared_ptr<const pipeline::Tables> tables) {
  if (skeleton_ == nullptr) throw XdpError("the XDP datapath is not running");
  if (!tables) throw XdpError("no tables");
  fill(*tables, false);
  tables_ = std::move(tables);
}

void XdpDatapath::stop() noexcept {
  for (const int link : links_) close(link);  // closing the last link fd detaches
  links_.clear();
  if (skeleton_ != nullptr) sluice_xdp__destroy(skeleton_);
  skeleton_ = nullptr;
}

std::vector<pipeline::WorkerCounters> XdpDatapath::snapshot_counters() const {
  std::vector<pipeline::WorkerCounters> result;
  if (skeleton_ == nullptr) return result;
  std::vector<sl_xdp_counters> per_cpu(possible_cpus_);
  const std::uint32_t zero = 0;
  if (bpf_map_lookup_elem(map_fd(skeleton_->maps.sl_counters), &zero, per_cpu.data()) != 0) return result;
  for (const sl_xdp_counters& c : per_cpu) {
    pipeline::WorkerCounters w;
    w.rx_packets = c.rx_packets;
    w.rx_bytes = c.rx_bytes;
    w.tx_packets = c.tx_packets;
    w.tx_bytes = c.tx_bytes;
    w.dropped = c.dropped;
    w.flows_created = c.flows_created;
    w.pp_inserted = c.pp_inserted;
    w.pp_resent = c.pp_resent;
    w.snat_exhausted = c.snat_exhausted;
    w.arp_replies = c.arp_replies;
    w.nd_replies = c.nd_replies;
    w.host_rx = c.host_rx;
    w.icmp_echo_replies = c.icmp_echo_replies;
    w.icmp_errors_sent = c.icmp_errors_sent;
    w.embryonic_reclaimed = c.embryonic_reclaimed;
    // The SYN proxy's counters, once pipeline::WorkerCounters has them (show stats, /metrics).
    [](auto& to, const sl_xdp_counters& from) {  // generic: the fields may not exist yet
      if constexpr (requires { to.syn_cookies_sent; }) {
        to.syn_cookies_sent = from.syn_cookies_sent;
        to.syn_cookies_validated = from.syn_cookies_validated;
        to.syn_cookies_failed = from.syn_cookies_failed;
        to.syn_proxy_data_stripped = from.syn_proxy_data_stripped;
      }
    }(w, c);
    if (embryonic_per_cpu_ && result.size() < possible_cpus_) {
      w.embryonic_active = embryonic_per_cpu_[result.size()].load(std::memory_order_relaxed);
    }
    for (std::size_t i = 0; i < w.parse_drops.size() && i < SL_XDP_PARSE_DROPS; ++i) w.parse_drops[i] = c.parse_drops[i];
    for (std::size_t i = 0; i < w.pipeline_drops.size() && i < SL_XDP_PIPELINE_DROPS; ++i) w.pipeline_drops[i] = c.pipeline_drops[i];
    for (std::size_t i = 0; i < w.insertion_drops.size() && i < SL_XDP_INSERTION_DROPS; ++i) w.insertion_drops[i] = c.insertion_drops[i];
    result.push_back(w);
  }
  // flows_active is a property of the shared table: reported once, on CPU 0, with what the
  // header timer (another thread, not a CPU of the program) sent.
  if (!result.empty()) {
    pipeline::WorkerCounters& first = result[0];
    first.flows_active = flow_count();
    const TimerCounters& t = timer_counters_;
    first.pp_resent += t.pp_resent.load(std::memory_order_relaxed);
    first.pp_given_up += t.pp_given_up.load(std::memory_order_relaxed);
    first.tx_packets += t.tx_packets.load(std::memory_order_relaxed);
    first.tx_bytes += t.tx_bytes.load(std::memory_order_relaxed);
    const std::uint64_t no_neighbor = t.no_neighbor.load(std::memory_order_relaxed);
    const std::uint64_t no_route = t.no_route.load(std::memory_order_relaxed);
    const std::uint64_t no_buffer = t.no_buffer.load(std::memory_order_relaxed);
    first.dropped += no_neighbor + no_route + no_buffer;
    first.pipeline_drops[static_cast<std::size_t>(pipeline::PipelineDrop::kNoNeighbor)] += no_neighbor;
    first.pipeline_drops[static_cast<std::size_t>(pipeline::PipelineDrop::kNoRoute)] += no_route;
    first.pipeline_drops[static_cast<std::size_t>(pipeline::PipelineDrop::kNoBuffer)] += no_buffer;
  }
  return result;
}

namespace {
net::Endpoint endpoint(std::uint8_t family, const std::uint8_t* address, std::uint16_t port_be) {
  const net::IpAddress ip = net::IpAddress::from_bytes(family == SL_FAMILY_V4 ? net::Family::kIpv4 : net::Family::kIpv6, address);
  return net::Endpoint{ip, static_cast<std::uint16_t>((port_be >> 8) | (port_be << 8))};
}
}  // namespace

std::vector<FlowInfo> XdpDatapath::flows() const {
  std::vector<FlowInfo> result;
  if (skeleton_ == nullptr) return result;
  visit_entries<std::uint64_t, sl_xdp_flow>(map_fd(skeleton_->maps.sl_flows), [&](std::uint64_t id, const sl_xdp_flow& f) {
    FlowInfo info;
    info.id = id;
    info.protocol = f.protocol;
    info.client = endpoint(f.client_family, f.client, f.client_port);
    info.vip = endpoint(f.client_family, f.vip, f.vip_port);
    info.snat = endpoint(f.backend_family, f.snat, f.snat_port);
    info.backend = endpoint(f.backend_family, f.backend, f.backend_port);
    info.state = f.state;
    info.header_state = f.ins.header_state;
    info.header_length = f.ins.header_len;
    info.last_seen_ns = f.last_seen_ns;
    info.service = f.service;
    result.push_back(info);
  });
  return result;
}

std::size_t XdpDatapath::flow_count() const {
  std::size_t count = 0;
  if (skeleton_ != nullptr) {
    visit_entries<std::uint64_t, sl_xdp_flow>(map_fd(skeleton_->maps.sl_flows), [&](std::uint64_t, const sl_xdp_flow&) { ++count; });
  }
  return count;
}

std::size_t XdpDatapath::forget_flows_if(const std::function<bool(const sl_xdp_flow&)>& doomed,
                                         const std::function<void(std::uint64_t, const sl_xdp_flow&)>& kept) {
  if (skeleton_ == nullptr) return 0;
  // Collected first, forgotten after the walk: deleting entries mid-walk would disturb it.
  std::vector<std::pair<std::uint64_t, sl_xdp_flow>> chosen;
  visit_entries<std::uint64_t, sl_xdp_flow>(map_fd(skeleton_->maps.sl_flows), [&](std::uint64_t id, const sl_xdp_flow& f) {
    if (doomed(f)) {
      chosen.emplace_back(id, f);
    } else if (kept) {
      kept(id, f);
    }
  });
  for (const auto& [id, f] : chosen) forget(id, f);
  return chosen.size();
}

// Both conntrack keys, the header and the flow (the program creates them in the other order).
void XdpDatapath::forget(std::uint64_t id, const sl_xdp_flow& f) const {
  const int ct_fd = map_fd(skeleton_->maps.sl_ct);
  const int headers_fd = map_fd(skeleton_->maps.sl_headers);
  const int flows_fd = map_fd(skeleton_->maps.sl_flows);
  const int counts_fd = map_fd(skeleton_->maps.sl_backend_flows);
  // The program's keys, from the same helpers (xdp_maps.h).
  sl_xdp_ct_key key{};
  sl_flow_client_key(&f, &key);
  bpf_map_delete_elem(ct_fd, &key);
  sl_flow_backend_key(&f, &key);
  bpf_map_delete_elem(ct_fd, &key);
  bpf_map_delete_elem(headers_fd, &id);
  // As the program's sl_forget: whoever deletes the flow takes it off its backend's load.
  if (bpf_map_delete_elem(flows_fd, &id) == 0 && f.backend_slot < SL_XDP_MAX_BACKENDS) {
    const std::uint32_t slot_key = sl_backend_index(f.service, f.backend_slot);
    sl_xdp_backend_flows counts{};
    if (bpf_map_lookup_elem(counts_fd, &slot_key, &counts) == 0) {
      // Not atomic against the program's adds (a syscall cannot be): a flow created on this
      // backend during these two calls may be lost from `active` (least-conn, show backends).
      counts.active -= 1;
      bpf_map_update_elem(counts_fd, &slot_key, &counts, BPF_EXIST);
    }
  }
}

std::size_t XdpDatapath::expire_flows(std::uint64_t now_ns) {
  if (skeleton_ == nullptr) return 0;
  const pipeline::Limits& limits = tables_->limits();
  std::vector<std::uint64_t> embryonic(possible_cpus_, 0);
  const std::size_t expired = forget_flows_if([&](const sl_xdp_flow& f) {
    // The shared rules (tcp_rules.h, embryonic.h), as the program's expiry on lookup and the
    // C++ worker's.
    const std::uint64_t timeout = sl_flow_idle_timeout_ns(
        f.state, f.conntrack_flags, limits.tcp_syn_timeout_ns, limits.tcp_syn_pressure_timeout_ns,
        limits.tcp_established_timeout_ns, limits.tcp_closing_timeout_ns, limits.udp_timeout_ns);
    return sl_idle_expired(now_ns, sl_flow_idle_since(f.state, f.created_ns, f.last_seen_ns), timeout) != 0;
  }, [&](std::uint64_t id, const sl_xdp_flow& f) {
    // A flow kept: counted on the CPU that created it (its id's top 16 bits).
    const std::uint64_t cpu = id >> 48;
    if (f.protocol == IPPROTO_TCP && sl_is_embryonic(f.state) != 0 && cpu < embryonic.size()) ++embryonic[cpu];
  });
  publish_pressure(embryonic);
  return expired;
}

// The per-CPU pressure flags the program reads at flow creation (embryonic.h's rule over this
// sweep's counts), and the gauge.
void XdpDatapath::publish_pressure(const std::vector<std::uint64_t>& embryonic) {
  const std::uint32_t cap = tables_->limits().max_embryonic;
  std::vector<sl_xdp_pressure> pressure(possible_cpus_);
  for (std::size_t cpu = 0; cpu < possible_cpus_; ++cpu) {
    pressure[cpu].under_pressure = sl_embryonic_pressure(embryonic[cpu], cap) != 0 ? 1 : 0;
    pressure[cpu].embryonic = static_cast<std::uint32_t>(std::min<std::uint64_t>(embryonic[cpu], UINT32_MAX));
    if (embryonic_per_cpu_) embryonic_per_cpu_[cpu].store(embryonic[cpu], std::memory_order_relaxed);
  }
  const std::uint32_t zero = 0;
  bpf_map_update_elem(map_fd(skeleton_->maps.sl_pressure), &zero, pressure.data(), BPF_ANY);
}

// sl_embryonic holds one ring per CPU the program spreads flows over (sl_xdp_config.nr_cpus).
std::uint32_t XdpDatapath::embryonic_ring_entries(const pipeline::Tables& tables) const {
  const pipeline::Limits& limits = tables.limits();
  const std::uint64_t cpus = options_.nr_cpus != 0 ? options_.nr_cpus : possible_cpus_;
  const std::uint64_t entries = cpus * sl_embryonic_ring_size(limits.max_embryonic, limits.max_entries);
  return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(entries, 1, UINT32_MAX));
}

std::size_t XdpDatapath::flush() {
  if (skeleton_ == nullptr) return 0;
  delete_all<sl_xdp_ct_key>(map_fd(skeleton_->maps.sl_ct));
  const std::size_t flushed = delete_all<std::uint64_t>(map_fd(skeleton_->maps.sl_flows));
  delete_all<std::uint64_t>(map_fd(skeleton_->maps.sl_headers));
  delete_all<std::uint64_t>(map_fd(skeleton_->maps.sl_armed));
  // No flow left: no backend carries any (totals are history and stay).
  const int counts_fd = map_fd(skeleton_->maps.sl_backend_flows);
  for (std::uint32_t key = 0; key < SL_XDP_MAX_SERVICES * SL_XDP_MAX_BACKENDS; ++key) {
    sl_xdp_backend_flows counts{};
    if (bpf_map_lookup_elem(counts_fd, &key, &counts) == 0 && counts.active != 0) {
      counts.active = 0;
      bpf_map_update_elem(counts_fd, &key, &counts, BPF_EXIST);
    }
  }
  return flushed;
}

std::size_t XdpDatapath::flush_service(std::uint16_t service) {
  return forget_flows_if([service](const sl_xdp_flow& f) { return f.service == service; });
}

std::vector<std::uint64_t> XdpDatapath::backend_flow_totals(
    std::uint16_t service, const std::vector<std::uint32_t>& slots) const {
  std::vector<std::uint64_t> totals(slots.size(), 0);
  if (skeleton_ == nullptr || service >= SL_XDP_MAX_SERVICES) return totals;
  const int fd = map_fd(skeleton_->maps.sl_backend_flows);
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (slots[i] >= SL_XDP_MAX_BACKENDS) continue;
    const std::uint32_t key = sl_backend_index(service, slots[i]);
    sl_xdp_backend_flows counts{};
    if (bpf_map_lookup_elem(fd, &key, &counts) == 0) totals[i] = counts.total;
  }
  return totals;
}

std::vector<NeighborInfo> XdpDatapath::neighbors() const {
  std::vector<NeighborInfo> result;
  if (skeleton_ == nullptr) return result;
  for (const bool is_static : {true, false}) {
    visit_entries<sl_xdp_addr_key, sl_xdp_neighbor>(
        map_fd(is_static ? skeleton_->maps.sl_neighbors : skeleton_->maps.sl_learned),
        [&](const sl_xdp_addr_key& key, const sl_xdp_neighbor& n) {
          NeighborInfo info;
          info.address = net::IpAddress::from_bytes(
              key.family == SL_FAMILY_V4 ? net::Family::kIpv4 : net::Family::kIpv6, key.addr);
          std::array<std::uint8_t, 6> mac{};
          std::memcpy(mac.data(), n.mac, mac.size());
          info.mac = net::MacAddress(mac);
          info.port = n.port;
          info.is_static = is_static;
          info.learned_ns = is_static ? 0 : n.learned_ns;
          result.push_back(info);
        });
  }
  return result;
}

void XdpDatapath::set_test_clock(std::uint64_t now_ns) {
  options_.test_now_ns = now_ns;
  sl_xdp_config config{};
  const std::uint32_t zero = 0;
  if (bpf_map_lookup_elem(map_fd(skeleton_->maps.sl_config), &zero, &config) != 0) throw XdpError("cannot read sl_config");
  config.test_now_ns = now_ns;
  update_or_throw(map_fd(skeleton_->maps.sl_config), zero, config, "sl_config");
}

sl_xdp_last_verdict XdpDatapath::last_verdict(unsigned cpu) const {
  std::vector<sl_xdp_last_verdict> per_cpu(possible_cpus_);
  const std::uint32_t zero = 0;
  if (skeleton_ == nullptr || cpu >= possible_cpus_ ||
      bpf_map_lookup_elem(map_fd(skeleton_->maps.sl_verdict), &zero, per_cpu.data()) != 0) {
    throw XdpError("cannot read sl_verdict");
  }
  return per_cpu[cpu];
}

void XdpDatapath::reset_state() {
  flush();
  for (std::atomic<std::uint64_t>* counter :
       {&timer_counters_.pp_resent, &timer_counters_.pp_given_up, &timer_counters_.tx_packets,
        &timer_counters_.tx_bytes, &timer_counters_.no_neighbor, &timer_counters_.no_route,
        &timer_counters_.no_buffer}) {
    counter->store(0, std::memory_order_relaxed);
  }
  const std::uint32_t zero = 0;
  std::vector<sl_xdp_counters> counters(possible_cpus_);
  if (bpf_map_update_elem(map_fd(skeleton_->maps.sl_counters), &zero, counters.data(), BPF_ANY) != 0) {
    throw XdpError("cannot reset sl_counters");
  }
  std::vector<sl_xdp_cpu_state> cpu(possible_cpus_, sl_xdp_cpu_state{0, 0, 0});
  if (bpf_map_update_elem(map_fd(skeleton_->maps.sl_cpu), &zero, cpu.data(), BPF_ANY) != 0) throw XdpError("cannot reset sl_cpu");
  // Flow ids start again from 1: a ring entry left from before would name the new flow 1.
  const int ring_fd = map_fd(skeleton_->maps.sl_embryonic);
  const std::uint32_t ring_entries = bpf_map__max_entries(skeleton_->maps.sl_embryonic);
  const std::uint64_t empty = 0;
  for (std::uint32_t key = 0; key < ring_entries; ++key) bpf_map_update_elem(ring_fd, &key, &empty, BPF_ANY);
  std::vector<sl_xdp_pressure> pressure(possible_cpus_, sl_xdp_pressure{0, 0});
  bpf_map_update_elem(map_fd(skeleton_->maps.sl_pressure), &zero, pressure.data(), BPF_ANY);
  const std::uint32_t no_cookie = 0;
  bpf_map_update_elem(map_fd(skeleton_->maps.sl_sp_recent), &zero, &no_cookie, BPF_ANY);
  std::vector<std::uint64_t> cursors(possible_cpus_, 0);  // per-CPU values are 8-byte slots
  for (std::uint32_t service = 0; service < SL_XDP_MAX_SERVICES; ++service) {
    bpf_map_update_elem(map_fd(skeleton_->maps.sl_rr), &service, cursors.data(), BPF_ANY);
  }
}

}  // namespace sluice::xdp
