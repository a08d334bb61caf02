#pragma once
// Every `sluice` subcommand registers itself on the top-level CLI11 app. A subcommand's callback
// stores the process exit code in `exit_code` (spec: ../shared/spec/cli-console.md, exit column).
#include <CLI/CLI.hpp>

namespace sluice::cli {

// Exit codes shared by every command (spec cli-console.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;   // runtime failure; `pp2 decode`: invalid header
inline constexpr int kExitUsage = 2;     // bad options or invalid configuration

void add_pp2_commands(CLI::App& app, int& exit_code);
void add_check_command(CLI::App& app, int& exit_code);
void add_run_command(CLI::App& app, int& exit_code);

}  // namespace sluice::cli
