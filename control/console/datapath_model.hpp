#pragma once
// The console's view of a running `sluice run` (dpdk mode): counters from
// DpdkDatapath::snapshot_stats(), services and backends from the running configuration.
//
// What this slice cannot know yet (docs/console.md): there are no health checks, so every
// backend is "up"; the datapath does not count flows per service or per backend, so those
// counts are reported as unknown (nullopt), not as 0.
#include <memory>

#include "control/config/config.hpp"
#include "control/console/model.hpp"
#include "dataplane/dpdk/datapath.hpp"

namespace sluice::console {

class DatapathConsoleModel final : public ConsoleModel {
 public:
  DatapathConsoleModel(const dpdk::DpdkDatapath& datapath,
                       std::shared_ptr<const config::Config> config) noexcept
      : datapath_(datapath), config_(std::move(config)) {}

  VersionView version() const override;
  std::vector<InterfaceView> interfaces() const override;
  std::vector<ServiceView> services() const override;
  std::optional<std::vector<BackendView>> backends(std::string_view service) const override;
  StatsView stats() const override;
  void set_log_level(spdlog::level::level_enum level) override;

 private:
  const dpdk::DpdkDatapath& datapath_;
  std::shared_ptr<const config::Config> config_;
};

}  // namespace sluice::console
