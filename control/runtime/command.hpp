#pragma once
// Runs a host tool (`ip`, `nft`) from the control thread and waits for it. The few kernel
// changes sluice makes are made with the tools an operator would use, so each one can be read
// and undone the same way by hand. Control thread only; never on a packet path.
#include <string>
#include <string_view>
#include <vector>

namespace sluice::runtime {

struct CommandResult {
  bool started = false;  // false: the program could not be run (not installed, no memory)
  int exit_status = -1;  // meaningful when started; -1 when killed by a signal
  std::string output;    // stdout and stderr together, as the tool printed them

  bool ok() const noexcept { return started && exit_status == 0; }
};

// Runs `program args...` (searched in PATH) with `input` on its standard input and collects
// what it prints. `input` must stay small (the whole text is written before the output is
// read; a pipe holds 64 KiB): these are rule sets and queries of a few hundred bytes.
CommandResult run_command(const std::string& program, const std::vector<std::string>& args,
                          std::string_view input = {});

// "program a b c" as an operator would type it (for messages).
std::string command_line(const std::string& program, const std::vector<std::string>& args);

}  // namespace sluice::runtime
