#pragma once
// Helpers for the configuration tests: documents built line by line (so the line:col in an
// expected message can be read off the test), and parse wrappers.
#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "control/config/load.hpp"

namespace sluice::config::testing {

inline constexpr std::string_view kFile = "t.toml";

// Two interfaces shaped like the lab's. Appended after the lines under test, so those keep
// their line numbers 1..n.
inline constexpr std::string_view kInterfaces = R"(
[[interfaces]]
name = "front"
dpdk = "net_af_packet0,iface=lb-front"
kernel = "lb-front"
addresses = ["10.10.0.1/24", "fd10::1/64"]

[[interfaces]]
name = "back"
dpdk = "net_af_packet1,iface=lb-back"
kernel = "lb-back"
addresses = ["10.20.0.1/24", "fd20::1/64"]
)";

// Line 1 is the first element.
inline std::string lines(std::initializer_list<std::string_view> text) {
  std::string out;
  for (std::string_view line : text) {
    out += line;
    out += '\n';
  }
  return out;
}

inline std::string with_interfaces(std::initializer_list<std::string_view> text) {
  return lines(text) + std::string(kInterfaces);
}

// Every diagnostic as printed, in order; empty when the document is valid.
inline std::vector<std::string> errors(std::string_view text, const LoadOptions& options = {}) {
  const LoadResult result = parse_config(text, kFile, options);
  std::vector<std::string> out;
  if (result) return out;
  for (const Diagnostic& diagnostic : result.diagnostics()) out.push_back(diagnostic.to_string());
  return out;
}

// The config, or nullptr after recording every diagnostic as a test failure.
inline std::shared_ptr<const Config> parse_ok(std::string_view text,
                                              const LoadOptions& options = {}) {
  const LoadResult result = parse_config(text, kFile, options);
  if (result) return result.config();
  for (const Diagnostic& diagnostic : result.diagnostics()) ADD_FAILURE() << diagnostic.to_string();
  return nullptr;
}

using Lines = std::vector<std::string>;

}  // namespace sluice::config::testing
