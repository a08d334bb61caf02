#include "control/runtime/ethtool_offloads.hpp"

#include <string_view>

#include <fmt/format.h>

#include "control/runtime/command.hpp"

namespace sluice::runtime {
namespace {

using standoff::Offload;

// The feature group `ethtool -k` prints for each offload. The group, not a single feature
// bit: `ethtool -K DEV tso off` clears every TCP segmentation flavour the kernel has (TSO6,
// ECN, mangle-id, AccECN...), which the legacy per-feature ioctls do not all reach on newer
// kernels. Running the tool an operator uses also makes each change one they can repeat.
std::string_view group_of(Offload offload) noexcept {
  switch (offload) {
    case Offload::kRx: return "rx-checksumming";
    case Offload::kTx: return "tx-checksumming";
    case Offload::kTso: return "tcp-segmentation-offload";
    case Offload::kGso: return "generic-segmentation-offload";
    case Offload::kGro: return "generic-receive-offload";
    case Offload::kLro: return "large-receive-offload";
  }
  return "?";
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

std::optional<standoff::OffloadSet> read_offloads(const std::string& device, std::string& error) {
  const CommandResult result = run_command("ethtool", {"-k", device});
  if (!result.started) {
    error = "cannot run ethtool (Debian package ethtool)";
    return std::nullopt;
  }
  if (!result.ok()) {
    error = fmt::format("ethtool -k {}: {}", device, first_line(result.output));
    return std::nullopt;
  }
  standoff::OffloadSet on;
  std::string_view text = result.output;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    for (Offload offload : standoff::kOffloads) {
      const std::string_view group = group_of(offload);
      // "generic-receive-offload: on" or "...: on [fixed]"; sub-features are indented.
      if (line.starts_with(group) && line.substr(group.size()).starts_with(": on")) {
        on.insert(offload);
      }
    }
  }
  return on;
}

bool set_offload(const std::string& device, Offload offload, bool on, std::string& error) {
  const CommandResult result = run_command(
      "ethtool", {"-K", device, std::string(standoff::offload_name(offload)), on ? "on" : "off"});
  if (!result.started) {
    error = "cannot run ethtool (Debian package ethtool)";
    return false;
  }
  // Read back: ethtool exits 0 when the kernel keeps a fixed feature as it is, and a feature
  // may depend on another (tso on tx checksums and scatter-gather).
  std::string read_error;
  const auto now = read_offloads(device, read_error);
  if (!now) {
    error = read_error;
    return false;
  }
  if (now->contains(offload) != on) {
    error = result.ok() ? "the kernel kept it" : first_line(result.output);
    return false;
  }
  return true;
}

}  // namespace sluice::runtime
