#include "control/runtime/iproute.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "control/runtime/command.hpp"

namespace sluice::runtime {

bool run_ip(const std::vector<std::string>& args) { return run_command("ip", args).ok(); }

std::string ip_command(const std::vector<std::string>& args) { return command_line("ip", args); }

void must_ip(const std::vector<std::string>& args, const char* context) {
  if (run_ip(args)) return;
  throw std::runtime_error(fmt::format("{}: '{}' failed", context, ip_command(args)));
}

std::string family_flag(const net::IpAddress& address) { return address.is_v4() ? "-4" : "-6"; }

std::string host_prefix(const net::IpAddress& address) {
  return fmt::format("{}/{}", address.to_string(), address.is_v4() ? 32 : 128);
}

}  // namespace sluice::runtime
