#pragma once
// xdp mode's host path (host_path.hpp, docs/xdp.md "The kernel's part"): the kernel owns the
// interfaces, so the host's own connections (health probes) only need the appliance's
// addresses on them and routes to the backends. The XDP program passes no-flow frames to an
// own address's host port range up (XDP_PASS), and answers ARP/NDP for the addresses itself
// before the kernel sees the requests.
//
// What this object adds it removes when destroyed (clean stop, SIGTERM); addresses and routes
// that were already there are used and left alone. After a crash they stay, and the next run
// finds them present: it uses them and leaves them too (logged). Control thread only.
#include <string>
#include <utility>
#include <vector>

#include "control/config/config.hpp"
#include "control/runtime/host_path.hpp"

namespace sluice::runtime {

// One `ip` object the kernel needs: an address on a device, or a route.
struct KernelChange {
  enum class Kind { kAddress, kRoute };
  Kind kind = Kind::kAddress;
  std::string family;       // "-4" / "-6"
  std::string address;      // kAddress: "A/LEN" as the interface lists it
  std::string device;       // kAddress: the kernel device
  std::string destination;  // kRoute: "P/LEN"
  std::string gateway;      // kRoute: the next hop
  friend bool operator==(const KernelChange&, const KernelChange&) = default;
};

// Pure: every interface address on its kernel device with its prefix (the connected route
// comes with it; SNAT addresses are interface addresses by validation), and the [[routes]]
// through their gateways, so probes reach backends behind them.
std::vector<KernelChange> kernel_changes(const config::Config& config);

// The `ip` arguments that make / undo a change.
std::vector<std::string> add_arguments(const KernelChange& change);
std::vector<std::string> delete_arguments(const KernelChange& change);

class KernelAddresses final : public HostPath {
 public:
  // Applies kernel_changes(config); throws std::runtime_error naming the failed command.
  explicit KernelAddresses(const config::Config& config);
  ~KernelAddresses() override;
  KernelAddresses(const KernelAddresses&) = delete;
  KernelAddresses& operator=(const KernelAddresses&) = delete;

  // After a reload: routes the new config adds (interfaces cannot change without a restart;
  // nothing is removed while running).
  void sync_routes(const config::Config& config) override;

  // The kernel's addresses as (device, address), read once per batch of changes.
  using PresentAddresses = std::vector<std::pair<std::string, net::IpAddress>>;

 private:
  void apply(const KernelChange& change, bool must, const PresentAddresses& present);
  void undo() noexcept;

  std::vector<KernelChange> added_;  // ours to undo, in order of addition
};

}  // namespace sluice::runtime
