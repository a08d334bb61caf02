// The kernel stand-off's pure part (control/runtime/standoff_plan.hpp): which DPDK ports the
// kernel sees too, the rule set that keeps it off them, and the record of a device's original
// settings that a run after a crash reads back.
#include <gtest/gtest.h>

#include <string>

#include "control/config/load.hpp"
#include "control/runtime/standoff_plan.hpp"

namespace sluice::runtime::standoff {
namespace {

TEST(KernelVisibleDevice, AfPacketAndLivePcapAreKernelVisible) {
  EXPECT_EQ(kernel_visible_device("net_af_packet0,iface=lb-front"), "lb-front");
  EXPECT_EQ(kernel_visible_device("net_af_packet1,qpairs=2,iface=eth1,blocksz=4096"), "eth1");
  EXPECT_EQ(kernel_visible_device("eth_af_packet3,iface=eth2"), "eth2");
  EXPECT_EQ(kernel_visible_device("net_pcap0,iface=eth3"), "eth3");
  EXPECT_EQ(kernel_visible_device("net_pcap0,rx_iface=eth4,tx_iface=eth5"), "eth4");
  EXPECT_EQ(kernel_visible_device("net_pcap0,rx_iface_in=eth6,tx_pcap=/tmp/x.pcap"), "eth6");
}

TEST(KernelVisibleDevice, EverythingElseNeedsNothing) {
  EXPECT_EQ(kernel_visible_device("0000:3b:00.0"), std::nullopt);  // PCI: no kernel netdev
  EXPECT_EQ(kernel_visible_device("3b:00.0,rxq_pkt_pad_en=1"), std::nullopt);
  EXPECT_EQ(kernel_visible_device("net_af_xdp0,iface=eth1"), std::nullopt);
  EXPECT_EQ(kernel_visible_device("net_ring0"), std::nullopt);
  EXPECT_EQ(kernel_visible_device("net_null0"), std::nullopt);
  EXPECT_EQ(kernel_visible_device("net_tap0,iface=dtap0"), std::nullopt);
  EXPECT_EQ(kernel_visible_device("net_pcap0,rx_pcap=/tmp/in.pcap,tx_pcap=/tmp/out.pcap"),
            std::nullopt);
  EXPECT_EQ(kernel_visible_device("net_pcap0,tx_iface=eth1"), std::nullopt);  // transmit only
  EXPECT_EQ(kernel_visible_device("net_af_packet0"), std::nullopt);  // no iface: EAL refuses it
  EXPECT_EQ(kernel_visible_device("net_af_packet0,iface="), std::nullopt);
  EXPECT_EQ(kernel_visible_device(""), std::nullopt);
}

TEST(KernelVisiblePorts, OnePerDeviceInInterfaceOrder) {
  const config::LoadResult result = config::parse_config(R"(
[[interfaces]]
name = "front"
dpdk = "net_af_packet0,iface=lb-front"
addresses = ["10.10.0.1/24"]
[[interfaces]]
name = "back"
dpdk = "0000:3b:00.0"
addresses = ["10.20.0.1/24"]
[[interfaces]]
name = "mgmt"
dpdk = "net_pcap0,iface=lb-mgmt"
addresses = ["10.30.0.1/24"]
[[services]]
name = "web"
vip = "10.10.0.100"
port = 80
[[services.backends]]
address = "10.20.0.2"
port = 8080
)", "t.toml");
  ASSERT_TRUE(result.ok());
  const std::vector<KernelPort> ports = kernel_visible_ports(*result.config());
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(ports[0].interface, "front");
  EXPECT_EQ(ports[0].device, "lb-front");
  EXPECT_EQ(ports[1].interface, "mgmt");
  EXPECT_EQ(ports[1].device, "lb-mgmt");
}

TEST(DeviceOriginal, EncodesAndDecodesBack) {
  DeviceOriginal original;
  original.knob(Knob::kDisableIpv6) = 0;
  original.offloads_on.insert(Offload::kRx);
  original.offloads_on.insert(Offload::kTx);
  original.offloads_on.insert(Offload::kGro);
  const std::string text = encode_original("lb-front", original);
  EXPECT_EQ(text, "restore device=lb-front disable_ipv6=0 offloads=rx,tx,gro");
  EXPECT_LT(text.size(), 128u);  // nft keeps at most 127 bytes of a comment
  const auto decoded = decode_original(text);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->device, "lb-front");
  EXPECT_EQ(decoded->original, original);

