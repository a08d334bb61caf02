#pragma once
// A ConsoleModel with fixed, hand-written contents: two services (one with PROXY v2), three
// backends, one interface, two workers with distinct counters (drops of each stage: parser,
// pipeline, TCP insertion).
#include <cstddef>

#include <fmt/format.h>
#include <optional>
#include <string>
#include <vector>

#include "control/console/model.hpp"
#include "dataplane/insertion/decision.hpp"
#include "dataplane/packet/drop_reason.hpp"

namespace sluice::console::testing {

class FakeModel final : public ConsoleModel {
 public:
  static constexpr auto kTruncatedTcp =
      static_cast<std::size_t>(packet::DropReason::kTruncatedTcp);
  static constexpr auto kTcpInsertion =
      static_cast<std::size_t>(pipeline::PipelineDrop::kTcpInsertion);
  static constexpr auto kClientSynAck =
      static_cast<std::size_t>(insertion::InsertionDrop::kClientSynAck);

  FakeModel() {
    stats_view.workers.resize(2);
    pipeline::WorkerCounters& first = stats_view.workers[0];
    first.rx_packets = 100;
    first.tx_packets = 90;
    first.dropped = 10;
    first.flows_created = 7;
    first.flows_active = 3;
    first.pp_inserted = 6;
    first.pp_resent = 1;
    first.pipeline_drops[static_cast<std::size_t>(pipeline::PipelineDrop::kNotForUs)] = 10;
    pipeline::WorkerCounters& second = stats_view.workers[1];
    second.rx_packets = 20;
    second.tx_packets = 18;
    second.dropped = 2;
    second.flows_created = 2;
    second.flows_active = 1;
    second.pp_inserted = 2;
    second.parse_drops[kTruncatedTcp] = 2;
    second.pipeline_drops[kTcpInsertion] = 3;
    second.insertion_drops[kClientSynAck] = 3;
    stats_view.total.rx_packets = 120;
    stats_view.total.tx_packets = 108;
    stats_view.total.dropped = 12;
    stats_view.total.flows_created = 9;
    stats_view.total.flows_active = 4;
    stats_view.total.pp_inserted = 8;
    stats_view.total.pp_resent = 1;
    stats_view.total.parse_drops[kTruncatedTcp] = 2;
    stats_view.total.pipeline_drops[static_cast<std::size_t>(pipeline::PipelineDrop::kNotForUs)] =
        10;
    stats_view.total.pipeline_drops[kTcpInsertion] = 3;
    stats_view.total.insertion_drops[kClientSynAck] = 3;
  }

  VersionView version() const override { return {"0.1.0", "debugoptimized gcc 12.2.0", "dpdk"}; }

  std::vector<InterfaceView> interfaces() const override {
    return {{"front", "02:00:00:00:00:01", {"192.0.2.1/24", "2001:db8::1/64"}, true, 120, 9000,
             108, 8000, 3}};
  }

  std::vector<ServiceView> services() const override {
    return {{"web", "192.0.2.10:80", "tcp", "maglev", "v2", 2, 2, 4},
            {"dns", "[2001:db8::53]:53", "udp", "rr", "none", 1, 1, std::nullopt}};
  }

  std::optional<std::vector<BackendView>> backends(std::string_view service) const override {
    if (service == "web") {
      return std::vector<BackendView>{{"10.1.0.1:8080", 1, "up", 3, 5},
                                      {"10.1.0.2:8080", 0, "disabled", 1, 2}};
    }
    if (service == "dns") {
      return std::vector<BackendView>{{"[2001:db8:1::5]:53", 3, "up", std::nullopt, std::nullopt}};
    }
    return std::nullopt;
  }

  StatsView stats() const override { return stats_view; }

  void set_log_level(spdlog::level::level_enum level) override { log_levels.push_back(level); }

  std::optional<std::vector<FlowView>> conntrack(std::optional<std::string_view> service,
                                                 std::size_t limit) override {
    conntrack_limits.push_back(limit);
    std::vector<FlowView> all{
        {"tcp", "198.51.100.7:40000", "192.0.2.10:80", "10.1.0.254:1024", "10.1.0.1:8080",
         "ESTABLISHED", "acked", "web", 12.5},
        {"tcp", "[2001:db8::7]:40001", "192.0.2.10:80", "10.1.0.254:1025", "10.1.0.2:8080",
         "SYN_SENT", "pending", "web", 0.25},
        {"udp", "198.51.100.8:5000", "[2001:db8::53]:53", "[2001:db8:1::fe]:1026",
         "[2001:db8:1::5]:53", "UDP", "sent", "dns", 3.0}};
    if (service && *service != "web" && *service != "dns") return std::nullopt;
    std::vector<FlowView> out;
    for (const FlowView& flow : all) {
      if (service && flow.service != *service) continue;
      if (out.size() < limit) out.push_back(flow);
    }
    return out;
  }

  std::vector<NeighborView> neighbors() override {
    return {{"10.1.0.1", "02:00:00:00:01:01", "back", "dynamic", 4.0},
            {"10.1.0.9", "02:00:00:00:01:09", "back", "static", 0}};
  }

  std::vector<RouteView> routes() const override {
    return {{"192.0.2.0/24", "", "front", "connected"},
            {"0.0.0.0/0", "192.0.2.254", "front", "static"}};
  }

  ChangeResult set_backend_enabled(std::string_view service, std::string_view backend,
                                   bool enabled) override {
    changes.push_back(fmt::format("{} {} {}", enabled ? "enable" : "disable", service, backend));
    if (service != "web") return {fmt::format("no service named '{}'", service), ""};
    return {"", fmt::format("backend {} {} {}", service, backend,
                            enabled ? "enabled" : "disabled")};
  }

  ChangeResult set_backend_weight(std::string_view service, std::string_view backend,
                                  std::uint32_t weight) override {
    changes.push_back(fmt::format("weight {} {} {}", service, backend, weight));
    return {"", fmt::format("backend {} {} weight {}", service, backend, weight)};
  }

  ChangeResult flush_conntrack(std::optional<std::string_view> service) override {
    changes.push_back(fmt::format("flush {}", service ? *service : "(all)"));
    return {"", "flushed 3 flow(s)"};
  }

  ChangeResult reload() override {
    changes.push_back("reload");
    if (reload_error.empty()) return {"", "reloaded test.toml\nservice web: backends or scheduling changed\n"};
    return {reload_error, ""};
  }

  std::vector<spdlog::level::level_enum> log_levels;  // every set_log_level call, in order
  std::vector<std::size_t> conntrack_limits;          // every conntrack() limit asked for
  std::vector<std::string> changes;                   // every state-changing call, in order
  std::string reload_error;                           // what reload() refuses with, if set
  StatsView stats_view;                               // what stats() answers
};

}  // namespace sluice::console::testing
