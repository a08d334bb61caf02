#include "control/metrics/render_health.hpp"

#include "control/metrics/exposition.hpp"

namespace sluice::metrics {

std::string render_health_metrics(const std::vector<health::TargetStatus>& targets) {
  std::vector<std::string> backends;
  backends.reserve(targets.size());
  for (const health::TargetStatus& target : targets) backends.push_back(target.backend.to_string());

  Exposition out;
  out.family("sluice_health_check_up", MetricType::kGauge,
             "The health checks' verdict: 1 up, 0 down (whatever the admin state).");
  for (std::size_t i = 0; i < targets.size(); ++i) {
    out.sample({{"service", targets[i].service}, {"backend", backends[i]}}, targets[i].up ? 1 : 0);
  }
  out.family("sluice_health_checks_total", MetricType::kCounter, "Health probes completed.");
  for (std::size_t i = 0; i < targets.size(); ++i) {
    out.sample({{"service", targets[i].service}, {"backend", backends[i]}}, targets[i].checks);
  }
  out.family("sluice_health_check_failures_total", MetricType::kCounter,
             "Health probes that failed (refused, timed out, bad HTTP status, ...).");
  for (std::size_t i = 0; i < targets.size(); ++i) {
    out.sample({{"service", targets[i].service}, {"backend", backends[i]}}, targets[i].failures);
  }
  return out.take();
}

}  // namespace sluice::metrics
