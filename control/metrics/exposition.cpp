#include "control/metrics/exposition.hpp"

#include <fmt/format.h>

namespace sluice::metrics {

std::string escape_label_value(std::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (const char c : value) {
    switch (c) {
      case '\\': escaped += "\\\\"; break;
      case '"': escaped += "\\\""; break;
      case '\n': escaped += "\\n"; break;
      default: escaped += c;
    }
  }
  return escaped;
}

std::string escape_help(std::string_view help) {
  std::string escaped;
  escaped.reserve(help.size());
  for (const char c : help) {
    switch (c) {
      case '\\': escaped += "\\\\"; break;
      case '\n': escaped += "\\n"; break;
      default: escaped += c;
    }
  }
  return escaped;
}

void Exposition::family(std::string_view name, MetricType type, std::string_view help) {
  name_ = name;
  header_ = fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(help), name,
                        type == MetricType::kCounter ? "counter" : "gauge");
}

void Exposition::sample(const Labels& labels, std::uint64_t value) {
  text_ += header_;
  header_.clear();
  text_ += name_;
  if (!labels.empty()) {
    text_ += '{';
    bool first = true;
    for (const auto& [label, label_value] : labels) {
      if (!first) text_ += ',';
      first = false;
      text_ += label;
      text_ += "=\"";
      text_ += escape_label_value(label_value);
      text_ += '"';
    }
    text_ += '}';
  }
  text_ += fmt::format(" {}\n", value);
}

}  // namespace sluice::metrics
