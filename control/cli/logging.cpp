#include "control/cli/logging.hpp"

#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>

#include <spdlog/pattern_formatter.h>
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

namespace {

// "<N>" before each line, N the syslog priority of the level (sd-daemon(3)): journald reads it
// from a service's stderr and files the line at that priority, so `journalctl -p warning`
// works; its own timestamp makes sluice's redundant there.
class SyslogPriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&,
              spdlog::memory_buf_t& destination) override {
    static constexpr std::array<std::string_view, 7> kPriority{
        "<7>", "<7>", "<6>", "<4>", "<3>", "<2>", "<6>"};  // trace..critical, off
    const std::string_view text = kPriority[static_cast<std::size_t>(message.level)];
    destination.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SyslogPriorityFlag>();
  }
};

}  // namespace

bool stderr_is_journal() {
  // systemd sets JOURNAL_STREAM=DEVICE:INODE of the stream it connected (systemd.exec(5));
  // a child whose stderr was redirected elsewhere keeps the variable but not the stream.
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  struct stat status {};
  if (fstat(fileno(stderr), &status) != 0) return false;
  unsigned long long device = 0;
  unsigned long long inode = 0;
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  return device == status.st_dev && inode == status.st_ino;
}

void init_logging(spdlog::level::level_enum level) {
  auto logger = spdlog::stderr_color_mt("sluice");
  if (stderr_is_journal()) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("%*%v");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  }
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