  DeviceOriginal bare;  // a kernel without IPv6, every offload already off
  EXPECT_EQ(encode_original("eth1", bare), "restore device=eth1 offloads=none");
  EXPECT_EQ(decode_original("restore device=eth1 offloads=none")->original, bare);

  DeviceOriginal all;  // the longest record: every knob, every offload, a 15-byte name
  for (Knob knob : kKnobs) all.knob(knob) = 1;
  for (Offload offload : kOffloads) all.offloads_on.insert(offload);
  const std::string longest = encode_original("abcdefghijklmno", all);
  EXPECT_LT(longest.size(), 128u) << longest;
  EXPECT_EQ(decode_original(longest)->original, all);
}

TEST(DeviceOriginal, RefusesWhatItDoesNotKnow) {
  EXPECT_EQ(decode_original(""), std::nullopt);
  EXPECT_EQ(decode_original("keep device=a offloads=rx"), std::nullopt);
  EXPECT_EQ(decode_original("restore offloads=rx"), std::nullopt);  // no device
  EXPECT_EQ(decode_original("restore device=a disable_ipv6=0"), std::nullopt);  // no offloads
  EXPECT_EQ(decode_original("restore device=a disable_ipv6=2 offloads=rx"), std::nullopt);
  EXPECT_EQ(decode_original("restore device=a arp_ignore=9 offloads=rx"), std::nullopt);
  EXPECT_EQ(decode_original("restore device=a offloads=rx,warp"), std::nullopt);
  EXPECT_EQ(decode_original("restore device=a offloads=rx mtu=9000"), std::nullopt);
  EXPECT_EQ(decode_original("restore device=a\"b offloads=rx"), std::nullopt);
}

TEST(Stance, DpdkDropsIngressAndIpv6XdpKeepsTheDeviceButNoArpOrLinkLocal) {
  const Stance dpdk = dpdk_stance();
  EXPECT_TRUE(dpdk.drop_ingress);
  EXPECT_FALSE(dpdk.flush_link_local);
  EXPECT_EQ(dpdk.knobs, (std::vector<std::pair<Knob, int>>{{Knob::kDisableIpv6, 1}}));
  const Stance xdp = xdp_stance();
  EXPECT_FALSE(xdp.drop_ingress);  // the kernel carries the host's own probes in xdp mode
  EXPECT_TRUE(xdp.flush_link_local);
  EXPECT_EQ(xdp.knobs, (std::vector<std::pair<Knob, int>>{{Knob::kArpIgnore, 8},
                                                          {Knob::kAddrGenMode, 1}}));
  EXPECT_EQ(knob_path(Knob::kArpIgnore, "lb-front"), "/proc/sys/net/ipv4/conf/lb-front/arp_ignore");
  EXPECT_EQ(knob_path(Knob::kAddrGenMode, "x"), "/proc/sys/net/ipv6/conf/x/addr_gen_mode");
}

TEST(SafeDeviceName, AcceptsLinuxNamesAndRefusesRuleBreakers) {
  EXPECT_TRUE(safe_device_name("lb-front"));
  EXPECT_TRUE(safe_device_name("eth0.100"));
  EXPECT_TRUE(safe_device_name("enp59s0f1np1"));
  EXPECT_FALSE(safe_device_name(""));
  EXPECT_FALSE(safe_device_name("a-very-long-name-x"));  // 18 > 15 bytes
  EXPECT_FALSE(safe_device_name("x\" ; flush ruleset"));
  EXPECT_FALSE(safe_device_name("a b"));
  EXPECT_FALSE(safe_device_name("../x"));
}

TEST(Ruleset, ReplacesTheTableAtomicallyWithOneChainPerDevice) {
  DeviceOriginal original;
  original.knob(Knob::kDisableIpv6) = 0;
  original.offloads_on.insert(Offload::kGro);
  const std::string rules =
      replace_ruleset({{"lb-front", original, true}, {"lb-back", {}, false}}, 4242);
  EXPECT_EQ(rules,
            "table netdev sluice_standoff\n"
            "delete table netdev sluice_standoff\n"
            "table netdev sluice_standoff {\n"
            "  comment \"sluice pid 4242: what it asks of the kernel on its ports "
            "(docs/dpdk.md)\"\n"
            "  chain port0 {\n"
            "    comment \"restore device=lb-front disable_ipv6=0 offloads=gro\"\n"
            "    type filter hook ingress device \"lb-front\" priority -500; policy drop;\n"
            "  }\n"
            "  chain port1 {\n"  // xdp mode: a record, hooked nowhere
            "    comment \"restore device=lb-back offloads=none\"\n"
            "  }\n"
            "}\n");
  EXPECT_EQ(delete_ruleset(), "delete table netdev sluice_standoff\n");
}

// What `nft list table netdev sluice_standoff` (nftables 1.0.6) prints for such a table.
constexpr const char* kListing =
    "table netdev sluice_standoff {\n"
    "\tcomment \"sluice pid 4242: what it asks of the kernel on its ports (docs/dpdk.md)\"\n"
    "\tchain port0 {\n"
    "\t\tcomment \"restore device=lb-front disable_ipv6=0 offloads=gro\"\n"
    "\t\ttype filter hook ingress device \"lb-front\" priority -500; policy drop;\n"
    "\t}\n"
    "\n"
    "\tchain port1 {\n"
    "\t\tcomment \"something else\"\n"
    "\t\ttype filter hook ingress device \"lb-back\" priority -500; policy drop;\n"
    "\t}\n"
    "\n"
    "\tchain port2 {\n"
    "\t\tcomment \"restore device=eth7 arp_ignore=0 addr_gen_mode=0 offloads=rx\"\n"
    "\t}\n"
    "}\n";

TEST(Listing, ReadsTheOwnerAndEachDevicesRecord) {
  const auto leftover = parse_listing(kListing);
  ASSERT_TRUE(leftover);
  EXPECT_EQ(leftover->owner_pid, 4242);
  ASSERT_EQ(leftover->chains.size(), 2u);
  EXPECT_EQ(leftover->chains[0].device, "lb-front");
  EXPECT_TRUE(leftover->chains[0].drop_ingress);
  EXPECT_EQ(leftover->chains[0].original.knob(Knob::kDisableIpv6), 0);
  EXPECT_TRUE(leftover->chains[0].original.offloads_on.contains(Offload::kGro));
  EXPECT_FALSE(leftover->chains[0].original.offloads_on.contains(Offload::kRx));
  EXPECT_EQ(leftover->chains[1].device, "eth7");
  EXPECT_FALSE(leftover->chains[1].drop_ingress);
  EXPECT_EQ(leftover->chains[1].original.knob(Knob::kArpIgnore), 0);
  EXPECT_EQ(leftover->chains[1].original.knob(Knob::kAddrGenMode), 0);
  ASSERT_EQ(leftover->unreadable.size(), 1u);  // its record is not ours: left as it is
  EXPECT_EQ(leftover->unreadable[0], "lb-back");
}

TEST(Listing, RoundTripsWhatTheRulesetWrites) {
  DeviceOriginal original;
  original.knob(Knob::kDisableIpv6) = 1;
  original.offloads_on.insert(Offload::kTso);
  const auto leftover = parse_listing(replace_ruleset({{"eth9", original, true}}, 7));
  ASSERT_TRUE(leftover);  // the text form parses as nft's listing does (spaces, not tabs)
  EXPECT_EQ(leftover->owner_pid, 7);
  ASSERT_EQ(leftover->chains.size(), 1u);
  EXPECT_EQ(leftover->chains[0].device, "eth9");
  EXPECT_EQ(leftover->chains[0].original, original);
}

TEST(Listing, NoTableIsNoLeftover) {
  EXPECT_EQ(parse_listing(""), std::nullopt);
  EXPECT_EQ(parse_listing("table netdev other {\n}\n"), std::nullopt);
}

}  // namespace
}  // namespace sluice::runtime::standoff
