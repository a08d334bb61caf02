#pragma once
// iproute2 from the control thread: the few kernel changes sluice makes (host path device,
// kernel addresses in xdp mode) are `ip` commands, so an operator can read and undo each one
// the same way. Control thread only; never on a packet path.
#include <string>
#include <vector>

#include "dataplane/net/address.hpp"

namespace sluice::runtime {

// "ip ARGS..." as an operator would type it (for messages).
std::string ip_command(const std::vector<std::string>& args);
// Runs `ip ARGS...`, output discarded; true on exit status 0.
bool run_ip(const std::vector<std::string>& args);
// The same, throwing std::runtime_error("CONTEXT: 'ip ARGS' failed") otherwise.
void must_ip(const std::vector<std::string>& args, const char* context);
// "-4" or "-6".
std::string family_flag(const net::IpAddress& address);
// "A/32" or "A/128".
std::string host_prefix(const net::IpAddress& address);

}  // namespace sluice::runtime
