#include "control/datapath/appliance_state.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "control/cli/logging.hpp"
#include "control/config/enum_names.hpp"
#include "control/datapath/tables_from_config.hpp"

namespace sluice::datapath {
namespace {

bool same_backends(const config::Service& a, const config::Service& b) {
  if (a.backends.size() != b.backends.size()) return false;
  for (std::size_t i = 0; i < a.backends.size(); ++i) {
    if (a.backends[i].endpoint() != b.backends[i].endpoint() ||
        a.backends[i].weight != b.backends[i].weight) {
      return false;
    }
  }
  return true;
}

// One line per service that a reload adds, removes or changes (for the log and the console).
std::vector<std::string> describe_difference(const config::Config& before,
                                             const config::Config& after,
                                             const pipeline::Tables& old_tables,
                                             const pipeline::Tables& new_tables) {
  std::vector<std::string> lines;
  for (const config::Service& service : after.services) {
    const config::Service* old = before.find_service(service.name);
    if (old == nullptr) {
      lines.push_back(fmt::format("service {}: added", service.name));
      continue;
    }
    const auto old_id = live_service_id(old_tables, service.name);
    const auto new_id = live_service_id(new_tables, service.name);
    if (old_id != new_id) {
      lines.push_back(fmt::format(
          "service {}: replaced (VIP, SNAT or PROXY settings changed): live flows finish with "
          "the old settings, new flows get the new ones",
          service.name));
    } else if (!same_backends(*old, service) || old->scheduler != service.scheduler ||
               old->health.has_value() != service.health.has_value()) {
      lines.push_back(fmt::format("service {}: backends or scheduling changed", service.name));
    }
    if (old_id == new_id && old->syn_proxy != service.syn_proxy) {
      lines.push_back(fmt::format("service {}: syn_proxy now \"{}\"", service.name,
                                  config::to_string(service.syn_proxy)));
    }
  }
  for (const config::Service& service : before.services) {
    if (after.find_service(service.name) == nullptr) {
      lines.push_back(fmt::format("service {}: removed (its live flows finish)", service.name));
    }
  }
  if (before.routes.size() != after.routes.size()) lines.push_back("routes changed");
  if (before.appliance.log_level != after.appliance.log_level) {
    lines.push_back("log level changed");
  }
  return lines;
}

}  // namespace

ApplianceState::ApplianceState(std::shared_ptr<const config::Config> config,
                               std::vector<net::MacAddress> port_macs,
                               config::LoadOptions load_options, Datapath& datapath)
    : config_(std::move(config)),
      port_macs_(std::move(port_macs)),
      load_options_(load_options),
      datapath_(datapath) {}

std::optional<ApplianceState::Target> ApplianceState::find(std::string_view service,
                                                           std::string_view backend,
                                                           std::string& error) const {
  const config::Service* configured = config_->find_service(service);
  if (configured == nullptr) {
    error = fmt::format("no service named '{}'", service);
    return std::nullopt;
  }
  const auto endpoint = net::Endpoint::parse(backend);
  if (!endpoint) {
    error = fmt::format("'{}' is not ADDR:PORT (IPv6 as [addr]:port)", backend);
    return std::nullopt;
  }
  const auto it = std::find_if(configured->backends.begin(), configured->backends.end(),
                               [&](const config::Backend& b) { return b.endpoint() == *endpoint; });
  if (it == configured->backends.end()) {
    error = fmt::format("service {} has no backend {}", service, endpoint->to_string());
    return std::nullopt;
  }
  return Target{configured, &*it};
}

void ApplianceState::apply(const config::Config& config) {
  const auto current = datapath_.tables();
  datapath_.apply_tables(tables_from_config(config, port_macs_, current.get(), &states_));
}

ChangeOutcome ApplianceState::set_backend_enabled(std::string_view service,
                                                  std::string_view backend, bool enabled) {
  ChangeOutcome outcome;
  const auto target = find(service, backend, outcome.error);
  if (!target) return outcome;
  BackendRuntime& runtime = states_.at(target->service->name, target->backend->endpoint());
  const std::string name = fmt::format("{} {}", target->service->name,
                                       target->backend->endpoint().to_string());
  if (runtime.admin_enabled == enabled) {
    outcome.changes.push_back(fmt::format("backend {} already {}", name,
                                          enabled ? "enabled" : "disabled"));
    return outcome;
  }
  runtime.admin_enabled = enabled;
  apply(*config_);
  outcome.changes.push_back(fmt::format(
      "backend {} {}{}", name, enabled ? "enabled" : "disabled",
      enabled ? "" : ": no new flows, existing flows continue"));
  spdlog::info("console: {}", outcome.changes.back());
  return outcome;
}

ChangeOutcome ApplianceState::set_backend_weight(std::string_view service,
                                                 std::string_view backend, std::uint32_t weight) {
  ChangeOutcome outcome;
  const auto target = find(service, backend, outcome.error);
  if (!target) return outcome;
  BackendRuntime& runtime = states_.at(target->service->name, target->backend->endpoint());
  runtime.weight = weight;
  apply(*config_);
  outcome.changes.push_back(fmt::format("backend {} {} weight {}{}", target->service->name,
                                        target->backend->endpoint().to_string(), weight,
                                        weight == 0 ? " (draining: no new flows)" : ""));
  spdlog::info("console: {}", outcome.changes.back());
  return outcome;
}

void ApplianceState::set_backend_health(std::string_view service, const net::Endpoint& backend,
                                        bool up) {
  const config::Service* configured = config_->find_service(service);
  if (configured == nullptr) return;
  const bool known = std::any_of(configured->backends.begin(), configured->backends.end(),
                                 [&](const config::Backend& b) { return b.endpoint() == backend; });
  if (!known) return;
  BackendRuntime& runtime = states_.at(service, backend);
  if (runtime.health_up == up) return;
  runtime.health_up = up;
  apply(*config_);
}

ChangeOutcome ApplianceState::reload() {
  ChangeOutcome outcome;
  const std::string& path = config_->source_path;
  const config::LoadResult result = config::load_config(path, load_options_);
  if (!result) {
    std::string text = fmt::format("{}: invalid, nothing changed:", path);
    for (const config::Diagnostic& diagnostic : result.diagnostics()) {
      text += "\n  " + diagnostic.to_string();
    }
    outcome.error = std::move(text);
    return outcome;
  }
  const std::shared_ptr<const config::Config>& next = result.config();
  // Ports and the conntrack pool are sized once at start (docs/reload.md).
  if (next->interfaces != config_->interfaces) {
    outcome.error = fmt::format("{}: [[interfaces]] changed; that needs a restart, nothing "
                                "changed", path);
    return outcome;
  }
  if (next->conntrack != config_->conntrack) {
    outcome.error = fmt::format("{}: [conntrack] changed; that needs a restart, nothing changed",
                                path);
    return outcome;
  }
  std::shared_ptr<const pipeline::Tables> tables;
  const auto current = datapath_.tables();
  try {
    // Console weights and disables of backends that stay are kept; the file's weights win
    // for backends whose configured weight changed (the operator edited them on purpose).
    states_.retain([&](const std::string& service, const net::Endpoint& endpoint) {
      const config::Service* now = next->find_service(service);
      if (now == nullptr) return false;
      return std::any_of(now->backends.begin(), now->backends.end(),
                         [&](const config::Backend& b) { return b.endpoint() == endpoint; });
    });
    for (const config::Service& service : next->services) {
      const config::Service* old = config_->find_service(service.name);
      if (old == nullptr) continue;
      for (const config::Backend& backend : service.backends) {
        const auto before = std::find_if(old->backends.begin(), old->backends.end(),
                                         [&](const config::Backend& b) {
                                           return b.endpoint() == backend.endpoint();
                                         });
        if (before != old->backends.end() && before->weight != backend.weight) {
          states_.at(service.name, backend.endpoint()).weight.reset();
        }
      }
    }
    // A service without health checks has every backend up (spec config.md).
    for (const config::Service& service : next->services) {
      if (service.health) continue;
      for (const config::Backend& backend : service.backends) {
        states_.at(service.name, backend.endpoint()).health_up = true;
      }
    }
    tables = tables_from_config(*next, port_macs_, current.get(), &states_);
  } catch (const std::exception& error) {
    outcome.error = fmt::format("{}: {}; nothing changed", path, error.what());
    return outcome;
  }
  outcome.changes = describe_difference(*config_, *next, *current, *tables);
  datapath_.apply_tables(std::move(tables));
  if (next->appliance.log_level != config_->appliance.log_level) {
    // Unless `--log-level` pinned it (cli/logging.hpp).
    if (auto level = cli::parse_log_level(config::to_string(next->appliance.log_level))) {
      cli::apply_config_log_level(*level);
    }
  }
  for (const auto* section : {"console", "metrics", "dpdk", "xdp"}) {
    const bool changed =
        (std::string_view(section) == "console" &&
         (next->console.listen != config_->console.listen ||
          next->console.password != config_->console.password)) ||
        (std::string_view(section) == "metrics" && next->metrics.listen != config_->metrics.listen) ||
        (std::string_view(section) == "dpdk" &&
         (next->dpdk.workers != config_->dpdk.workers || next->dpdk.eal_args != config_->dpdk.eal_args ||
          next->dpdk.burst != config_->dpdk.burst ||
          next->dpdk.idle_sleep_us != config_->dpdk.idle_sleep_us)) ||
        (std::string_view(section) == "xdp" && next->xdp.attach != config_->xdp.attach);
    if (changed) {
      outcome.changes.push_back(fmt::format("[{}] changed: not applied until restart", section));
    }
  }
  config_ = next;
  if (outcome.changes.empty()) outcome.changes.push_back("no change");
  for (const auto& listener : reload_listeners_) listener(*config_);
  return outcome;
}

}  // namespace sluice::datapath
