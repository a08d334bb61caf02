// `sluice check --config FILE`: validates a configuration file on its own (interfaces and
// devices need not exist on this host) and prints one summary line per service.
// Spec: ../shared/spec/cli-console.md (exit 0 valid, 2 invalid), docs/configuration.md.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <string>

#include "control/cli/commands.hpp"
#include "control/cli/logging.hpp"
#include "control/config/enum_names.hpp"
#include "control/config/load.hpp"
#include "control/config/summary.hpp"

namespace sluice::cli {
namespace {

struct CheckOptions {
  std::string config_path;
};

int run_check(const CheckOptions& options) {
  const config::LoadResult result = config::load_config(options.config_path);
  if (!result) {
    for (const config::Diagnostic& diagnostic : result.diagnostics()) {
      fmt::print(stderr, "{}\n", diagnostic.to_string());
    }
    return kExitUsage;
  }
  const config::Config& loaded = *result.config();
  if (auto level = parse_log_level(config::to_string(loaded.appliance.log_level))) {
    apply_config_log_level(*level);
  }
  spdlog::debug("{}: valid, {} interfaces, {} services", loaded.source_path,
                loaded.interfaces.size(), loaded.services.size());
  for (const config::Service& service : loaded.services) {
    fmt::print("{}\n", config::summarize(service));
  }
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

void add_check_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* check = app.add_subcommand(
      "check", "Validate a configuration file and print one summary line per service");
  check->add_option("--config", options->config_path, "the TOML configuration file")->required();
  check->callback([options, &exit_code] { exit_code = run_check(*options); });
}

}  // namespace sluice::cli
