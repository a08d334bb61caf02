#include "control/cli/logging.hpp"

#include <array>
#include <utility>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace sluice::cli {

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name) noexcept {
  static constexpr std::array<std::pair<std::string_view, spdlog::level::level_enum>, 5> kLevels{{
      {"trace", spdlog::level::trace},
      {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},
      {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},
  }};
  for (const auto& [text, level] : kLevels) {
    if (text == name) return level;
  }
  return std::nullopt;
}

void init_logging(spdlog::level::level_enum level) {
  auto logger = spdlog::stderr_color_mt("sluice");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->set_level(level);
  spdlog::set_default_logger(std::move(logger));
}

namespace {
bool g_level_from_command_line = false;  // written only by the main thread during parsing
}  // namespace

void override_log_level(spdlog::level::level_enum level) {
  g_level_from_command_line = true;
  spdlog::set_level(level);
}

void apply_config_log_level(spdlog::level::level_enum level) {
  if (!g_level_from_command_line) spdlog::set_level(level);
}

}  // namespace sluice::cli
