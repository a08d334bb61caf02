#pragma once
// The host's own connections (health probes, docs/health.md) need the kernel to own the
// appliance's addresses and reach the backends. How depends on the mode: in dpdk mode a TUN
// device carried by worker 0 (host_tap.hpp); in xdp mode the kernel already owns the links and
// only needs the addresses (kernel_addresses.hpp). The control thread sees this interface.
#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "control/config/config.hpp"

namespace sluice::runtime {

class HostPath {
 public:
  virtual ~HostPath() = default;
  virtual void start() {}
  virtual void stop() {}
  // After a reload: what the new config's probes need (routes to new backends).
  virtual void sync_routes(const config::Config& config) = 0;
};

// Builds the mode's host path; throws std::runtime_error saying what failed.
using HostPathFactory =
    std::function<std::unique_ptr<HostPath>(boost::asio::io_context&, const config::Config&)>;

}  // namespace sluice::runtime
