#pragma once
// A ConsoleModel with fixed, hand-written contents for the metrics tests: two workers with
// distinct counters, one interface, two services, backends in each state, and flow counts the
// model does not know (nullopt) for the UDP service.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "control/console/model.hpp"
#include "dataplane/packet/drop_reason.hpp"

namespace sluice::metrics::testing {

class FakeModel final : public console::ConsoleModel {
 public:
  FakeModel() {
    stats_.workers.resize(2);
    pipeline::WorkerCounters& first = stats_.workers[0];
    first.rx_packets = 100;
    first.rx_bytes = 6400;
    first.tx_packets = 90;
    first.tx_bytes = 5800;
    first.dropped = 10;
    first.flows_created = 7;
    first.flows_expired = 4;
    first.flows_active = 3;
    first.pp_inserted = 6;
    first.pp_resent = 1;
    first.pipeline_drops[static_cast<std::size_t>(pipeline::PipelineDrop::kNotForUs)] = 10;
    pipeline::WorkerCounters& second = stats_.workers[1];
    second.rx_packets = 20;
    second.tx_packets = 18;
    second.dropped = 2;
    second.flows_created = 2;
    second.flows_active = 1;
    second.pp_inserted = 2;
    second.pp_given_up = 1;
    second.arp_replies = 5;
    second.parse_drops[static_cast<std::size_t>(packet::DropReason::kTruncatedTcp)] = 2;
    second.insertion_drops[2] = 3;  // kClientSynAck
    stats_.total = first;           // not read by the renderer: keep it distinct from the sum
  }

  console::VersionView version() const override {
    return {"0.1.0", "debugoptimized gcc 12.2.0", "dpdk"};
  }

  std::vector<console::InterfaceView> interfaces() const override {
    return {{"front", "02:00:00:00:00:01", {"192.0.2.1/24"}, true, 120, 9000, 108, 8000, 3},
            {"back", "02:00:00:00:00:02", {"10.1.0.254/24"}, false, 0, 0, 0, 0, 0}};
  }

  std::vector<console::ServiceView> services() const override {
    return {{"web", "192.0.2.10:80", "tcp", "maglev", "v2", 1, 3, 4},
            {"dns", "[2001:db8::53]:53", "udp", "rr", "none", 1, 1, std::nullopt}};
  }

  std::optional<std::vector<console::BackendView>> backends(
      std::string_view service) const override {
    if (service == "web") {
      return std::vector<console::BackendView>{{"10.1.0.1:8080", 1, "up", 3, 5},
                                               {"10.1.0.2:8080", 2, "down", 0, 7},
                                               {"10.1.0.3:8080", 0, "disabled", 1, 2}};
    }
    if (service == "dns") {
      return std::vector<console::BackendView>{
          {"[2001:db8:1::5]:53", 3, "up", std::nullopt, std::nullopt}};
    }
    return std::nullopt;
  }

  console::StatsView stats() const override { return stats_; }
  void set_log_level(spdlog::level::level_enum) override {}

  console::StatsView stats_;
};

}  // namespace sluice::metrics::testing
