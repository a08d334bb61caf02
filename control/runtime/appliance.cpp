#include "control/runtime/appliance.hpp"

#include <algorithm>
#include <csignal>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "control/console/datapath_model.hpp"
#include "control/console/server.hpp"
#include "control/datapath/tables_from_config.hpp"
#include "control/health/health_checker.hpp"
#include "control/metrics/render.hpp"
#include "control/metrics/render_health.hpp"
#include "control/metrics/server.hpp"
#include "control/runtime/dpdk_control.hpp"
#include "control/runtime/dpdk_settings.hpp"
#include "control/runtime/host_tap.hpp"
#include "control/runtime/kernel_standoff.hpp"
#include "control/runtime/sd_notify.hpp"
#include "control/runtime/stats_summary.hpp"
#include "dataplane/dpdk/datapath.hpp"
#include "dataplane/dpdk/dpdk_error.hpp"

namespace sluice::runtime {
namespace {

constexpr std::chrono::seconds kStatsPeriod{1};

// The first half of every UNIQUE_ID TLV (docs/pipeline.md): random per run.
std::uint64_t random_instance_id() {
  std::random_device device;
  return (std::uint64_t{device()} << 32) | device();
}

// The Asio control thread over any datapath (datapath/datapath.hpp): signals, console,
// reload, periodic stats. Mode-specific start-up happens before, in run_*_appliance.
class ControlThread {
 public:
  // `make_host_path`: the mode's way for the host's own connections (host_path.hpp).
  ControlThread(datapath::Datapath& datapath, std::shared_ptr<const config::Config> config,
                std::vector<net::MacAddress> port_macs, const config::LoadOptions& load_options,
                HostPathFactory make_host_path)
      : datapath_(datapath),
        make_host_path_(std::move(make_host_path)),
        config_(config),
        stop_signals_(io_, SIGINT, SIGTERM),
        reload_signals_(io_, SIGHUP),
        stats_timer_(io_),
        state_(std::move(config), std::move(port_macs), load_options, datapath),
        console_model_(state_),
        health_(io_, [this](const std::string& service, const net::Endpoint& backend, bool up,
                            const std::string&) {
          state_.set_backend_health(service, backend, up);
        }) {}

  void run() {
    start_host_path();
    start_health_checks();
    start_console();
    start_metrics();
    wait_for_stop();
    wait_for_reload();
    schedule_stats();
    // The datapath forwards (serve() is called once it started) and the listeners are bound:
    // what Type=notify waits for before `systemctl start` returns (docs/packaging.md).
    notifier_.ready(ready_status());
    io_.run();
  }

 private:
  void wait_for_stop() {
    stop_signals_.async_wait([this](const boost::system::error_code& error, int signal) {
      if (error) return;
      spdlog::info("signal {}: stopping", signal == SIGINT ? "SIGINT" : "SIGTERM");
      notifier_.stopping();
      if (console_) console_->stop();
      if (metrics_) metrics_->stop();
      health_.stop();
      if (host_path_) host_path_->stop();
      io_.stop();
    });
  }

  // [console] listen (spec config.md): "" disables it. A listener that cannot bind is a
  // start-up failure (exit 1), like a datapath that cannot start: the operator asked for it.
  void start_console() {
    if (!config_->console.listen) {
      spdlog::info("console: disabled ([console] listen is empty)");
      return;
    }
    try {
      console_ = std::make_unique<console::ConsoleServer>(
          io_, console::ConsoleSettings{*config_->console.listen, config_->console.password},
          console_model_);
    } catch (const boost::system::system_error& error) {
      throw std::runtime_error(fmt::format("console: cannot listen on {}: {}",
                                           config_->console.listen->to_string(),
                                           error.code().message()));
    }
    console_->start();
  }

