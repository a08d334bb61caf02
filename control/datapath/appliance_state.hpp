#pragma once
// The running appliance as the control thread sees it: the configuration in force, the
// console and health-check state of every backend, and the datapath they are applied to.
// Every change (console command, health transition, reload) rebuilds the tables from these
// and hands them to the datapath: one path for all of them (docs/reload.md).
//
// Control thread only; nothing here is shared with workers except the immutable tables.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/config/config.hpp"
#include "control/config/load.hpp"
#include "control/datapath/backend_states.hpp"
#include "control/datapath/datapath.hpp"

namespace sluice::datapath {

struct ChangeOutcome {
  std::string error;                // non-empty: nothing changed, this says why
  std::vector<std::string> changes; // what was applied, one line each (for logs and console)
};

class ApplianceState {
 public:
  // `datapath` already runs tables built from `config` and `port_macs`.
  ApplianceState(std::shared_ptr<const config::Config> config,
                 std::vector<net::MacAddress> port_macs, config::LoadOptions load_options,
                 Datapath& datapath);

  const config::Config& config() const noexcept { return *config_; }
  std::shared_ptr<const config::Config> config_ptr() const noexcept { return config_; }
  const BackendStates& backend_states() const noexcept { return states_; }
  Datapath& datapath() noexcept { return datapath_; }
  const Datapath& datapath() const noexcept { return datapath_; }

  // `backend enable|disable`, `backend weight`: SERVICE by name, BACKEND as "addr:port".
  ChangeOutcome set_backend_enabled(std::string_view service, std::string_view backend,
                                    bool enabled);
  ChangeOutcome set_backend_weight(std::string_view service, std::string_view backend,
                                   std::uint32_t weight);
  // A health-check transition. Unknown service/backend (a reload removed it): ignored.
  void set_backend_health(std::string_view service, const net::Endpoint& backend, bool up);

  // Re-reads config().source_path, validates it and applies the difference. A file with
  // errors, or one that changes what needs a restart (interfaces, conntrack sizing), changes
  // nothing. Listeners (health checks) are told after a successful apply.
  ChangeOutcome reload();
  void on_reload(std::function<void(const config::Config&)> listener) {
    reload_listeners_.push_back(std::move(listener));
  }

 private:
  struct Target {
    const config::Service* service = nullptr;
    const config::Backend* backend = nullptr;
  };
  // Finds SERVICE and BACKEND or says what is wrong.
  std::optional<Target> find(std::string_view service, std::string_view backend,
                             std::string& error) const;
  void apply(const config::Config& config);

  std::shared_ptr<const config::Config> config_;
  std::vector<net::MacAddress> port_macs_;
  config::LoadOptions load_options_;
  Datapath& datapath_;
  BackendStates states_;
  std::vector<std::function<void(const config::Config&)>> reload_listeners_;
};

}  // namespace sluice::datapath
