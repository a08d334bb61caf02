#pragma once
#include <optional>
#include <string_view>

#include <spdlog/common.h>

namespace sluice::cli {

// Parses "trace|debug|info|warn|error" (the config's and --log-level's vocabulary).
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name) noexcept;

// Is stderr the journal stream systemd gave this service ($JOURNAL_STREAM matches it)?
bool stderr_is_journal();

// Installs the process-wide stderr logger (spec: `sluice run` logs to stderr). Under systemd
// (stderr_is_journal) each line starts with its syslog priority, "<6>", and has no timestamp.
void init_logging(spdlog::level::level_enum level);

// `--log-level` on the command line: sets the level and makes later config levels ignored.
void override_log_level(spdlog::level::level_enum level);

// A config file's log_level: applied unless --log-level was given.
void apply_config_log_level(spdlog::level::level_enum level);

}  // namespace sluice::cli
