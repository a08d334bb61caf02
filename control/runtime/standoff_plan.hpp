#pragma once
// The kernel stand-off, pure part (docs/dpdk.md "The kernel stand-off"): which of dpdk mode's
// ports the kernel also sees, what sluice changes on them, and how the change is recorded in
// the kernel itself so that a run after a crash can put the host back as it was.
//
// A `net_af_packet` (or `net_pcap` on a live interface) port reads a *copy* of each frame from
// a socket tap; the kernel still processes the original. The kernel owns the appliance's
// addresses on the host-path TUN device (docs/health.md), so it would answer backends'
// SYN-ACKs with resets, ARP requests with its own MAC and send IPv6 router solicitations and
// MLD reports from the port. And the kernel coalesces received frames (GRO/LRO) before the tap:
// the PMD would read frames larger than the MTU. While sluice runs, each such device gets
//   - an nftables netdev ingress chain with policy drop, in one table named kTable: the tap
//     runs before the ingress hook, so the PMD still reads every frame, and the kernel none;
//   - net.ipv6.conf.DEV.disable_ipv6 = 1: no link-local address, no RS/MLD/DAD from the kernel;
//   - the offloads of kOffloads off (ethtool -K DEV rx off tx off tso off gso off gro off lro off).
// xdp mode asks less (xdp_stance()). In both modes one chain per device of the table holds,
// in its comment, the values the device had before, so that the next run, after a SIGKILL,
// restores those and not the ones the dead run left (an xdp device's chain has no hook: it is
// the record alone).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/config/config.hpp"

namespace sluice::runtime::standoff {

// The nftables table (family netdev) that holds one ingress chain per port.
inline constexpr std::string_view kTable = "sluice_standoff";
// Before any other netdev ingress chain an operator may have: nothing of the kernel's runs first.
inline constexpr int kIngressPriority = -500;

// The offloads sluice turns off, by their `ethtool -K` names.
enum class Offload : std::uint8_t { kRx, kTx, kTso, kGso, kGro, kLro };
inline constexpr Offload kOffloads[] = {Offload::kRx,  Offload::kTx,  Offload::kTso,
                                        Offload::kGso, Offload::kGro, Offload::kLro};
std::string_view offload_name(Offload offload) noexcept;
std::optional<Offload> offload_from_name(std::string_view name) noexcept;

// A set of offloads, one bit per Offload.
class OffloadSet {
 public:
  void insert(Offload offload) noexcept { bits_ |= bit(offload); }
  void erase(Offload offload) noexcept { bits_ &= static_cast<std::uint8_t>(~bit(offload)); }
  bool contains(Offload offload) const noexcept { return (bits_ & bit(offload)) != 0; }
  bool empty() const noexcept { return bits_ == 0; }
  // "rx,tx,gro" in kOffloads order; "none" when empty.
  std::string to_string() const;
  friend bool operator==(OffloadSet, OffloadSet) = default;

