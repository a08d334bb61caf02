#pragma once
// Reading a configuration: TOML text -> validated, immutable Config, or every error found.
//
//   auto result = sluice::config::load_config("/etc/sluice.toml");
//   if (!result) { for (const auto& d : result.diagnostics()) std::cerr << d.to_string() << '\n'; }
//   std::shared_ptr<const sluice::config::Config> config = result.config();
//
// The checks are those of docs/configuration.md; none of them touches the host (interfaces and
// devices need not exist), so `sluice check` and `sluice run` accept exactly the same files.
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "control/config/config.hpp"
#include "control/config/diagnostic.hpp"

namespace sluice::config {

struct LoadOptions {
  // `sluice run --mode`: replaces appliance.mode before the per-mode interface checks
  // (`dpdk` devargs in dpdk mode, `kernel` name in xdp mode).
  std::optional<Mode> mode_override;
};

// Either a Config or at least one Diagnostic, sorted by position in the file.
class LoadResult {
 public:
  explicit LoadResult(std::shared_ptr<const Config> config) : outcome_(std::move(config)) {}
  explicit LoadResult(std::vector<Diagnostic> diagnostics) : outcome_(std::move(diagnostics)) {}

  bool ok() const noexcept {
    return std::holds_alternative<std::shared_ptr<const Config>>(outcome_);
  }
  explicit operator bool() const noexcept { return ok(); }

  // Precondition: ok().
  const std::shared_ptr<const Config>& config() const { return std::get<0>(outcome_); }
  // Precondition: !ok(). Never empty.
  const std::vector<Diagnostic>& diagnostics() const { return std::get<1>(outcome_); }

 private:
  std::variant<std::shared_ptr<const Config>, std::vector<Diagnostic>> outcome_;
};

// Parses and validates `text`; `path_for_messages` is the FILE of every diagnostic and becomes
// Config::source_path.
LoadResult parse_config(std::string_view text, std::string_view path_for_messages,
                        const LoadOptions& options = {});

// Reads `path` and calls parse_config. A missing or unreadable file is a diagnostic without a
// position ("FILE: error: cannot read: No such file or directory").
LoadResult load_config(const std::filesystem::path& path, const LoadOptions& options = {});

}  // namespace sluice::config
