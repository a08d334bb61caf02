// The link state of the kernel netdev under an af_packet/pcap port (dataplane/dpdk/kernel_link.hpp),
// against a real kernel: in a network namespace of its own, a veth pair whose peer goes down
// and up, and a device that does not exist. Needs root (CI runs as root): it fails, and says
// why, without it.
#include <gtest/gtest.h>

#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "dataplane/dpdk/kernel_link.hpp"

namespace sluice::dpdk {
namespace {

bool sh(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

// The kernel's linkwatch applies carrier changes to the operational state asynchronously (within
// about a second), so a state is awaited, never read once: what it settles on is what counts.
std::optional<bool> settled(const std::string& device, std::optional<bool> expected) {
  std::optional<bool> now = kernel_link_running(device);
  for (int i = 0; i < 300 && now != expected; ++i) {
    usleep(10'000);
    now = kernel_link_running(device);
  }
  return now;
}

class KernelLinkTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(geteuid(), 0u) << "the kernel link test needs root (a network namespace and veths)";
    ASSERT_EQ(unshare(CLONE_NEWNET), 0) << "cannot make a network namespace";
    ASSERT_TRUE(sh("ip link add kla type veth peer name klb"));
  }
};

TEST_F(KernelLinkTest, FollowsTheCarrierOfAVethWhosePeerGoesDownAndUp) {
  ASSERT_TRUE(sh("ip link set kla up"));
  ASSERT_TRUE(sh("ip link set klb up"));
  EXPECT_EQ(settled("kla", true), std::optional<bool>(true));
  ASSERT_TRUE(sh("ip link set klb down"));  // the peer: kla is up but has no carrier
  EXPECT_EQ(settled("kla", false), std::optional<bool>(false));
  ASSERT_TRUE(sh("ip link set klb up"));
  EXPECT_EQ(settled("kla", true), std::optional<bool>(true));
  ASSERT_TRUE(sh("ip link set kla down"));  // administratively down
  EXPECT_EQ(settled("kla", false), std::optional<bool>(false));
}

TEST_F(KernelLinkTest, AMissingOrUnnameableDeviceIsUnknown) {
  EXPECT_EQ(kernel_link_running("sl-no-such"), std::nullopt);
  EXPECT_EQ(kernel_link_running(""), std::nullopt);
  EXPECT_EQ(kernel_link_running("a-name-longer-than-15"), std::nullopt);
}

}  // namespace
}  // namespace sluice::dpdk
