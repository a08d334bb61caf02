#include "control/datapath/tables_from_config.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace sluice::datapath {

namespace {

// The UNIQUE_ID value the pipeline writes: an 8-byte instance id and an 8-byte flow serial
// (docs/pipeline.md, "Deterministic choices").
constexpr std::uint32_t kUniqueIdLength = 16;

void check(std::int32_t rc, const char* what) {
  if (rc < 0) throw std::invalid_argument(std::string("PROXY template: ") + what + " (" +
                                          std::to_string(rc) + ")");
}

pipeline::SynProxyMode syn_proxy_mode(config::SynProxy mode) {
  switch (mode) {
    case config::SynProxy::kOn: return pipeline::SynProxyMode::kOn;
    case config::SynProxy::kOff: return pipeline::SynProxyMode::kOff;
    case config::SynProxy::kAuto: break;
  }
  return pipeline::SynProxyMode::kAuto;
}

sched::SchedulerKind scheduler_kind(config::Scheduler scheduler) {
  switch (scheduler) {
    case config::Scheduler::kRoundRobin: return sched::SchedulerKind::kRoundRobin;
    case config::Scheduler::kWeightedRoundRobin: return sched::SchedulerKind::kWeightedRoundRobin;
    case config::Scheduler::kMaglev: return sched::SchedulerKind::kMaglev;
    case config::Scheduler::kSourceHash: return sched::SchedulerKind::kSourceHash;
    case config::Scheduler::kLeastConn: return sched::SchedulerKind::kLeastConnections;
  }
  return sched::SchedulerKind::kRoundRobin;
}

// Whether a live flow of `before` could carry on under `after`: everything the flow's rewrites
// and header depend on is the same (backends and scheduling may differ).
bool same_flow_shape(const pipeline::Service& before, const pipeline::Service& after) {
  if (before.name != after.name || before.vip != after.vip || before.protocol != after.protocol ||
      before.snat_v4 != after.snat_v4 || before.snat_v6 != after.snat_v6 ||
      before.proxy.has_value() != after.proxy.has_value()) {
    return false;
  }
  if (!before.proxy) return true;
  const pipeline::ProxyPlan& a = *before.proxy;
  const pipeline::ProxyPlan& b = *after.proxy;
  return a.tcp_mode == b.tcp_mode && a.udp_every_datagram == b.udp_every_datagram &&
         a.unique_id == b.unique_id &&
         std::memcmp(&a.header_template, &b.header_template, sizeof a.header_template) == 0;
}

constexpr std::uint64_t seconds_to_ns(std::uint32_t seconds) {
  return std::uint64_t{seconds} * 1'000'000'000ULL;
}

}  // namespace

pipeline::ProxyPlan proxy_plan_from_config(const config::ProxyProtocol& proxy,
                                           config::Protocol protocol) {
  pipeline::ProxyPlan plan;
  const std::uint32_t transport =
      protocol == config::Protocol::kTcp ? PP2_TRANSPORT_STREAM : PP2_TRANSPORT_DGRAM;
  check(pp2_template_init(&plan.header_template, static_cast<std::uint32_t>(proxy.version),
                          PP2_CMD_PROXY, transport),
        "init");
  // Stable TLV order (docs/pipeline.md): AUTHORITY, NOOP, custom in config order; the codec
  // appends UNIQUE_ID and then CRC32C last (spec proxy-protocol.md, "Header contents").
  if (proxy.has_tlv(config::ProxyTlv::kAuthority)) {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(proxy.authority.data());
    check(pp2_template_add_tlv(&plan.header_template, PP2_TYPE_AUTHORITY, bytes,
                               static_cast<std::uint32_t>(proxy.authority.size())),
          "authority");
  }
  if (proxy.has_tlv(config::ProxyTlv::kNoop)) {
    check(pp2_template_add_tlv(&plan.header_template, PP2_TYPE_NOOP, nullptr, 0), "noop");
  }
  for (const config::ProxyCustomTlv& custom : proxy.custom) {
    check(pp2_template_add_tlv(&plan.header_template, custom.type, custom.value.data(),
                               static_cast<std::uint32_t>(custom.value.size())),
          "custom TLV");
  }
  if (proxy.has_tlv(config::ProxyTlv::kUniqueId)) {
    check(pp2_template_set_unique_id(&plan.header_template, kUniqueIdLength), "unique id");
    plan.unique_id = true;
  }
  if (proxy.has_tlv(config::ProxyTlv::kCrc32c)) {
    check(pp2_template_set_crc32c(&plan.header_template), "crc32c");
  }
  check(pp2_template_validate(&plan.header_template), "validate");
  plan.tcp_mode = proxy.send == config::ProxySend::kWithData ? insertion::InsertionMode::kWithData
                                                             : insertion::InsertionMode::kOnConnect;
  plan.udp_every_datagram = proxy.udp == config::ProxyUdp::kEveryDatagram;
  return plan;
}

