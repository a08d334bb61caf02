#pragma once
// Health-check series for the /metrics page, from HealthChecker::status()
// (control/health/health_checker.hpp). Separate from render_metrics() so that the page can be
// rendered without health checks; `sluice run` appends this one when it runs a checker:
//   [&] { return render_metrics(model) + render_health_metrics(checker.status()); }
#include <string>
#include <vector>

#include "control/health/health_checker.hpp"

namespace sluice::metrics {

// sluice_health_check_up, sluice_health_checks_total and sluice_health_check_failures_total,
// labelled service and backend; nothing at all for an empty list.
std::string render_health_metrics(const std::vector<health::TargetStatus>& targets);

}  // namespace sluice::metrics
