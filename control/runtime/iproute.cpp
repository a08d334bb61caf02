#include "control/runtime/iproute.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <stdexcept>

#include <fmt/format.h>

extern char** environ;

namespace sluice::runtime {

bool run_ip(const std::vector<std::string>& args) {
  std::vector<std::string> copies = args;
  std::string program = "ip";
  std::vector<char*> argv{program.data()};
  for (std::string& arg : copies) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, "ip", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return false;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string ip_command(const std::vector<std::string>& args) {
  std::string text = "ip";
  for (const std::string& arg : args) text += " " + arg;
  return text;
}

void must_ip(const std::vector<std::string>& args, const char* context) {
  if (run_ip(args)) return;
  throw std::runtime_error(fmt::format("{}: '{}' failed", context, ip_command(args)));
}

std::string family_flag(const net::IpAddress& address) { return address.is_v4() ? "-4" : "-6"; }

std::string host_prefix(const net::IpAddress& address) {
  return fmt::format("{}/{}", address.to_string(), address.is_v4() ? 32 : 128);
}

}  // namespace sluice::runtime