  // The host path (host_path.hpp): dpdk mode's TUN device through the workers, xdp mode's
  // addresses on the kernel's own interfaces. Without health checks it is a convenience, and
  // a failure to set it up is only logged; with them it is required.
  void start_host_path() {
    if (!make_host_path_) return;
    const bool needed = std::any_of(config_->services.begin(), config_->services.end(),
                                    [](const config::Service& s) { return s.health.has_value(); });
    try {
      host_path_ = make_host_path_(io_, *config_);
    } catch (const std::exception& error) {
      if (needed) throw;
      spdlog::warn("{} (no health checks are configured: continuing without a host path)",
                   error.what());
      return;
    }
    host_path_->start();
    state_.on_reload([this](const config::Config& config) { host_path_->sync_routes(config); });
  }

  // Health checks (docs/health.md): plain sockets on this thread. With a host path they leave
  // from the service's SNAT address and the pipeline's host port range, which both datapaths
  // hand back up to the kernel when no flow has it.
  std::vector<health::Target> health_targets(const config::Config& config) const {
    std::vector<health::Target> targets = health::targets_from_config(config);
    if (!host_path_) return targets;
    const pipeline::Limits& limits = datapath_.tables()->limits();
    for (health::Target& target : targets) {
      const config::Service* service = config.find_service(target.service);
      if (service != nullptr) {
        target.source = target.backend.address.is_v4() ? service->snat.v4 : service->snat.v6;
      }
      target.source_ports = health::PortRange{limits.host_port_first, limits.host_port_last};
    }
    return targets;
  }

  void start_health_checks() {
    health_.set_targets(health_targets(*config_));
    state_.on_reload([this](const config::Config& config) {
      health_.set_targets(health_targets(config));
    });
  }

  // [metrics] listen (spec config.md): Prometheus text format at GET /metrics.
  void start_metrics() {
    if (!config_->metrics.listen) return;
    try {
      metrics_ = std::make_unique<metrics::MetricsServer>(
          io_, metrics::MetricsSettings{*config_->metrics.listen}, [this] {
            return metrics::render_metrics(console_model_) +
                   metrics::render_health_metrics(health_.status());
          });
    } catch (const boost::system::system_error& error) {
      throw std::runtime_error(fmt::format("metrics: cannot listen on {}: {}",
                                           config_->metrics.listen->to_string(),
                                           error.code().message()));
    }
    metrics_->start();
  }

  void wait_for_reload() {
    reload_signals_.async_wait([this](const boost::system::error_code& error, int) {
      if (error) return;
      reload();
      wait_for_reload();
    });
  }

  // SIGHUP: the same reload as the console's `reload` (docs/reload.md).
  // Under systemd, RELOADING=1 before and READY=1 after, refused or not: `systemctl reload`
  // then returns once the file was read, and the service stays active on a bad file.
  void reload() {
    spdlog::info("SIGHUP: re-reading {}", state_.config().source_path);
    notifier_.reloading();
    const datapath::ChangeOutcome outcome = state_.reload();
    if (!outcome.error.empty()) {
      spdlog::error("reload refused: {}", outcome.error);
    } else {
      for (const std::string& change : outcome.changes) spdlog::info("reload: {}", change);
    }
    notifier_.ready(ready_status());
  }

  // systemctl status' line: what runs and where an operator can look.
  std::string ready_status() const {
    std::string status = fmt::format("serving {} service(s)", state_.config().services.size());
    if (console_) status += fmt::format(", console {}", console_->local_endpoint().to_string());
    if (metrics_) status += fmt::format(", metrics {}", metrics_->local_endpoint().to_string());
    return status;
  }

  void schedule_stats() {
    stats_timer_.expires_after(kStatsPeriod);
    stats_timer_.async_wait([this](const boost::system::error_code& error) {
      if (error) return;
      datapath_.tick();
      if (spdlog::should_log(spdlog::level::debug)) {
        spdlog::debug("stats: {}", summary_line(datapath_.stats()));
      }
      schedule_stats();
    });
  }

