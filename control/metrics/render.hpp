#pragma once
// The /metrics page (spec config.md, [metrics]) rendered from what the console shows
// (console/model.hpp), in the Prometheus text format 0.0.4. The metric names and labels are
// listed and explained in docs/metrics.md; they are a public interface: never rename one.
#include <string>
#include <vector>

#include "control/console/model.hpp"

namespace sluice::metrics {

// Content-Type of the text exposition format.
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

struct ServiceMetrics {
  console::ServiceView service;
  std::vector<console::BackendView> backends;  // in configuration order
};

// Everything the page shows, as plain values: what the renderer reads, and what tests build.
struct MetricsSnapshot {
  console::VersionView version;
  console::StatsView stats;
  std::vector<console::InterfaceView> interfaces;
  std::vector<ServiceMetrics> services;
};

// Reads the model once: version, stats, interfaces, services and their backends.
MetricsSnapshot snapshot_of(const console::ConsoleModel& model);

// The page. Values the snapshot gives as nullopt are left out, never written as 0.
std::string render_metrics(const MetricsSnapshot& snapshot);
inline std::string render_metrics(const console::ConsoleModel& model) {
  return render_metrics(snapshot_of(model));
}

}  // namespace sluice::metrics
