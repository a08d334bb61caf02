#include "control/runtime/command.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

extern char** environ;

namespace sluice::runtime {
namespace {

// Both ends close-on-exec, so a child never inherits the other end of another pipe.
bool make_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC) == 0; }

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the tool closed its input: it says why in its output
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string read_all(int fd) {
  std::string text;
  char chunk[4096];
  for (;;) {
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return text;
    text.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace

CommandResult run_command(const std::string& program, const std::vector<std::string>& args,
                          std::string_view input) {
  CommandResult result;
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  if (!make_pipe(in)) return result;
  if (!make_pipe(out)) {
    close(in[0]);
    close(in[1]);
    return result;
  }
  std::vector<std::string> copies = args;
  std::string name = program;
  std::vector<char*> argv{name.data()};
  for (std::string& arg : copies) argv.push_back(arg.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, out[1], 2);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  close(out[1]);
  if (rc != 0) {
    close(in[1]);
    close(out[0]);
    result.output = "cannot run " + program;
    return result;
  }
  result.started = true;
  write_all(in[1], input);
  close(in[1]);
  result.output = read_all(out[0]);
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string command_line(const std::string& program, const std::vector<std::string>& args) {
  std::string text = program;
  for (const std::string& arg : args) text += " " + arg;
  return text;
}

}  // namespace sluice::runtime
