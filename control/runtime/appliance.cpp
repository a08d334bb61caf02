#include "control/runtime/appliance.hpp"

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
#include "control/runtime/dpdk_settings.hpp"
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

class ControlThread {
 public:
  ControlThread(dpdk::DpdkDatapath& datapath, std::shared_ptr<const config::Config> config,
                const config::LoadOptions& load_options)
      : datapath_(datapath),
        config_(std::move(config)),
        load_options_(load_options),
        stop_signals_(io_, SIGINT, SIGTERM),
        reload_signals_(io_, SIGHUP),
        stats_timer_(io_),
        console_model_(datapath, config_) {}

  void run() {
    start_console();
    wait_for_stop();
    wait_for_reload();
    schedule_stats();
    io_.run();
  }

 private:
  void wait_for_stop() {
    stop_signals_.async_wait([this](const boost::system::error_code& error, int signal) {
      if (error) return;
      spdlog::info("signal {}: stopping", signal == SIGINT ? "SIGINT" : "SIGTERM");
      if (console_) console_->stop();
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

  void wait_for_reload() {
    reload_signals_.async_wait([this](const boost::system::error_code& error, int) {
      if (error) return;
      reload();
      wait_for_reload();
    });
  }

  // SIGHUP: validate the file again. Applying it to running workers is the console/reload
  // issue's job; this says so rather than pretend.
  void reload() {
    const std::string& path = config_->source_path;
    spdlog::info("SIGHUP: re-reading {}", path);
    const config::LoadResult result = config::load_config(path, load_options_);
    if (!result) {
      for (const config::Diagnostic& diagnostic : result.diagnostics()) {
        spdlog::error("{}", diagnostic.to_string());
      }
      spdlog::warn("{}: invalid, keeping the running configuration", path);
      return;
    }
    spdlog::warn("{}: valid, but live apply is not implemented yet: the running configuration "
                 "is unchanged (restart to apply)",
                 path);
  }

  void schedule_stats() {
    stats_timer_.expires_after(kStatsPeriod);
    stats_timer_.async_wait([this](const boost::system::error_code& error) {
      if (error) return;
      if (spdlog::should_log(spdlog::level::debug)) {
        spdlog::debug("stats: {}", summary_line(datapath_.snapshot_stats()));
      }
      schedule_stats();
    });
  }

  dpdk::DpdkDatapath& datapath_;
  std::shared_ptr<const config::Config> config_;
  config::LoadOptions load_options_;
  boost::asio::io_context io_;
  boost::asio::signal_set stop_signals_;
  boost::asio::signal_set reload_signals_;
  boost::asio::steady_timer stats_timer_;
  console::DatapathConsoleModel console_model_;
  std::unique_ptr<console::ConsoleServer> console_;  // destroyed before io_: declared after it
};

}  // namespace

int run_dpdk_appliance(std::shared_ptr<const config::Config> config,
                       const config::LoadOptions& load_options) {
  std::unique_ptr<dpdk::DpdkDatapath> datapath;
  try {
    datapath = std::make_unique<dpdk::DpdkDatapath>(dpdk_settings(*config));
    auto tables = datapath::tables_from_config(*config, datapath->port_macs());
    datapath->start(std::move(tables), random_instance_id());
  } catch (const std::exception& error) {
    spdlog::error("cannot start the DPDK datapath: {}", error.what());
    return 1;  // the datapath's destructor stops what started and cleans EAL up
  }
  spdlog::info("sluice running: {} worker(s), {} interface(s), {} service(s)",
               config->dpdk.workers, config->interfaces.size(), config->services.size());
  try {
    ControlThread control(*datapath, config, load_options);
    control.run();
  } catch (const std::exception& error) {
    spdlog::error("control thread failed: {}", error.what());
    datapath->stop();
    return 1;
  }
  datapath->stop();
  const dpdk::StatsSnapshot final_stats = datapath->snapshot_stats();
  spdlog::info("stopped: {}", summary_line(final_stats));
  if (const std::string drops = drop_reasons_line(final_stats); !drops.empty()) {
    spdlog::info("drops by reason: {}", drops);
  }
  datapath.reset();
  return 0;
}

}  // namespace sluice::runtime
