#pragma once
// The console's view of a running `sluice run`, whichever datapath runs: counters and
// listings from the datapath (datapath/datapath.hpp), services and backends from the running
// configuration and the backends' console and health state (datapath/appliance_state.hpp).
// Commands that change state go through ApplianceState, like health transitions and reloads.
#include "control/console/model.hpp"
#include "control/datapath/appliance_state.hpp"

namespace sluice::console {

class DatapathConsoleModel final : public ConsoleModel {
 public:
  explicit DatapathConsoleModel(datapath::ApplianceState& state) noexcept : state_(state) {}

  VersionView version() const override;
  std::vector<InterfaceView> interfaces() const override;
  std::vector<ServiceView> services() const override;
  std::optional<std::vector<BackendView>> backends(std::string_view service) const override;
  StatsView stats() const override;
  void set_log_level(spdlog::level::level_enum level) override;

  std::optional<std::vector<FlowView>> conntrack(std::optional<std::string_view> service,
                                                 std::size_t limit) override;
  std::vector<NeighborView> neighbors() override;
  std::vector<RouteView> routes() const override;
  ChangeResult set_backend_enabled(std::string_view service, std::string_view backend,
                                   bool enabled) override;
  ChangeResult set_backend_weight(std::string_view service, std::string_view backend,
                                  std::uint32_t weight) override;
  ChangeResult flush_conntrack(std::optional<std::string_view> service) override;
  ChangeResult reload() override;

 private:
  datapath::ApplianceState& state_;
};

// "up", "down" or "disabled" (spec cli-console.md, `show backends`): a disabled backend reads
// "disabled" whatever its health.
std::string_view backend_state_name(const datapath::BackendRuntime& runtime) noexcept;

}  // namespace sluice::console
