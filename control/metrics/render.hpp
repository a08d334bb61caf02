#pragma once
// The /metrics page (spec config.md, [metrics]) rendered from what the console shows
// (console/model.hpp), in the Prometheus text format 0.0.4. The metric names and labels are
// listed and explained in docs/metrics.md; they are a public interface: never rename one.
#include <string>

#include "control/console/model.hpp"

namespace sluice::metrics {

// Content-Type of the text exposition format.
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Reads the model once (version, stats, interfaces, services and their backends). Values the
// model gives as nullopt are left out, never written as 0.
std::string render_metrics(const console::ConsoleModel& model);

}  // namespace sluice::metrics
