#pragma once
// The kernel stand-off, effectful part (standoff_plan.hpp says what and why; docs/dpdk.md).
// While this object lives, the given devices are as the stance says (dpdk: the kernel
// processes none of their ingress frames, runs no IPv6 on them; xdp: it answers no ARP and
// has no link-local address), and the kernel coalesces nothing the datapath reads. Everything it changed is put back
// when it is destroyed (clean stop, SIGTERM, a failed start). After a SIGKILL the nftables
// table stays, with the devices' original values in its chain comments: the next run restores
// those (for devices it no longer drives) or keeps them as the values to restore (for those it
// drives again), then replaces the table. Control thread only.
#include <string>
#include <vector>

#include "control/runtime/standoff_plan.hpp"

namespace sluice::runtime {

class KernelStandoff {
 public:
  // Throws std::runtime_error saying what failed (nothing is left changed then): `nft` missing
  // or refusing, a device that does not exist, another live sluice holding the table.
  KernelStandoff(std::vector<standoff::KernelPort> ports, standoff::Stance stance);
  ~KernelStandoff();
  KernelStandoff(const KernelStandoff&) = delete;
  KernelStandoff& operator=(const KernelStandoff&) = delete;

 private:
  struct Held {
    standoff::KernelPort port;
    standoff::DeviceOriginal original;  // what the destructor puts back
  };

  // The originals an earlier, dead run recorded for our devices; its other devices restored.
  std::vector<standoff::ChainSpec> adopt_leftover(
      const std::vector<standoff::KernelPort>& ports) const;
  void install_table();
  void apply(const Held& held) const;
  void undo() noexcept;

  standoff::Stance stance_;
  std::vector<Held> held_;
  bool table_installed_ = false;
};

// Puts one device back to `original` (the restore a run does for what it changed, and the
// next run does for a dead run's devices). Failures are logged.
void restore_device(const std::string& device, const standoff::DeviceOriginal& original) noexcept;

}  // namespace sluice::runtime