 private:
  static std::uint8_t bit(Offload offload) noexcept {
    return static_cast<std::uint8_t>(1u << static_cast<unsigned>(offload));
  }
  std::uint8_t bits_ = 0;
};

// The per-device sysctls a stance sets (net.ipv{4,6}.conf.DEV.NAME).
enum class Knob : std::uint8_t { kDisableIpv6, kArpIgnore, kAddrGenMode };
inline constexpr Knob kKnobs[] = {Knob::kDisableIpv6, Knob::kArpIgnore, Knob::kAddrGenMode};
inline constexpr std::size_t kKnobCount = 3;
std::string_view knob_name(Knob knob) noexcept;  // "disable_ipv6", "arp_ignore", "addr_gen_mode"
std::string knob_path(Knob knob, std::string_view device);  // under /proc/sys/net

// What sluice asks of the kernel on one of its devices while it runs.
struct Stance {
  bool drop_ingress = false;  // an nft netdev ingress chain with policy drop
  std::vector<std::pair<Knob, int>> knobs;  // sysctls and the value they get
  bool flush_link_local = false;  // remove the fe80:: addresses (addr_gen_mode stops new ones)
};
// dpdk mode, a kernel-visible vdev: the kernel processes none of the port's frames
// (ingress dropped after the PMD's tap) and runs no IPv6 on it (no RS, MLD, DAD, NDP).
Stance dpdk_stance();
// xdp mode: the kernel keeps the device (it carries the host's own probes, docs/xdp.md) but
// never answers ARP itself (arp_ignore = 8: the program answers for the appliance's
// addresses) and has no link-local address (addr_gen_mode = 1, none): it neither solicits
// routers nor reports multicast, and its neighbour solicitations leave from the appliance's
// own addresses, whose answers the program passes up.
Stance xdp_stance();

// What a kernel device had before sluice changed it: what a stop restores.
struct DeviceOriginal {
  std::array<std::optional<int>, kKnobCount> knobs;  // nullopt: not changed (or absent)
  OffloadSet offloads_on;  // of kOffloads, those that were on (sluice turned them off)
  std::optional<int>& knob(Knob k) noexcept { return knobs[static_cast<std::size_t>(k)]; }
  const std::optional<int>& knob(Knob k) const noexcept {
    return knobs[static_cast<std::size_t>(k)];
  }
  friend bool operator==(const DeviceOriginal&, const DeviceOriginal&) = default;
};

// "restore device=DEV disable_ipv6=0 offloads=rx,tx,gro" (a chain comment: at most 127
// bytes) and back.
std::string encode_original(std::string_view device, const DeviceOriginal& original);
struct DecodedOriginal {
  std::string device;
  DeviceOriginal original;
};
std::optional<DecodedOriginal> decode_original(std::string_view comment);

// One DPDK port whose frames the kernel sees too.
struct KernelPort {
  std::string interface;  // [[interfaces]] name
  std::string device;     // the kernel netdev the PMD reads from
};

// The kernel netdev a vdev devargs string receives from, when the kernel processes the same
// frames: `net_af_packetN,iface=DEV` and `net_pcapN,iface=DEV` / `rx_iface=DEV` /
// `rx_iface_in=DEV` (also their `eth_` aliases). nullopt for everything else: PCI devices
// (bound to a DPDK driver, the kernel has no netdev), `net_af_xdp` (the XDP program hands the
// frames to the socket, not to the kernel), and the kernel-free vdevs (`net_ring`, `net_null`,
// `net_pcap` on files, `net_tap`, which makes its own device).
std::optional<std::string> kernel_visible_device(std::string_view devargs);

// The ports of a configuration that need the stand-off, in interface order, one per device.
std::vector<KernelPort> kernel_visible_ports(const config::Config& config);
// xdp mode: every interface's kernel device.
std::vector<KernelPort> xdp_ports(const config::Config& config);

// A netdev name nft and the sysctl tree accept as it is (Linux names: 1-15 bytes, no '/',
// no whitespace); quotes and other punctuation are refused so a rule set cannot be broken.
bool safe_device_name(std::string_view name) noexcept;

// The `nft -f -` input that replaces the table atomically (add, delete, define in one
// transaction: whatever an earlier run left is gone in the same step).
struct ChainSpec {
  std::string device;
  DeviceOriginal original;
  bool drop_ingress = false;  // hooked at the device's ingress; otherwise a record only
};
std::string replace_ruleset(const std::vector<ChainSpec>& chains, long owner_pid);
// The `nft -f -` input that removes the table (a no-op error when it is absent).
std::string delete_ruleset();

// What `nft list table netdev sluice_standoff` shows of an earlier run.
struct Leftover {
  std::optional<long> owner_pid;  // from the table comment
  std::vector<ChainSpec> chains;  // devices whose comment could be read
  std::vector<std::string> unreadable;  // devices whose comment could not (restored as-is)
};
std::optional<Leftover> parse_listing(std::string_view listing);

}  // namespace sluice::runtime::standoff
