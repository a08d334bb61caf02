#include "control/cli/commands.hpp"
namespace sluice::cli {
void add_pp2_commands(CLI::App&, int&) {}  // replaced by the PROXY codec work
}  // namespace sluice::cli
