#include "control/runtime/xdp_appliance.hpp"

#include <csignal>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <random>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "control/datapath/tables_from_config.hpp"
#include "dataplane/xdp/xdp_datapath.hpp"

namespace sluice::runtime {
namespace {

constexpr std::chrono::seconds kSweepPeriod{1};

std::uint64_t random_instance_id() {
  std::random_device device;
  return (std::uint64_t{device()} << 32) | device();
}

// The clock bpf_ktime_get_ns() reads: CLOCK_MONOTONIC.
std::uint64_t monotonic_ns() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(now.tv_nsec);
}

xdp::DatapathSettings xdp_settings(const config::Config& config) {
  xdp::DatapathSettings settings;
  settings.mode = config.xdp.attach == config::XdpAttach::kGeneric ? xdp::AttachMode::kGeneric
                                                                    : xdp::AttachMode::kNative;
  for (const config::Interface& iface : config.interfaces) {
    settings.interfaces.push_back({iface.name, iface.kernel.empty() ? iface.name : iface.kernel});
  }
  return settings;
}

class XdpControlThread {
 public:
  XdpControlThread(xdp::XdpDatapath& datapath, std::shared_ptr<const config::Config> config,
                   const config::LoadOptions& load_options)
      : datapath_(datapath),
        config_(std::move(config)),
        load_options_(load_options),
        stop_signals_(io_, SIGINT, SIGTERM),
        reload_signals_(io_, SIGHUP),
        sweep_timer_(io_) {}

  void run() {
    stop_signals_.async_wait([this](const boost::system::error_code& error, int signal) {
      if (error) return;
      spdlog::info("signal {}: stopping", signal == SIGINT ? "SIGINT" : "SIGTERM");
      io_.stop();
    });
    wait_for_reload();
    schedule_sweep();
    io_.run();
  }

 private:
  void wait_for_reload() {
    reload_signals_.async_wait([this](const boost::system::error_code& error, int) {
      if (error) return;
      reload();
      wait_for_reload();
    });
  }

  // SIGHUP: the file again; valid -> new maps, flows kept. Interfaces are fixed at start.
  void reload() {
    const std::string& path = config_->source_path;
    spdlog::info("SIGHUP: re-reading {}", path);
    const config::LoadResult result = config::load_config(path, load_options_);
    if (!result) {
      for (const config::Diagnostic& diagnostic : result.diagnostics()) spdlog::error("{}", diagnostic.to_string());
      spdlog::warn("{}: invalid, keeping the running configuration", path);
      return;
    }
    try {
      datapath_.update(datapath::tables_from_config(*result.config(), datapath_.port_macs()));
      config_ = result.config();
      spdlog::info("{}: applied ({} service(s)); established flows kept", path, config_->services.size());
    } catch (const std::exception& error) {
      spdlog::error("{}: cannot apply: {}; keeping the running configuration", path, error.what());
    }
  }

  void schedule_sweep() {
    sweep_timer_.expires_after(kSweepPeriod);
    sweep_timer_.async_wait([this](const boost::system::error_code& error) {
      if (error) return;
      const std::size_t expired = datapath_.expire_flows(monotonic_ns());
      if (expired > 0) spdlog::debug("conntrack: {} idle flow(s) expired", expired);
      schedule_sweep();
    });
  }

  xdp::XdpDatapath& datapath_;
  std::shared_ptr<const config::Config> config_;
  config::LoadOptions load_options_;
  boost::asio::io_context io_;
  boost::asio::signal_set stop_signals_;
  boost::asio::signal_set reload_signals_;
  boost::asio::steady_timer sweep_timer_;
};

}  // namespace

int run_xdp_appliance(std::shared_ptr<const config::Config> config, const config::LoadOptions& load_options) {
  std::unique_ptr<xdp::XdpDatapath> datapath;
  try {
    datapath = std::make_unique<xdp::XdpDatapath>(xdp_settings(*config));
    datapath->start(datapath::tables_from_config(*config, datapath->port_macs()), random_instance_id());
  } catch (const std::exception& error) {
    spdlog::error("cannot start the XDP datapath: {}", error.what());
    return 1;  // the destructor closes whatever was attached
  }
  spdlog::info("sluice running (xdp, {} attach): {} interface(s), {} service(s)",
               config->xdp.attach == config::XdpAttach::kGeneric ? "generic" : "native",
               config->interfaces.size(), config->services.size());
  try {
    XdpControlThread control(*datapath, config, load_options);
    control.run();
  } catch (const std::exception& error) {
    spdlog::error("control thread failed: {}", error.what());
    datapath->stop();
    return 1;
  }
  std::uint64_t rx = 0, tx = 0, dropped = 0, flows = 0;
  for (const auto& cpu : datapath->snapshot_counters()) {
    rx += cpu.rx_packets;
    tx += cpu.tx_packets;
    dropped += cpu.dropped;
    flows += cpu.flows_created;
  }
  datapath->stop();
  spdlog::info("stopped: rx {} tx {} dropped {} flows created {}", rx, tx, dropped, flows);
  return 0;
}

}  // namespace sluice::runtime
