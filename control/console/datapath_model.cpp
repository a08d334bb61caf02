#include "control/console/datapath_model.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "control/config/enum_names.hpp"
#include "control/datapath/tables_from_config.hpp"
#include "dataplane/version.hpp"

namespace sluice::console {
namespace {

std::string proxy_name(const std::optional<config::ProxyProtocol>& proxy) {
  if (!proxy) return "none";
  return proxy->version == config::ProxyVersion::kV1 ? "v1" : "v2";
}

ChangeResult to_result(const datapath::ChangeOutcome& outcome) {
  ChangeResult result;
  result.error = outcome.error;
  for (const std::string& line : outcome.changes) result.message += line + "\n";
  return result;
}

double seconds(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }

}  // namespace

std::string_view backend_state_name(const datapath::BackendRuntime& runtime) noexcept {
  if (!runtime.admin_enabled) return "disabled";
  return runtime.health_up ? "up" : "down";
}

VersionView DatapathConsoleModel::version() const {
  return {std::string(sluice::version()), std::string(sluice::build_description()),
          std::string(state_.datapath().mode())};
}

std::vector<InterfaceView> DatapathConsoleModel::interfaces() const {
  const datapath::DatapathStats stats = state_.datapath().stats();
  std::vector<InterfaceView> views;
  for (const datapath::InterfaceStats& port : stats.interfaces) {
    InterfaceView view;
    view.name = port.name;
    view.mac = port.mac.to_string();
    if (const config::Interface* configured = state_.config().find_interface(port.name)) {
      for (const net::Prefix& prefix : configured->addresses) {
        view.addresses.push_back(prefix.to_string());
      }
    }
    view.link_up = port.link_up;
    view.rx_packets = port.rx_packets;
    view.rx_bytes = port.rx_bytes;
    view.tx_packets = port.tx_packets;
    view.tx_bytes = port.tx_bytes;
    view.drops = port.drops;
    views.push_back(std::move(view));
  }
  return views;
}

std::vector<ServiceView> DatapathConsoleModel::services() const {
  const auto tables = state_.datapath().tables();
  const pipeline::FlowCounts counts = state_.datapath().flow_counts();
  std::vector<ServiceView> views;
  for (const config::Service& service : state_.config().services) {
    ServiceView view;
    view.name = service.name;
    view.vip = service.vip_endpoint().to_string();
    view.protocol = std::string(config::to_string(service.protocol));
    view.scheduler = std::string(config::to_string(service.scheduler));
    view.proxy_protocol = proxy_name(service.proxy_protocol);
    view.backends_total = static_cast<std::uint32_t>(service.backends.size());
    for (const config::Backend& backend : service.backends) {
      const auto runtime = state_.backend_states().get(service.name, backend.endpoint());
      if (backend_state_name(runtime) == "up") ++view.backends_up;
    }
    const auto id = datapath::live_service_id(*tables, service.name);
    view.active = id && *id < counts.size() ? counts[*id].active : 0;
    views.push_back(std::move(view));
  }
  return views;
}

std::optional<std::vector<BackendView>> DatapathConsoleModel::backends(
    std::string_view service) const {
  const config::Service* configured = state_.config().find_service(service);
  if (configured == nullptr) return std::nullopt;
  const auto tables = state_.datapath().tables();
  const pipeline::FlowCounts counts = state_.datapath().flow_counts();
  const auto id = datapath::live_service_id(*tables, configured->name);
  std::vector<BackendView> views;
  for (std::size_t index = 0; index < configured->backends.size(); ++index) {
    const config::Backend& backend = configured->backends[index];
    const auto runtime = state_.backend_states().get(configured->name, backend.endpoint());
    BackendView view;
    view.address = backend.endpoint().to_string();
    view.weight = static_cast<std::uint16_t>(runtime.weight.value_or(backend.weight));
    view.state = std::string(backend_state_name(runtime));
    // The tables list a service's backends in configuration order (tables_from_config).
    if (id && *id < counts.size() && index < counts[*id].backends.size()) {
      view.active = counts[*id].backends[index].active;
      if (counts[*id].totals_known) view.total = counts[*id].backends[index].total;
    } else {
      view.active = 0;
      view.total = 0;
    }
    views.push_back(std::move(view));
  }
  return views;
}

StatsView DatapathConsoleModel::stats() const {
  const datapath::DatapathStats stats = state_.datapath().stats();
  StatsView view;
  view.total = stats.total();
  view.workers = stats.workers;
  return view;
}

void DatapathConsoleModel::set_log_level(spdlog::level::level_enum level) {
  spdlog::set_level(level);
  spdlog::info("console: log level set to {}", spdlog::level::to_string_view(level));
}

std::optional<std::vector<FlowView>> DatapathConsoleModel::conntrack(
    std::optional<std::string_view> service, std::size_t limit) {
  const auto tables = state_.datapath().tables();
  std::optional<pipeline::ServiceId> id;
  if (service) {
    id = datapath::live_service_id(*tables, *service);
    if (!id) return std::nullopt;
  }
  std::vector<FlowView> views;
  for (const pipeline::FlowRecord& record : state_.datapath().list_flows(id, limit)) {
    FlowView view;
    view.proto = record.protocol == pipeline::kProtoTcp ? "tcp" : "udp";
    view.client = record.client.to_string();
    view.vip = record.vip.to_string();
    view.local = record.local.to_string();
    view.backend = record.backend.to_string();
    view.state = std::string(pipeline::tcp_state_name(record.state));
    view.pp = std::string(pipeline::header_progress_name(record.header));
    view.service = record.service < tables->services().size()
                       ? tables->services()[record.service].name
                       : std::string("?");
    view.age_s = seconds(record.age_ns);
    views.push_back(std::move(view));
  }
  return views;
}

std::vector<NeighborView> DatapathConsoleModel::neighbors() {
  const auto& interfaces = state_.config().interfaces;
  std::vector<NeighborView> views;
  for (const pipeline::NeighborRecord& record : state_.datapath().neighbors()) {
    NeighborView view;
    view.address = record.address.to_string();
    view.mac = record.mac.to_string();
    view.interface = record.port < interfaces.size() ? interfaces[record.port].name : "-";
    view.kind = record.is_static ? "static" : "dynamic";
    view.age_s = seconds(record.age_ns);
    views.push_back(std::move(view));
  }
  return views;
}

std::vector<RouteView> DatapathConsoleModel::routes() const {
  const config::Config& config = state_.config();
  const auto tables = state_.datapath().tables();
  std::vector<RouteView> views;
  for (const config::Interface& interface : config.interfaces) {
    for (const net::Prefix& address : interface.addresses) {
      views.push_back({address.network().to_string(), "", interface.name, "connected"});
    }
  }
  for (const config::Route& route : config.routes) {
    RouteView view{route.prefix.to_string(), route.via.to_string(), "", "static"};
    if (const auto hop = tables->next_hop(route.via); hop && hop->port < config.interfaces.size()) {
      view.interface = config.interfaces[hop->port].name;
    }
    views.push_back(std::move(view));
  }
  return views;
}

ChangeResult DatapathConsoleModel::set_backend_enabled(std::string_view service,
                                                       std::string_view backend, bool enabled) {
  return to_result(state_.set_backend_enabled(service, backend, enabled));
}

ChangeResult DatapathConsoleModel::set_backend_weight(std::string_view service,
                                                      std::string_view backend,
                                                      std::uint32_t weight) {
  return to_result(state_.set_backend_weight(service, backend, weight));
}

ChangeResult DatapathConsoleModel::flush_conntrack(std::optional<std::string_view> service) {
  std::optional<pipeline::ServiceId> id;
  if (service) {
    id = datapath::live_service_id(*state_.datapath().tables(), *service);
    if (!id) return {fmt::format("no service named '{}'", *service), ""};
  }
  const std::optional<std::uint64_t> flushed = state_.datapath().flush_flows(id);
  if (!flushed) {
    return {fmt::format("the {} datapath can only flush every flow: use 'conntrack flush'",
                        state_.datapath().mode()),
            ""};
  }
  spdlog::info("console: conntrack flush {}: {} flow(s) dropped", service ? *service : "(all)",
               *flushed);
  return {"", fmt::format("flushed {} flow(s)", *flushed)};
}

ChangeResult DatapathConsoleModel::reload() {
  const datapath::ChangeOutcome outcome = state_.reload();
  if (!outcome.error.empty()) {
    spdlog::warn("console: reload refused: {}", outcome.error);
    return to_result(outcome);
  }
  ChangeResult result = to_result(outcome);
  result.message = fmt::format("reloaded {}\n", state_.config().source_path) + result.message;
  spdlog::info("console: {}", result.message);
  return result;
}

}  // namespace sluice::console
