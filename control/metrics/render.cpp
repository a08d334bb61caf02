#include "control/metrics/render.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "control/metrics/exposition.hpp"
#include "dataplane/pipeline/counters.hpp"
#include "dataplane/pipeline/drop_walk.hpp"

namespace sluice::metrics {
namespace {

using pipeline::WorkerCounters;

struct WorkerMetric {
  std::string_view name;
  MetricType type;
  std::string_view help;
  std::uint64_t WorkerCounters::*field;
};

// Prometheus conventions: a "sluice_" prefix, base units (bytes), "_total" on counters, and
// no "total of all workers" series (sum() in PromQL does that).
constexpr std::array<WorkerMetric, 25> kWorkerMetrics{{
    {"sluice_rx_packets_total", MetricType::kCounter, "Frames received by a datapath worker.",
     &WorkerCounters::rx_packets},
    {"sluice_rx_bytes_total", MetricType::kCounter, "Bytes received by a datapath worker.",
     &WorkerCounters::rx_bytes},
    {"sluice_tx_packets_total", MetricType::kCounter, "Frames sent by a datapath worker.",
     &WorkerCounters::tx_packets},
    {"sluice_tx_bytes_total", MetricType::kCounter, "Bytes sent by a datapath worker.",
     &WorkerCounters::tx_bytes},
    {"sluice_dropped_packets_total", MetricType::kCounter,
     "Frames dropped by a datapath worker, whatever the reason (see sluice_drops_total).",
     &WorkerCounters::dropped},
    {"sluice_flows_created_total", MetricType::kCounter, "Flows created (conntrack entries).",
     &WorkerCounters::flows_created},
    {"sluice_flows_expired_total", MetricType::kCounter, "Flows removed after their timeout.",
     &WorkerCounters::flows_expired},
    {"sluice_flows_active", MetricType::kGauge, "Flows in the worker's conntrack table.",
     &WorkerCounters::flows_active},
    {"sluice_proxy_headers_inserted_total", MetricType::kCounter,
     "PROXY headers sent: once per TCP flow, per datagram (or first datagram) for UDP.",
     &WorkerCounters::pp_inserted},
    {"sluice_proxy_headers_resent_total", MetricType::kCounter,
     "TCP PROXY header segments sent again after a loss.", &WorkerCounters::pp_resent},
    {"sluice_proxy_header_flows_reset_total", MetricType::kCounter,
     "TCP flows reset because their PROXY header never got through.", &WorkerCounters::pp_given_up},
    {"sluice_snat_exhausted_total", MetricType::kCounter,
     "New flows refused for want of a free SNAT port.", &WorkerCounters::snat_exhausted},
    {"sluice_arp_replies_total", MetricType::kCounter, "ARP replies sent for own addresses.",
     &WorkerCounters::arp_replies},
    {"sluice_nd_replies_total", MetricType::kCounter,
     "IPv6 neighbour advertisements sent for own addresses.", &WorkerCounters::nd_replies},
    {"sluice_icmp_echo_replies_total", MetricType::kCounter, "ICMP and ICMPv6 echo replies sent.",
     &WorkerCounters::icmp_echo_replies},
    {"sluice_icmp_errors_sent_total", MetricType::kCounter,
     "ICMP errors sent (e.g. fragmentation needed).", &WorkerCounters::icmp_errors_sent},
    {"sluice_flows_flushed_total", MetricType::kCounter,
     "Flows destroyed by `conntrack flush`.", &WorkerCounters::flows_flushed},
    {"sluice_host_rx_packets_total", MetricType::kCounter,
     "Frames handed up to the host's stack (dpdk mode exception path: health probe answers).",
     &WorkerCounters::host_rx},
    {"sluice_host_tx_packets_total", MetricType::kCounter,
     "Packets of the host's stack routed out by the datapath (health probes).",
     &WorkerCounters::host_tx},
    {"sluice_embryonic_flows", MetricType::kGauge,
     "TCP flows not yet established (SYN_SENT, SYN_RECV) on the worker (docs/conntrack-limits.md).",
     &WorkerCounters::embryonic_active},
    {"sluice_embryonic_reclaimed_total", MetricType::kCounter,
     "Embryonic flows removed to make room for a new flow (cap, full table or SNAT range).",
     &WorkerCounters::embryonic_reclaimed},
    {"sluice_syn_cookies_sent_total", MetricType::kCounter,
     "SYNs answered with a SYN cookie SYN-ACK by the SYN proxy (docs/syn-proxy.md).",
     &WorkerCounters::syn_cookies_sent},
    {"sluice_syn_cookies_validated_total", MetricType::kCounter,
     "ACKs without a flow whose SYN cookie was valid: a proxied flow created.",
     &WorkerCounters::syn_cookies_validated},
    {"sluice_syn_cookies_failed_total", MetricType::kCounter,
     "ACKs without a flow whose SYN cookie failed (dropped as syn_cookie_invalid).",
     &WorkerCounters::syn_cookies_failed},
    {"sluice_syn_proxy_data_stripped_total", MetricType::kCounter,
     "Completing ACKs that carried data the SYN proxy did not forward (the client resends it).",
     &WorkerCounters::syn_proxy_data_stripped},
}};

// A counter added to WorkerCounters needs its row above (and in docs/metrics.md): this stops the
// build until it has one. The scalar counters are the fields before parse_drops.
static_assert(offsetof(WorkerCounters, parse_drops) ==
                  kWorkerMetrics.size() * sizeof(std::uint64_t),
              "WorkerCounters changed: give each new counter a metric in kWorkerMetrics");

// One source of counters with its labels: a worker ("0", "1", ...) or, when the model has no
// per-worker breakdown, the total without a worker label.
struct CounterSource {
  std::string worker;  // empty: no worker label
  const WorkerCounters* counters;
};

Labels with_worker(const CounterSource& source, Labels labels = {}) {
  if (!source.worker.empty()) labels.insert(labels.begin(), {"worker", source.worker});
  return labels;
}

void render_workers(Exposition& out, const console::StatsView& stats) {
  std::vector<CounterSource> sources;
  for (std::size_t index = 0; index < stats.workers.size(); ++index) {
    sources.push_back({std::to_string(index), &stats.workers[index]});
  }
  if (sources.empty()) sources.push_back({"", &stats.total});

  for (const WorkerMetric& metric : kWorkerMetrics) {
    out.family(metric.name, metric.type, metric.help);
    for (const CounterSource& source : sources) {
      out.sample(with_worker(source), source.counters->*metric.field);
    }
  }

  // stage="parse": the packet parser or a rewrite refused the frame (drop_reason.hpp);
  // stage="pipeline": the pipeline did (counters.hpp). The insertion engine's own reasons are
  // the next family: the same frames as reason="tcp_insertion", counted again by cause.
  out.family("sluice_drops_total", MetricType::kCounter,
             "Frames dropped, by stage and reason (names as in `show stats`).");
  for (const CounterSource& source : sources) {
    pipeline::for_each_drop(*source.counters, [&](const pipeline::DropCount& drop) {
      if (drop.stage == pipeline::DropStage::kTcpInsertion) return;
      const std::string_view stage =
          drop.stage == pipeline::DropStage::kParse ? "parse" : "pipeline";
      out.sample(with_worker(source, {{"stage", stage}, {"reason", drop.reason}}), drop.count);
    });
  }

  out.family("sluice_tcp_insertion_drops_total", MetricType::kCounter,
             "TCP segments the PROXY insertion engine refused, by reason.");
  for (const CounterSource& source : sources) {
    pipeline::for_each_drop(*source.counters, [&](const pipeline::DropCount& drop) {
      if (drop.stage != pipeline::DropStage::kTcpInsertion) return;
      out.sample(with_worker(source, {{"reason", drop.reason}}), drop.count);
    });
  }
}

void render_interfaces(Exposition& out, const std::vector<console::InterfaceView>& interfaces) {
  struct InterfaceMetric {
    std::string_view name;
    MetricType type;
    std::string_view help;
    std::uint64_t console::InterfaceView::*field;
  };
  static constexpr std::array<InterfaceMetric, 5> kMetrics{{
      {"sluice_interface_rx_packets_total", MetricType::kCounter, "Frames received by the NIC.",
       &console::InterfaceView::rx_packets},
      {"sluice_interface_rx_bytes_total", MetricType::kCounter, "Bytes received by the NIC.",
       &console::InterfaceView::rx_bytes},
      {"sluice_interface_tx_packets_total", MetricType::kCounter, "Frames sent by the NIC.",
       &console::InterfaceView::tx_packets},
      {"sluice_interface_tx_bytes_total", MetricType::kCounter, "Bytes sent by the NIC.",
       &console::InterfaceView::tx_bytes},
      {"sluice_interface_drops_total", MetricType::kCounter,
       "Frames lost at the NIC: missed, receive and transmit errors, no buffer.",
       &console::InterfaceView::drops},
  }};
  for (const InterfaceMetric& metric : kMetrics) {
    out.family(metric.name, metric.type, metric.help);
    for (const console::InterfaceView& interface : interfaces) {
      out.sample({{"interface", interface.name}}, interface.*metric.field);
    }
  }
  out.family("sluice_interface_up", MetricType::kGauge, "1 when the link is up, else 0.");
  for (const console::InterfaceView& interface : interfaces) {
    out.sample({{"interface", interface.name}}, interface.link_up ? 1 : 0);
  }
}

void render_services(Exposition& out, const std::vector<ServiceMetrics>& all) {
  out.family("sluice_service_info", MetricType::kGauge,
             "Always 1; the labels describe the service as configured.");
  for (const ServiceMetrics& entry : all) {
    const console::ServiceView& service = entry.service;
    out.sample({{"service", service.name},
                {"vip", service.vip},
                {"protocol", service.protocol},
                {"scheduler", service.scheduler},
                {"proxy_protocol", service.proxy_protocol}},
               1);
  }
  out.family("sluice_service_backends", MetricType::kGauge, "Backends configured.");
  for (const ServiceMetrics& entry : all) {
    out.sample({{"service", entry.service.name}}, entry.service.backends_total);
  }
  out.family("sluice_service_backends_up", MetricType::kGauge,
             "Backends that may receive new flows (healthy and enabled).");
  for (const ServiceMetrics& entry : all) {
    out.sample({{"service", entry.service.name}}, entry.service.backends_up);
  }
  out.family("sluice_service_active_flows", MetricType::kGauge, "Flows of the service now open.");
  for (const ServiceMetrics& entry : all) {
    if (entry.service.active) out.sample({{"service", entry.service.name}}, *entry.service.active);
  }

  out.family("sluice_backend_up", MetricType::kGauge,
             "1 when the backend is in state up (healthy and enabled), else 0.");
  for (const ServiceMetrics& entry : all) {
    for (const console::BackendView& backend : entry.backends) {
      out.sample({{"service", entry.service.name}, {"backend", backend.address}},
                 backend.state == "up" ? 1 : 0);
    }
  }
  out.family("sluice_backend_disabled", MetricType::kGauge,
             "1 when an operator disabled the backend (console), else 0.");
  for (const ServiceMetrics& entry : all) {
    for (const console::BackendView& backend : entry.backends) {
      out.sample({{"service", entry.service.name}, {"backend", backend.address}},
                 backend.state == "disabled" ? 1 : 0);
    }
  }
  out.family("sluice_backend_weight", MetricType::kGauge,
             "Scheduling weight; 0 drains the backend (no new flows).");
  for (const ServiceMetrics& entry : all) {
    for (const console::BackendView& backend : entry.backends) {
      out.sample({{"service", entry.service.name}, {"backend", backend.address}}, backend.weight);
    }
  }
  out.family("sluice_backend_active_flows", MetricType::kGauge, "Flows to the backend now open.");
  for (const ServiceMetrics& entry : all) {
    for (const console::BackendView& backend : entry.backends) {
      if (backend.active) {
        out.sample({{"service", entry.service.name}, {"backend", backend.address}},
                   *backend.active);
      }
    }
  }
  out.family("sluice_backend_flows_total", MetricType::kCounter,
             "Flows sent to the backend since start.");
  for (const ServiceMetrics& entry : all) {
    for (const console::BackendView& backend : entry.backends) {
      if (backend.total) {
        out.sample({{"service", entry.service.name}, {"backend", backend.address}}, *backend.total);
      }
    }
  }
}

}  // namespace

MetricsSnapshot snapshot_of(const console::ConsoleModel& model) {
  MetricsSnapshot snapshot;
  snapshot.version = model.version();
  snapshot.stats = model.stats();
  snapshot.interfaces = model.interfaces();
  for (console::ServiceView& service : model.services()) {
    std::vector<console::BackendView> backends =
        model.backends(service.name).value_or(std::vector<console::BackendView>{});
    snapshot.services.push_back({std::move(service), std::move(backends)});
  }
  return snapshot;
}

std::string render_metrics(const MetricsSnapshot& snapshot) {
  Exposition out;
  out.family("sluice_build_info", MetricType::kGauge,
             "Always 1; the labels give the version, build and datapath mode.");
  out.sample({{"version", snapshot.version.version},
              {"build", snapshot.version.build},
              {"mode", snapshot.version.mode}},
             1);

  render_workers(out, snapshot.stats);
  render_interfaces(out, snapshot.interfaces);
  render_services(out, snapshot.services);
  return out.take();
}

}  // namespace sluice::metrics
