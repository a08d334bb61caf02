// `sluice run --mode xdp`: the XDP datapath (dataplane/xdp, docs/xdp.md) under the same control
// thread as dpdk mode (appliance.cpp): console, health checks, metrics and reload are shared;
// this file only adapts XdpDatapath to datapath::Datapath.
#include "control/runtime/xdp_appliance.hpp"

#include <chrono>
#include <cstdint>
#include <ctime>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include <spdlog/spdlog.h>

#include "control/datapath/tables_from_config.hpp"
#include "control/runtime/appliance.hpp"
#include "control/runtime/kernel_addresses.hpp"
#include "control/runtime/kernel_standoff.hpp"
#include "control/runtime/stats_summary.hpp"
#include "dataplane/shared/xdp_maps.h"
#include "dataplane/xdp/header_timer_runner.hpp"
#include "dataplane/xdp/xdp_datapath.hpp"

namespace sluice::runtime {
namespace {

std::uint64_t random_instance_id() {
  std::random_device device;
  return (std::uint64_t{device()} << 32) | device();
}

// The clock bpf_ktime_get_ns() reads: CLOCK_MONOTONIC.
std::uint64_t monotonic_ns() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(now.tv_nsec);
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

// One number from /sys/class/net/DEV/statistics (the kernel owns the device in xdp mode).
std::uint64_t sysfs_counter(const std::string& device, const char* name) {
  std::ifstream file("/sys/class/net/" + device + "/statistics/" + name);
  std::uint64_t value = 0;
  file >> value;
  return value;
}

bool sysfs_link_up(const std::string& device) {
  std::ifstream file("/sys/class/net/" + device + "/operstate");
  std::string state;
  file >> state;
  return state == "up" || state == "unknown";
}

// The flow states and header states of xdp_maps.h are the pipeline's enums: one list each
// (tcp_rules.h, tcp_insertion.h), so a cast reads them.

class XdpControl final : public datapath::Datapath {
 public:
  XdpControl(xdp::XdpDatapath& datapath, const config::Config& config,
             std::shared_ptr<const pipeline::Tables> tables)
      : datapath_(datapath), tables_(std::move(tables)) {
    for (const config::Interface& iface : config.interfaces) {
      devices_.push_back({iface.name, iface.kernel.empty() ? iface.name : iface.kernel});
    }
  }

  std::string_view mode() const noexcept override { return "xdp"; }

  datapath::DatapathStats stats() const override {
    datapath::DatapathStats stats;
    stats.workers = datapath_.snapshot_counters();
    for (std::size_t i = 0; i < devices_.size(); ++i) {
      const std::string& device = devices_[i].second;
      stats.interfaces.push_back(
          {devices_[i].first, i < datapath_.port_macs().size() ? datapath_.port_macs()[i]
                                                               : net::MacAddress{},
           sysfs_link_up(device), sysfs_counter(device, "rx_packets"),
           sysfs_counter(device, "rx_bytes"), sysfs_counter(device, "tx_packets"),
           sysfs_counter(device, "tx_bytes"),
           sysfs_counter(device, "rx_dropped") + sysfs_counter(device, "rx_errors") +
               sysfs_counter(device, "tx_errors")});
    }
    return stats;
  }

  std::shared_ptr<const pipeline::Tables> tables() const override { return tables_; }

  void apply_tables(std::shared_ptr<const pipeline::Tables> tables) override {
    datapath_.update(tables);
    tables_ = std::move(tables);
  }

  std::vector<pipeline::FlowRecord> list_flows(std::optional<pipeline::ServiceId> service,
                                               std::size_t limit) override {
    std::vector<pipeline::FlowRecord> records;
    const std::uint64_t now = monotonic_ns();
    for (const xdp::FlowInfo& flow : datapath_.flows()) {
      if (records.size() >= limit) break;
      const auto id = service_of(flow);
      if (service && id != service) continue;
      pipeline::FlowRecord record;
      record.protocol = flow.protocol;
      record.client = flow.client;
      record.vip = flow.vip;
      record.local = flow.snat;
      record.backend = flow.backend;
      record.state = static_cast<pipeline::TcpState>(flow.state);
      record.header = static_cast<pipeline::HeaderProgress>(flow.header_state);
      // The map keeps the last packet's time, not the creation's: age since last seen.
      record.age_ns = flow.last_seen_ns <= now ? static_cast<std::int64_t>(now - flow.last_seen_ns)
                                               : 0;
      record.service = id.value_or(0);
      records.push_back(record);
    }
    return records;
  }

  std::optional<std::uint64_t> flush_flows(std::optional<pipeline::ServiceId> service) override {
    if (service) return datapath_.flush_service(*service);
    return datapath_.flush();
  }

  // Active flows counted from the flow map on each call; totals from the program's per-slot
  // creation counters (sl_backend_flows), slots being stable across reloads.
  pipeline::FlowCounts flow_counts() override {
    pipeline::FlowCounts counts(tables_->services().size());
    for (std::size_t id = 0; id < counts.size(); ++id) {
      const auto backends = tables_->services()[id].backends->backends();
      counts[id].backends.resize(backends.size());
      std::vector<std::uint32_t> slots;
      for (const auto& backend : backends) slots.push_back(backend.slot.value);
      const std::vector<std::uint64_t> totals =
          datapath_.backend_flow_totals(static_cast<std::uint16_t>(id), slots);
      for (std::size_t b = 0; b < backends.size(); ++b) counts[id].backends[b].total = totals[b];
    }
    for (const xdp::FlowInfo& flow : datapath_.flows()) {
      const auto id = service_of(flow);
      if (!id) continue;
      ++counts[*id].active;
      const auto backends = tables_->service(*id).backends->backends();
      for (std::size_t b = 0; b < backends.size(); ++b) {
        if (backends[b].endpoint == flow.backend) ++counts[*id].backends[b].active;
      }
    }
    return counts;
  }