  datapath::Datapath& datapath_;
  HostPathFactory make_host_path_;
  std::shared_ptr<const config::Config> config_;  // as started: listeners are not reloaded
  ServiceNotifier notifier_ = ServiceNotifier::from_environment();
  boost::asio::io_context io_;
  boost::asio::signal_set stop_signals_;
  boost::asio::signal_set reload_signals_;
  boost::asio::steady_timer stats_timer_;
  datapath::ApplianceState state_;
  console::DatapathConsoleModel console_model_;
  health::HealthChecker health_;
  std::unique_ptr<HostPath> host_path_;               // destroyed before io_: declared after it
  std::unique_ptr<metrics::MetricsServer> metrics_;
  std::unique_ptr<console::ConsoleServer> console_;  // destroyed before io_: declared after it
};

}  // namespace

int serve(datapath::Datapath& datapath, std::shared_ptr<const config::Config> config,
          std::vector<net::MacAddress> port_macs, const config::LoadOptions& load_options,
          HostPathFactory make_host_path) {
  ControlThread control(datapath, std::move(config), std::move(port_macs), load_options,
                        std::move(make_host_path));
  control.run();
  return 0;
}

// The kernel stand-off for the ports the kernel sees too (kernel_standoff.hpp). Made before
// EAL opens the ports, so the PMD never reads a coalesced frame and the kernel never answers
// one; destroyed after the datapath, so it is in place until the last frame.
std::unique_ptr<KernelStandoff> make_standoff(const config::Config& config) {
  std::vector<standoff::KernelPort> ports = standoff::kernel_visible_ports(config);
  if (ports.empty()) return nullptr;
  if (!config.dpdk.kernel_standoff) {
    for (const standoff::KernelPort& port : ports) {
      spdlog::warn("[dpdk] kernel_standoff = false: the kernel processes {}'s frames too "
                   "(interface {}); keep it off them yourself (docs/dpdk.md)",
                   port.device, port.interface);
    }
    return nullptr;
  }
  return std::make_unique<KernelStandoff>(std::move(ports), standoff::dpdk_stance());
}

int run_dpdk_appliance(std::shared_ptr<const config::Config> config,
                       const config::LoadOptions& load_options) {
  std::unique_ptr<KernelStandoff> standoff;  // declared first: outlives the datapath
  try {
    standoff = make_standoff(*config);
  } catch (const std::exception& error) {
    spdlog::error("cannot start the DPDK datapath: {}", error.what());
    return 1;
  }
  std::unique_ptr<dpdk::DpdkDatapath> datapath;
  try {
    datapath = std::make_unique<dpdk::DpdkDatapath>(dpdk_settings(*config));
    auto tables = datapath::tables_from_config(*config, datapath->port_macs());
    datapath->start(std::move(tables), random_instance_id(), datapath::syn_cookie_key_from_config(*config));
  } catch (const std::exception& error) {
    spdlog::error("cannot start the DPDK datapath: {}", error.what());
    return 1;  // the datapath's destructor stops what started and cleans EAL up
  }
  spdlog::info("sluice running: {} worker(s), {} interface(s), {} service(s)",
               config->dpdk.workers, config->interfaces.size(), config->services.size());
  try {
    DpdkControl control_handle(*datapath);
    dpdk::DpdkDatapath& shell = *datapath;
    serve(control_handle, config, datapath->port_macs(), load_options,
          [&shell](boost::asio::io_context& io, const config::Config& running) {
            return std::make_unique<HostTap>(io, shell, running);
          });
  } catch (const std::exception& error) {
    spdlog::error("control thread failed: {}", error.what());
    datapath->stop();
    return 1;
  }
  datapath->stop();
  const dpdk::StatsSnapshot final_stats = datapath->snapshot_stats();
  spdlog::info("stopped: {}", summary_line(final_stats));
  if (const std::string drops = drop_reasons_line(final_stats.total()); !drops.empty()) {
    spdlog::info("drops by reason: {}", drops);
  }
  datapath.reset();
  return 0;
}

}  // namespace sluice::runtime