std::shared_ptr<const pipeline::Tables> tables_from_config(
    const config::Config& config, std::span<const net::MacAddress> port_macs,
    const pipeline::Tables* previous, const BackendStates* states) {
  if (port_macs.size() != config.interfaces.size()) {
    throw std::invalid_argument("one MAC address per configured interface is required");
  }
  std::vector<pipeline::Port> ports;
  for (std::size_t i = 0; i < config.interfaces.size(); ++i) {
    const config::Interface& iface = config.interfaces[i];
    ports.push_back(pipeline::Port{iface.name, port_macs[i], iface.mtu, iface.addresses});
  }

  // Previous services first, all retired until a configured service claims its id back.
  std::vector<pipeline::Service> services;
  if (previous != nullptr) {
    services = previous->services();
    for (pipeline::Service& service : services) service.retired = true;
  }
  const std::size_t previous_count = services.size();
  for (const config::Service& service : config.services) {
    std::vector<sched::BackendSpec> specs;
    for (const config::Backend& backend : service.backends) {
      const BackendRuntime runtime =
          states != nullptr ? states->get(service.name, backend.endpoint()) : BackendRuntime{};
      specs.push_back(sched::BackendSpec{backend.endpoint(), runtime.weight.value_or(backend.weight),
                                         runtime.admin_enabled, runtime.health_up});
    }
    pipeline::Service out;
    out.name = service.name;
    out.vip = service.vip_endpoint();
    out.protocol =
        service.protocol == config::Protocol::kTcp ? pipeline::kProtoTcp : pipeline::kProtoUdp;
    out.snat_v4 = service.snat.v4;
    out.snat_v6 = service.snat.v6;
    out.syn_proxy = syn_proxy_mode(service.syn_proxy);
    if (service.proxy_protocol) {
      out.proxy = proxy_plan_from_config(*service.proxy_protocol, service.protocol);
    }
    // The previous live service of the same name, if its flows can follow this one.
    std::optional<std::size_t> kept;
    for (std::size_t id = 0; id < previous_count; ++id) {
      const pipeline::Service& before = previous->service(static_cast<pipeline::ServiceId>(id));
      if (!before.retired && before.name == service.name && same_flow_shape(before, out)) {
        kept = id;
        break;
      }
    }
    const sched::BackendSet* previous_set = kept ? services[*kept].backends.get() : nullptr;
    out.backends = std::make_shared<const sched::BackendSet>(scheduler_kind(service.scheduler),
                                                             specs, previous_set);
    if (kept) {
      services[*kept] = std::move(out);
    } else {
      if (services.size() >= pipeline::kMaxServiceIds) {
        throw std::length_error("no service id left (too many services changed by reloads): "
                                "restart sluice to apply this configuration");
      }
      services.push_back(std::move(out));
    }
  }

  std::vector<pipeline::StaticNeighbor> neighbors;
  for (const config::Neighbor& neighbor : config.neighbors) {
    for (std::size_t i = 0; i < config.interfaces.size(); ++i) {
      if (config.interfaces[i].name == neighbor.interface) {
        neighbors.push_back({neighbor.address, neighbor.mac, static_cast<pipeline::PortId>(i)});
      }
    }
  }

  std::vector<pipeline::Route> routes;
  for (const config::Route& route : config.routes) routes.push_back({route.prefix, route.via});

  pipeline::Limits limits;
  const config::Conntrack& ct = config.conntrack;
  limits.max_entries = ct.max_entries;
  limits.tcp_syn_timeout_ns = seconds_to_ns(ct.timeouts.tcp_syn_s);
  limits.tcp_established_timeout_ns = seconds_to_ns(ct.timeouts.tcp_established_s);
  limits.tcp_closing_timeout_ns = seconds_to_ns(ct.timeouts.tcp_closing_s);
  limits.udp_timeout_ns = seconds_to_ns(ct.timeouts.udp_s);
  limits.tcp_syn_pressure_timeout_ns = seconds_to_ns(ct.timeouts.tcp_syn_pressure_s);
  limits.max_embryonic = ct.max_embryonic;
  limits.snat_port_first = ct.snat_port_first;
  limits.snat_port_last = ct.snat_port_last;

  return std::make_shared<const pipeline::Tables>(std::move(ports), std::move(services),
                                                  std::move(neighbors), std::move(routes), limits);
}

sl_syn_cookie_key syn_cookie_key_from_config(const config::Config& config) {
  if (const auto& secret = config.conntrack.syn_cookie_secret) return sl_syn_cookie_key{(*secret)[0], (*secret)[1]};
  std::uint64_t words[2] = {0, 0};
  std::size_t filled = 0;
  auto* bytes = reinterpret_cast<std::uint8_t*>(words);
  while (filled < sizeof words) {
    const ssize_t got = getrandom(bytes + filled, sizeof words - filled, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) throw std::runtime_error(std::string("getrandom: ") + std::strerror(errno));
    filled += static_cast<std::size_t>(got);
  }
  return sl_syn_cookie_key{words[0], words[1]};
}

std::optional<pipeline::ServiceId> live_service_id(const pipeline::Tables& tables,
                                                   std::string_view name) noexcept {
  const auto& services = tables.services();
  for (std::size_t id = 0; id < services.size(); ++id) {
    if (!services[id].retired && services[id].name == name) {
      return static_cast<pipeline::ServiceId>(id);
    }
  }
  return std::nullopt;
}

}  // namespace sluice::datapath
