#pragma once
// The link state of a kernel netdev that a DPDK vdev reads from (net_af_packet, net_pcap on an
// interface). Those PMDs fix their link status at start ("up"), so `show interfaces` and
// /metrics said "up" while the peer's link was down (docs/reliability.md "Findings"); the
// kernel knows better. Read on the control thread only (stats snapshots), never per packet.
#include <optional>
#include <string>

namespace sluice::dpdk {

// True when `device` is administratively up and running (IFF_UP and IFF_RUNNING: the carrier
// is on, RFC 2863 operational state "up"; a veth whose peer is down is not running), false when
// not, nullopt when the device cannot be asked about (it is gone from this network namespace).
std::optional<bool> kernel_link_running(const std::string& device);

}  // namespace sluice::dpdk
