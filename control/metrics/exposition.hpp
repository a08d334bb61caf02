#pragma once
// A writer of the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): one family at a time, a
// "# HELP" and a "# TYPE" line, then its samples. Label values are escaped (backslash, double
// quote, line feed), HELP text too (backslash, line feed). A family that gets no sample is not
// written at all, so an unknown value is absent rather than an invented 0.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::metrics {

enum class MetricType : std::uint8_t { kCounter, kGauge };

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

class Exposition {
 public:
  // Starts a family; its HELP/TYPE lines are written with its first sample.
  void family(std::string_view name, MetricType type, std::string_view help);
  void sample(const Labels& labels, std::uint64_t value);

  const std::string& text() const noexcept { return text_; }
  std::string take() noexcept { return std::move(text_); }

 private:
  std::string text_;
  std::string name_;
  std::string header_;  // HELP and TYPE of the current family, until its first sample
};

// Backslash, double quote and line feed escaped as the format requires for label values.
std::string escape_label_value(std::string_view value);
// Backslash and line feed escaped as the format requires for HELP text.
std::string escape_help(std::string_view help);

}  // namespace sluice::metrics
