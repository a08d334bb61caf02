// EAL argv and device specs built from the configuration, without EAL.
#include <gtest/gtest.h>

#include "dataplane/dpdk/eal_plan.hpp"

namespace sluice::dpdk {
namespace {

TEST(EalPlan, PciAddressForms) {
  EXPECT_TRUE(is_pci_address("0000:03:00.0"));
  EXPECT_TRUE(is_pci_address("03:00.1"));
  EXPECT_TRUE(is_pci_address("abcd:ef:1f.7"));
  EXPECT_FALSE(is_pci_address("03:00.8"));       // function is 0-7
  EXPECT_FALSE(is_pci_address("0000:03:00"));    // no function
  EXPECT_FALSE(is_pci_address("000:03:00.0"));   // 3-digit domain
  EXPECT_FALSE(is_pci_address("0000:0g:00.0"));  // not hex
  EXPECT_FALSE(is_pci_address("net_ring0"));
  EXPECT_FALSE(is_pci_address(""));
}

TEST(EalPlan, DeviceNameIsBeforeTheFirstComma) {
  EXPECT_EQ(device_name("net_af_packet0,iface=lb-front,qpairs=2"), "net_af_packet0");
  EXPECT_EQ(device_name("net_null0"), "net_null0");
  EXPECT_EQ(device_name("0000:03:00.0,rxq_pkt_pad_en=1"), "0000:03:00.0");
  EXPECT_EQ(device_name(""), "");
}

TEST(EalPlan, AfPacketGetsOneQueuePairPerWorker) {
  const DeviceSpec spec = device_spec("front", "net_af_packet0,iface=lb-front", 4);
  EXPECT_EQ(spec.interface, "front");
  EXPECT_EQ(spec.kind, DeviceKind::kVirtual);
  EXPECT_EQ(spec.port_name, "net_af_packet0");
  EXPECT_EQ(spec.devargs, "net_af_packet0,iface=lb-front,qpairs=4,framecnt=4096");
}

TEST(EalPlan, ExplicitQpairsAndOtherVdevsAreLeftAlone) {
  EXPECT_EQ(device_spec("f", "net_af_packet1,iface=x,qpairs=1,framecnt=512", 4).devargs,
            "net_af_packet1,iface=x,qpairs=1,framecnt=512");
  EXPECT_EQ(device_spec("f", "net_null0", 4).devargs, "net_null0");
  EXPECT_EQ(device_spec("f", "net_ring0", 2).port_name, "net_ring0");
}

TEST(EalPlan, PciDevice) {
  const DeviceSpec spec = device_spec("back", "0000:03:00.1", 2);
  EXPECT_EQ(spec.kind, DeviceKind::kPci);
  EXPECT_EQ(spec.port_name, "0000:03:00.1");
  EXPECT_EQ(spec.devargs, "0000:03:00.1");
}

TEST(EalPlan, ArgvKeepsEalArgsVerbatimThenDevices) {
  const std::vector<std::string> eal{"--no-huge", "-m", "512", "-l", "0-1"};
  const std::vector<DeviceSpec> devices{device_spec("front", "net_af_packet0,iface=a", 1),
                                        device_spec("back", "0000:03:00.0", 1)};
  const std::vector<std::string> expected{"sluice", "--no-huge", "-m", "512", "-l", "0-1",
                                          "--vdev=net_af_packet0,iface=a,qpairs=1,framecnt=4096", "-a",
                                          "0000:03:00.0"};
  EXPECT_EQ(eal_argv(eal, devices), expected);
}

TEST(EalPlan, NoPciSkipsPciDevices) {
  const std::vector<std::string> eal{"--no-pci"};
  const std::vector<DeviceSpec> devices{device_spec("back", "03:00.0", 1),
                                        device_spec("front", "net_null0", 1)};
  const std::vector<std::string> expected{"sluice", "--no-pci", "--vdev=net_null0"};
  EXPECT_EQ(eal_argv(eal, devices), expected);
}

TEST(EalPlan, EmptyConfigGivesProgramNameOnly) {
  EXPECT_EQ(eal_argv({}, {}), std::vector<std::string>{"sluice"});
}

}  // namespace
}  // namespace sluice::dpdk
