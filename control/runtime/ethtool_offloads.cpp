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

standoff::OffloadSet set_offloads(const std::string& device, standoff::OffloadSet offloads,
                                  bool on, std::string& error) {
  if (offloads.empty()) return {};
  std::vector<std::string> args{"-K", device};
  for (Offload offload : standoff::kOffloads) {
    if (!offloads.contains(offload)) continue;
    args.emplace_back(standoff::offload_name(offload));
    args.emplace_back(on ? "on" : "off");
  }
  // One request: the kernel resolves the dependencies among them (tso needs tx checksums and
  // scatter-gather) in one pass, as `ethtool -K DEV tx on tso on` does.
  const CommandResult result = run_command("ethtool", args);
  if (!result.started) {
    error = "cannot run ethtool (Debian package ethtool)";
    return offloads;
  }
  // Read back: ethtool exits 0 when the kernel keeps a fixed feature as it is.
  const auto now = read_offloads(device, error);
  if (!now) return offloads;
  standoff::OffloadSet refused;
  for (Offload offload : standoff::kOffloads) {
    if (offloads.contains(offload) && now->contains(offload) != on) refused.insert(offload);
  }
  if (!refused.empty()) error = result.ok() ? "the kernel kept it" : first_line(result.output);
  return refused;
}

}  // namespace sluice::runtime
