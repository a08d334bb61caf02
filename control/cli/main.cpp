// `sluice`: the appliance's single binary. Subcommands live in control/cli/*_command.cpp.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "control/cli/commands.hpp"
#include "control/cli/logging.hpp"
#include "dataplane/version.hpp"

int main(int argc, char** argv) {
  using namespace sluice::cli;
  CLI::App app{"sluice: L4 load balancer with packet-level PROXY protocol insertion", "sluice"};
  app.set_version_flag("--version", std::string(sluice::version()));
  app.require_subcommand(1);

  // Logging exists before any subcommand runs; --log-level is applied as soon as it is parsed so
  // that it wins over a config file's log_level (see apply_config_log_level).
  init_logging(spdlog::level::info);
  app.add_option_function<std::string>(
         "--log-level", [](const std::string& name) { override_log_level(*parse_log_level(name)); },
         "trace|debug|info|warn|error (overrides the config)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->trigger_on_parse();

  int exit_code = kExitOk;
  add_pp2_commands(app, exit_code);
  add_check_command(app, exit_code);
  add_run_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and usage hint on stderr
    return kExitUsage;
  }
  return exit_code;
}
