// `sluice run --config FILE [--mode dpdk|xdp]`: runs the appliance in the foreground.
// Spec: ../shared/spec/cli-console.md (exit 0 clean stop, 1 runtime failure, 2 config error).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <string>

#include "control/cli/commands.hpp"
#include "control/cli/logging.hpp"
#include "control/config/enum_names.hpp"
#include "control/config/load.hpp"
#include "control/runtime/appliance.hpp"
#if SLUICE_HAVE_XDP
#include "control/runtime/xdp_appliance.hpp"
#endif

namespace sluice::cli {
namespace {

struct RunOptions {
  std::string config_path;
  std::string mode;  // "", "dpdk" or "xdp"
};

int run_run(const RunOptions& options) {
  config::LoadOptions load_options;
  if (options.mode == "dpdk") load_options.mode_override = config::Mode::kDpdk;
  if (options.mode == "xdp") load_options.mode_override = config::Mode::kXdp;
  const config::LoadResult result = config::load_config(options.config_path, load_options);
  if (!result) {
    for (const config::Diagnostic& diagnostic : result.diagnostics()) {
      fmt::print(stderr, "{}\n", diagnostic.to_string());
    }
    return kExitUsage;
  }
  const std::shared_ptr<const config::Config>& loaded = result.config();
  if (auto level = parse_log_level(config::to_string(loaded->appliance.log_level))) {
    apply_config_log_level(*level);
  }
  if (loaded->appliance.mode == config::Mode::kXdp) {
#if SLUICE_HAVE_XDP
    return runtime::run_xdp_appliance(loaded, load_options);
#else
    fmt::print(stderr, "error: this build has no XDP datapath (libbpf or bpftool missing at build time)\n");
    return kExitFailure;
#endif
  }
  return runtime::run_dpdk_appliance(loaded, load_options);
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* run = app.add_subcommand("run", "Run the appliance in the foreground (logs to stderr)");
  run->add_option("--config", options->config_path, "the TOML configuration file")->required();
  run->add_option("--mode", options->mode, "datapath, overrides appliance.mode")
      ->check(CLI::IsMember({"dpdk", "xdp"}));
  run->callback([options, &exit_code] { exit_code = run_run(*options); });
}

}  // namespace sluice::cli
