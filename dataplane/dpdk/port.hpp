#pragma once
// One configured interface as a DPDK ethdev port: lookup by device name after EAL probed the
// devices, then configure (queues, MTU, promiscuous), start, stop and close.
#include <cstdint>
#include <string>

#include "dataplane/dpdk/eal_plan.hpp"
#include "dataplane/net/address.hpp"

struct rte_mempool;

namespace sluice::dpdk {

struct PortInfo {
  std::string interface;  // the config's name
  std::string device;     // the ethdev name
  std::uint16_t port_id = 0;
  std::string driver;
  net::MacAddress mac;
  std::uint16_t max_rx_queues = 0;
  std::uint16_t max_tx_queues = 0;
  std::uint16_t mtu = 1500;
  std::string kernel_device;  // InterfaceSettings::kernel_device: part of the link state
};

// Finds the probed port of `device`; throws DpdkError when EAL did not create it.
PortInfo find_port(const DeviceSpec& device, std::uint16_t mtu);

struct QueueLayout {
  std::uint16_t queues = 1;          // RX and TX queue pairs
  std::uint16_t rx_descriptors = 1024;
  std::uint16_t tx_descriptors = 1024;
};

// Configures `queues` RX/TX pairs (RSS over IP/TCP/UDP where the device hashes), sets the MTU,
// enables promiscuous mode and starts the port. Throws DpdkError.
void start_port(const PortInfo& port, const QueueLayout& layout, rte_mempool* pool);

// Stops the port (its counters stay readable); failures are only logged (shutdown goes on).
void stop_port(const PortInfo& port) noexcept;
// Closes a port (after stop_port); failures are only logged.
void close_port(const PortInfo& port) noexcept;

}  // namespace sluice::dpdk
