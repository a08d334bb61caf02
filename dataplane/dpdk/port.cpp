#include "dataplane/dpdk/port.hpp"

#include <array>

#include <fmt/format.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <spdlog/spdlog.h>

#include "dataplane/dpdk/dpdk_error.hpp"

namespace sluice::dpdk {
namespace {

[[noreturn]] void fail(const PortInfo& port, std::string_view what, int code) {
  throw DpdkError(fmt::format("interface {} ({}): {}: {}", port.interface, port.device, what,
                              rte_strerror(code < 0 ? -code : code)));
}

}  // namespace

PortInfo find_port(const DeviceSpec& device, std::uint16_t mtu) {
  PortInfo port;
  port.interface = device.interface;
  port.device = device.port_name;
  port.mtu = mtu;
  if (rte_eth_dev_get_port_by_name(device.port_name.c_str(), &port.port_id) != 0) {
    throw DpdkError(fmt::format(
        "interface {}: no DPDK port named '{}' (was the device probed? devargs: {})",
        device.interface, device.port_name, device.devargs));
  }
  rte_eth_dev_info info{};
  if (const int rc = rte_eth_dev_info_get(port.port_id, &info); rc != 0) {
    fail(port, "rte_eth_dev_info_get", rc);
  }
  port.driver = info.driver_name != nullptr ? info.driver_name : "";
  port.max_rx_queues = info.max_rx_queues;
  port.max_tx_queues = info.max_tx_queues;
  rte_ether_addr address{};
  if (const int rc = rte_eth_macaddr_get(port.port_id, &address); rc != 0) {
    fail(port, "rte_eth_macaddr_get", rc);
  }
  std::array<std::uint8_t, 6> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = address.addr_bytes[i];
  port.mac = net::MacAddress(bytes);
  return port;
}

void start_port(const PortInfo& port, const QueueLayout& layout, rte_mempool* pool) {
  rte_eth_dev_info info{};
  if (const int rc = rte_eth_dev_info_get(port.port_id, &info); rc != 0) {
    fail(port, "rte_eth_dev_info_get", rc);
  }
  rte_eth_conf conf{};
  // RSS keeps a client's 5-tuple on one queue; SNAT replies are steered in software.
  const std::uint64_t rss = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
                            info.flow_type_rss_offloads;
  if (layout.queues > 1 && rss != 0) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf = rss;
  }
  if (const int rc = rte_eth_dev_configure(port.port_id, layout.queues, layout.queues, &conf);
      rc != 0) {
    fail(port, fmt::format("rte_eth_dev_configure ({} queue pairs)", layout.queues), rc);
  }
  std::uint16_t rx_descriptors = layout.rx_descriptors;
  std::uint16_t tx_descriptors = layout.tx_descriptors;
  if (const int rc =
          rte_eth_dev_adjust_nb_rx_tx_desc(port.port_id, &rx_descriptors, &tx_descriptors);
      rc != 0) {
    fail(port, "rte_eth_dev_adjust_nb_rx_tx_desc", rc);
  }
  const auto socket = static_cast<unsigned>(rte_eth_dev_socket_id(port.port_id));
  for (std::uint16_t q = 0; q < layout.queues; ++q) {
    if (const int rc =
            rte_eth_rx_queue_setup(port.port_id, q, rx_descriptors, socket, nullptr, pool);
        rc != 0) {
      fail(port, fmt::format("rte_eth_rx_queue_setup({})", q), rc);
    }
    if (const int rc = rte_eth_tx_queue_setup(port.port_id, q, tx_descriptors, socket, nullptr);
        rc != 0) {
      fail(port, fmt::format("rte_eth_tx_queue_setup({})", q), rc);
    }
  }
  if (const int rc = rte_eth_dev_set_mtu(port.port_id, port.mtu); rc == -ENOTSUP) {
    spdlog::warn("interface {}: driver {} cannot set the MTU; using its default", port.interface,
                 port.driver);
  } else if (rc != 0) {
    fail(port, fmt::format("rte_eth_dev_set_mtu({})", port.mtu), rc);
  }
  if (const int rc = rte_eth_promiscuous_enable(port.port_id); rc != 0 && rc != -ENOTSUP) {
    fail(port, "rte_eth_promiscuous_enable", rc);
  }
  if (const int rc = rte_eth_dev_start(port.port_id); rc != 0) fail(port, "rte_eth_dev_start", rc);
  spdlog::info("interface {}: port {} ({}, {}), MAC {}, MTU {}, {} queue pair(s), {}/{} descriptors",
               port.interface, port.port_id, port.device, port.driver, port.mac.to_string(),
               port.mtu, layout.queues, rx_descriptors, tx_descriptors);
}

void stop_port(const PortInfo& port) noexcept {
  if (const int rc = rte_eth_dev_stop(port.port_id); rc != 0) {
    spdlog::warn("interface {}: rte_eth_dev_stop: {}", port.interface, rte_strerror(-rc));
  }
}

void close_port(const PortInfo& port) noexcept {
  if (const int rc = rte_eth_dev_close(port.port_id); rc != 0) {
    spdlog::warn("interface {}: rte_eth_dev_close: {}", port.interface, rte_strerror(-rc));
  }
}

}  // namespace sluice::dpdk
