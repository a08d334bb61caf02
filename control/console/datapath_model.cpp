#include "control/console/datapath_model.hpp"

#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "control/config/enum_names.hpp"
#include "dataplane/version.hpp"

namespace sluice::console {
namespace {

// No health checks yet: a configured backend is always up (spec: "state (up/down/disabled)").
constexpr std::string_view kBackendState = "up";

std::string proxy_name(const std::optional<config::ProxyProtocol>& proxy) {
  if (!proxy) return "none";
  return proxy->version == config::ProxyVersion::kV1 ? "v1" : "v2";
}

}  // namespace

VersionView DatapathConsoleModel::version() const {
  return {std::string(sluice::version()), std::string(sluice::build_description()),
          std::string(config::to_string(config_->appliance.mode))};
}

std::vector<InterfaceView> DatapathConsoleModel::interfaces() const {
  const dpdk::StatsSnapshot snapshot = datapath_.snapshot_stats();
  std::vector<InterfaceView> views;
  for (const dpdk::PortStats& port : snapshot.ports) {
    InterfaceView view;
    view.name = port.interface;
    view.mac = port.mac.to_string();
    if (const config::Interface* configured = config_->find_interface(port.interface)) {
      for (const net::Prefix& prefix : configured->addresses) {
        view.addresses.push_back(prefix.to_string());
      }
    }
    view.link_up = port.link_up;
    view.rx_packets = port.rx_packets;
    view.rx_bytes = port.rx_bytes;
    view.tx_packets = port.tx_packets;
    view.tx_bytes = port.tx_bytes;
    view.drops = port.rx_missed + port.rx_errors + port.tx_errors + port.rx_no_mbuf;
    views.push_back(std::move(view));
  }
  return views;
}

std::vector<ServiceView> DatapathConsoleModel::services() const {
  std::vector<ServiceView> views;
  for (const config::Service& service : config_->services) {
    ServiceView view;
    view.name = service.name;
    view.vip = service.vip_endpoint().to_string();
    view.protocol = std::string(config::to_string(service.protocol));
    view.scheduler = std::string(config::to_string(service.scheduler));
    view.proxy_protocol = proxy_name(service.proxy_protocol);
    view.backends_total = static_cast<std::uint32_t>(service.backends.size());
    view.backends_up = view.backends_total;  // every backend is up (kBackendState)
    views.push_back(std::move(view));
  }
  return views;
}

std::optional<std::vector<BackendView>> DatapathConsoleModel::backends(
    std::string_view service) const {
  const config::Service* configured = config_->find_service(service);
  if (configured == nullptr) return std::nullopt;
  std::vector<BackendView> views;
  for (const config::Backend& backend : configured->backends) {
    BackendView view;
    view.address = backend.endpoint().to_string();
    view.weight = backend.weight;
    view.state = std::string(kBackendState);
    views.push_back(std::move(view));
  }
  return views;
}

StatsView DatapathConsoleModel::stats() const {
  const dpdk::StatsSnapshot snapshot = datapath_.snapshot_stats();
  StatsView view;
  view.total = snapshot.total();
  for (const dpdk::WorkerStats& worker : snapshot.workers) view.workers.push_back(worker.pipeline);
  return view;
}

void DatapathConsoleModel::set_log_level(spdlog::level::level_enum level) {
  spdlog::set_level(level);
  spdlog::info("console: log level set to {}", spdlog::level::to_string_view(level));
}

}  // namespace sluice::console
