#include "control/datapath/tables_from_config.hpp"

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
    const config::Config& config, std::span<const net::MacAddress> port_macs) {
  if (port_macs.size() != config.interfaces.size()) {
    throw std::invalid_argument("one MAC address per configured interface is required");
  }
  std::vector<pipeline::Port> ports;
  for (std::size_t i = 0; i < config.interfaces.size(); ++i) {
    const config::Interface& iface = config.interfaces[i];
    ports.push_back(pipeline::Port{iface.name, port_macs[i], iface.mtu, iface.addresses});
  }

  std::vector<pipeline::Service> services;
  for (const config::Service& service : config.services) {
    std::vector<sched::BackendSpec> specs;
    for (const config::Backend& backend : service.backends) {
      specs.push_back(sched::BackendSpec{backend.endpoint(), backend.weight, true, true});
    }
    pipeline::Service out;
    out.name = service.name;
    out.vip = service.vip_endpoint();
    out.protocol =
        service.protocol == config::Protocol::kTcp ? pipeline::kProtoTcp : pipeline::kProtoUdp;
    out.backends = std::make_shared<const sched::BackendSet>(scheduler_kind(service.scheduler), specs);
    out.snat_v4 = service.snat.v4;
    out.snat_v6 = service.snat.v6;
    if (service.proxy_protocol) {
      out.proxy = proxy_plan_from_config(*service.proxy_protocol, service.protocol);
    }
    services.push_back(std::move(out));
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

  return std::make_shared<const pipeline::Tables>(std::move(ports), std::move(services),
                                                  std::move(neighbors), std::move(routes), limits);
}

}  // namespace sluice::datapath
