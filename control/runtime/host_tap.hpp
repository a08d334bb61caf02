#pragma once
// The exception path of dpdk mode (docs/health.md): in dpdk mode the kernel does not own the
// NICs, so the host's own connections (health probes) need a way out. A TUN device
// ("sluice-host") carries the appliance's addresses and the routes of its connected subnets;
// what the kernel sends into it is handed to worker 0 to route out of the right port, and
// what arrives for the host port range (pipeline Limits) comes back up through it. The kernel
// then runs real TCP for the probes, so the health checker is plain sockets in both modes.
//
// The device lives as long as this object's file descriptor: a crash removes it, and its
// addresses and routes with it. Control thread only.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "control/config/config.hpp"
#include "control/runtime/host_path.hpp"
#include "dataplane/dpdk/datapath.hpp"

namespace sluice::runtime {

struct HostTapCounters {
  std::uint64_t to_datapath = 0;       // packets from the kernel handed to worker 0
  std::uint64_t to_datapath_dropped = 0;
  std::uint64_t ignored = 0;           // multicast and other packets the appliance never routes
  std::uint64_t to_kernel = 0;         // frames from the workers written to the device
  std::uint64_t to_kernel_dropped = 0;
};

class HostTap final : public HostPath {
 public:
  static constexpr const char* kDeviceName = "sluice-host";

  // Creates and configures the device. Throws std::runtime_error saying what failed.
  HostTap(boost::asio::io_context& io, dpdk::DpdkDatapath& datapath, const config::Config& config);
  ~HostTap() override;
  HostTap(const HostTap&) = delete;
  HostTap& operator=(const HostTap&) = delete;

  void start() override;
  void stop() override;
  // Host routes for backends outside the connected subnets, so probes reach them too (after a
  // reload: new backends). Failures are logged, not thrown.
  void sync_routes(const config::Config& config) override;

  const HostTapCounters& counters() const noexcept { return counters_; }

 private:
  void read_next();
  void drain_next();

  boost::asio::io_context& io_;
  dpdk::DpdkDatapath& datapath_;
  boost::asio::posix::stream_descriptor device_;
  boost::asio::steady_timer drain_timer_;
  std::array<std::uint8_t, 65536> read_buffer_{};
  std::vector<std::string> routed_;  // "ip route" destinations added, to skip repeats
  HostTapCounters counters_;
  bool stopped_ = false;
};

}  // namespace sluice::runtime
