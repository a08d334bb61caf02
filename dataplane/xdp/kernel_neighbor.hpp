#pragma once
// The kernel's neighbour table, read the way the XDP program reads it with bpf_fib_lookup
// (BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_OUTPUT on the egress device): the entry for one
// address on one device, usable when its state is NUD_VALID. One RTM_GETNEIGH request over
// rtnetlink (kernel >= 4.20); the header timer uses it for frames the program never holds.
#include <cstdint>
#include <optional>

#include "dataplane/net/address.hpp"

namespace sluice::xdp {

// The MAC of `address` on device `ifindex`, or nullopt (no entry, not valid, netlink error).
std::optional<net::MacAddress> kernel_neighbor(std::uint32_t ifindex, const net::IpAddress& address);

}  // namespace sluice::xdp
