#pragma once
// A MetricsSnapshot with fixed, hand-written contents for the metrics tests: two workers with
// distinct counters, two interfaces, two services, backends in each state, and flow counts the
// datapath does not know (nullopt) for the UDP service. A plain value, not a ConsoleModel
// subclass, so the tests do not change when the console's interface grows.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "control/metrics/render.hpp"
#include "dataplane/packet/drop_reason.hpp"

namespace sluice::metrics::testing {

inline MetricsSnapshot fake_snapshot() {
  MetricsSnapshot snapshot;
  snapshot.version = {"0.1.0", "debugoptimized gcc 12.2.0", "dpdk"};

  console::StatsView& stats = snapshot.stats;
  stats.workers.resize(2);
  pipeline::WorkerCounters& first = stats.workers[0];
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
  pipeline::WorkerCounters& second = stats.workers[1];
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
  stats.total = first;            // not read while there are workers: distinct from the sum

  snapshot.interfaces = {
      {"front", "02:00:00:00:00:01", {"192.0.2.1/24"}, true, 120, 9000, 108, 8000, 3},
      {"back", "02:00:00:00:00:02", {"10.1.0.254/24"}, false, 0, 0, 0, 0, 0}};

  snapshot.services = {
      {{"web", "192.0.2.10:80", "tcp", "maglev", "v2", 1, 3, 4},
       {{"10.1.0.1:8080", 1, "up", 3, 5},
        {"10.1.0.2:8080", 2, "down", 0, 7},
        {"10.1.0.3:8080", 0, "disabled", 1, 2}}},
      {{"dns", "[2001:db8::53]:53", "udp", "rr", "none", 1, 1, std::nullopt},
       {{"[2001:db8:1::5]:53", 3, "up", std::nullopt, std::nullopt}}},
  };
  return snapshot;
}

}  // namespace sluice::metrics::testing