  // Static [[neighbors]] and those the program learnt from ARP/NDP (its LRU map).
  std::vector<pipeline::NeighborRecord> neighbors() override {
    std::vector<pipeline::NeighborRecord> records;
    const std::uint64_t now = monotonic_ns();
    for (const xdp::NeighborInfo& neighbor : datapath_.neighbors()) {
      pipeline::NeighborRecord record;
      record.address = neighbor.address;
      record.mac = neighbor.mac;
      record.port = neighbor.port;
      record.is_static = neighbor.is_static;
      record.age_ns = neighbor.learned_ns != 0 && neighbor.learned_ns <= now
                          ? static_cast<std::int64_t>(now - neighbor.learned_ns)
                          : 0;
      records.push_back(record);
    }
    return records;
  }

  void tick() override {
    const std::size_t expired = datapath_.expire_flows(monotonic_ns());
    if (expired > 0) spdlog::debug("conntrack: {} idle flow(s) expired", expired);
  }

 private:
  // The id the flow was created under: service ids are stable across reloads, and a retired
  // service keeps its id while its flows live (docs/reload.md).
  std::optional<pipeline::ServiceId> service_of(const xdp::FlowInfo& flow) const {
    if (flow.service >= tables_->services().size()) return std::nullopt;
    return static_cast<pipeline::ServiceId>(flow.service);
  }

  xdp::XdpDatapath& datapath_;
  std::shared_ptr<const pipeline::Tables> tables_;
  std::vector<std::pair<std::string, std::string>> devices_;  // config name, kernel device
};

}  // namespace

int run_xdp_appliance(std::shared_ptr<const config::Config> config,
                      const config::LoadOptions& load_options) {
  // Before the program is attached, destroyed after it is detached (kernel_standoff.hpp).
  std::unique_ptr<KernelStandoff> standoff;
  if (config->xdp.kernel_standoff) {
    try {
      standoff = std::make_unique<KernelStandoff>(standoff::xdp_ports(*config),
                                                  standoff::xdp_stance());
    } catch (const std::exception& error) {
      spdlog::error("cannot start the XDP datapath: {}", error.what());
      return 1;
    }
  } else {
    spdlog::warn("[xdp] kernel_standoff = false: the kernel may answer ARP, keep link-local "
                 "addresses and coalesce frames on the XDP devices (docs/xdp.md)");
  }
  std::unique_ptr<xdp::XdpDatapath> datapath;
  std::shared_ptr<const pipeline::Tables> tables;
  try {
    datapath = std::make_unique<xdp::XdpDatapath>(xdp_settings(*config));
    tables = datapath::tables_from_config(*config, datapath->port_macs());
    xdp::LoadOptions options;
    // `[conntrack] syn_cookie_secret` (docs/syn-proxy.md), once the configuration carries it
    // (generic: the field may not exist yet); without it the datapath picks a random key.
    [&options](const auto& conntrack) {
      if constexpr (requires { conntrack.syn_cookie_secret; }) {
        if (const auto& secret = conntrack.syn_cookie_secret) options.syn_cookie_key = sl_syn_cookie_key{(*secret)[0], (*secret)[1]};
      }
    }(config->conntrack);
    datapath->start(tables, random_instance_id(), options);
  } catch (const std::exception& error) {
    spdlog::error("cannot start the XDP datapath: {}", error.what());
    return 1;  // the destructor closes whatever was attached
  }
  spdlog::info("sluice running (xdp, {} attach): {} interface(s), {} service(s)",
               config->xdp.attach == config::XdpAttach::kGeneric ? "generic" : "native",
               config->interfaces.size(), config->services.size());
  int status = 0;
  try {
    // The header's resend timer: its own 50 ms thread (the control thread ticks once a
    // second), stopped before the datapath (docs/xdp.md, "Header timer").
    const xdp::HeaderTimerRunner header_timer(*datapath);
    XdpControl control(*datapath, *config, tables);
    status = serve(control, config, datapath->port_macs(), load_options,
                   [](boost::asio::io_context&, const config::Config& running) {
                     return std::make_unique<KernelAddresses>(running);
                   });
  } catch (const std::exception& error) {
    spdlog::error("control thread failed: {}", error.what());
    status = 1;
  }
  pipeline::WorkerCounters total;
  for (const auto& cpu : datapath->snapshot_counters()) total += cpu;
  datapath->stop();
  spdlog::info("stopped: rx {} tx {} dropped {} flows created {}", total.rx_packets,
               total.tx_packets, total.dropped, total.flows_created);
  // The same walk as dpdk mode's exit log, the console and /metrics (pipeline::for_each_drop).
  if (const std::string drops = drop_reasons_line(total); !drops.empty()) {
    spdlog::info("drops by reason: {}", drops);
  }
  return status;
}

}  // namespace sluice::runtime
