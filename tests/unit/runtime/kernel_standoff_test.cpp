// The kernel stand-off against a real kernel (control/runtime/kernel_standoff.hpp): in a
// network namespace of its own, on a veth pair, the stand-off installs its nft table, turns
// IPv6 and the offloads off, and puts every value back when destroyed; a run that died without
// cleaning up (a child that exits without destructors, as after SIGKILL) is adopted by the
// next one, which restores the *original* values. Needs root (CI runs as root): it fails, and
// says why, without it.
#include <gtest/gtest.h>

#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <string>

#include "control/runtime/command.hpp"
#include "control/runtime/ethtool_offloads.hpp"
#include "control/runtime/kernel_standoff.hpp"

namespace sluice::runtime {
namespace {

using standoff::KernelPort;
using standoff::Offload;
using standoff::OffloadSet;

bool sh(const std::vector<std::string>& args) {
  return run_command(args[0], {args.begin() + 1, args.end()}).ok();
}

int disable_ipv6(const std::string& device) {
  std::ifstream file("/proc/sys/net/ipv6/conf/" + device + "/disable_ipv6");
  int value = -1;
  file >> value;
  return value;
}

OffloadSet offloads(const std::string& device) {
  std::string error;
  const auto set = read_offloads(device, error);
  EXPECT_TRUE(set) << error;
  return set.value_or(OffloadSet{});
}

using Ports = std::vector<KernelPort>;

bool table_present() { return run_command("nft", {"list", "table", "netdev", "sluice_standoff"}).ok(); }

std::string table_listing() {
  return run_command("nft", {"list", "table", "netdev", "sluice_standoff"}).output;
}

// Each test gets fresh veths with every offload the device offers on and IPv6 on.
class KernelStandoffTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(geteuid(), 0u) << "the kernel stand-off test needs root (CAP_NET_ADMIN)";
    ASSERT_EQ(unshare(CLONE_NEWNET), 0) << "cannot make a network namespace";
  }

  void SetUp() override {
    run_command("nft", {"delete", "table", "netdev", "sluice_standoff"});
    for (const char* pair : {"sa", "sc"}) {
      const std::string peer = std::string(pair) + "p";
      run_command("ip", {"link", "del", pair});
      ASSERT_TRUE(sh({"ip", "link", "add", pair, "type", "veth", "peer", "name", peer}));
      ASSERT_TRUE(sh({"ip", "link", "set", pair, "up"}));
      ASSERT_TRUE(sh({"ip", "link", "set", peer, "up"}));
      ASSERT_TRUE(sh({"ethtool", "-K", pair, "rx", "on", "tx", "on", "tso", "on", "gso", "on",
                      "gro", "on"}));
    }
    before_ = offloads("sa");
    ASSERT_TRUE(before_.contains(Offload::kGro));
    ASSERT_TRUE(before_.contains(Offload::kTso));
    ASSERT_TRUE(before_.contains(Offload::kTx));
    ASSERT_EQ(disable_ipv6("sa"), 0);
  }

  void expect_stood_off(const std::string& device) {
    EXPECT_EQ(disable_ipv6(device), 1);
    const OffloadSet now = offloads(device);
    for (Offload offload : standoff::kOffloads) {
      EXPECT_FALSE(now.contains(offload)) << device << ": " << standoff::offload_name(offload);
    }
    EXPECT_NE(table_listing().find("device \"" + device + "\""), std::string::npos);
  }

  void expect_restored(const std::string& device) {
    EXPECT_EQ(disable_ipv6(device), 0) << device;
    EXPECT_EQ(offloads(device), before_) << device << ": " << offloads(device).to_string()
                                         << " instead of " << before_.to_string();
  }

  // A run that dies without cleaning up: the child installs the stand-off and exits without
  // running a destructor (what SIGKILL leaves). With `stay`, it lives on until killed.
  pid_t dead_run(std::vector<KernelPort> ports, bool stay = false) {
    int ready[2];
    EXPECT_EQ(pipe(ready), 0);
    const pid_t child = fork();
    if (child == 0) {
      close(ready[0]);
      prctl(PR_SET_NAME, "sluice-child");
      auto* leaked = new KernelStandoff(std::move(ports), standoff::dpdk_stance());
      (void)leaked;
      const char done = 1;
      (void)!write(ready[1], &done, 1);  // the stand-off is complete
      if (stay) pause();
      _exit(0);
    }
    close(ready[1]);
    char done = 0;
    EXPECT_EQ(read(ready[0], &done, 1), 1) << "the child's stand-off did not complete";
    close(ready[0]);
    if (!stay) {
      int status = 0;
      waitpid(child, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    return child;
  }

  OffloadSet before_;
};

TEST_F(KernelStandoffTest, InstallsWhileItLivesAndRestoresEverything) {
  {
    KernelStandoff held(Ports{{"front", "sa"}}, standoff::dpdk_stance());
    EXPECT_TRUE(table_present());
    expect_stood_off("sa");
    EXPECT_EQ(disable_ipv6("sc"), 0);  // a device it was not given is untouched
    EXPECT_TRUE(offloads("sc").contains(Offload::kGro));
  }
  EXPECT_FALSE(table_present());
  expect_restored("sa");
}

TEST_F(KernelStandoffTest, NoPortsNoTable) {
  { KernelStandoff held(Ports{}, standoff::dpdk_stance()); }
  EXPECT_FALSE(table_present());
  expect_restored("sa");
}

TEST_F(KernelStandoffTest, AfterACrashTheNextRunRestoresTheOriginals) {
  dead_run({{"front", "sa"}});
  ASSERT_TRUE(table_present());  // the dead run's table and settings stay
  expect_stood_off("sa");
  {
    // The next run finds sa already changed: it must take the originals from the record, not
    // from the device (which would "restore" the dead run's values).
    KernelStandoff held(Ports{{"front", "sa"}}, standoff::dpdk_stance());
    expect_stood_off("sa");
    EXPECT_NE(table_listing().find("sluice pid " + std::to_string(getpid()) + ":"),
              std::string::npos)
        << table_listing();
  }
  EXPECT_FALSE(table_present());
  expect_restored("sa");
}

TEST_F(KernelStandoffTest, ADeadRunsOtherDevicesAreRestoredAtOnce) {
  dead_run({{"front", "sa"}, {"back", "sc"}});
  expect_stood_off("sc");
  {
    KernelStandoff held(Ports{{"front", "sa"}}, standoff::dpdk_stance());
    expect_restored("sc");  // no longer driven: back as the dead run found it
    expect_stood_off("sa");
    EXPECT_EQ(table_listing().find("device \"sc\""), std::string::npos);
  }
  expect_restored("sa");
  expect_restored("sc");
}

TEST_F(KernelStandoffTest, ALiveOwnerIsNotOverruled) {
  const pid_t owner = dead_run({{"front", "sa"}}, /*stay=*/true);
  EXPECT_THROW(KernelStandoff(Ports{{"front", "sa"}}, standoff::dpdk_stance()), std::runtime_error);
  expect_stood_off("sa");  // the owner's stance is left as it is
  kill(owner, SIGKILL);
  waitpid(owner, nullptr, 0);
  { KernelStandoff held(Ports{{"front", "sa"}}, standoff::dpdk_stance()); }  // now a leftover: adopted and cleaned up
  EXPECT_FALSE(table_present());
  expect_restored("sa");
}

int sysctl_value(const std::string& path) {
  std::ifstream file(path);
  int value = -1;
  file >> value;
  return value;
}

bool has_link_local(const std::string& device) {
  return run_command("ip", {"-6", "addr", "show", "dev", device, "scope", "link"})
             .output.find("fe80::") != std::string::npos;
}

TEST_F(KernelStandoffTest, XdpStanceKeepsTheKernelFromArpAndLinkLocalAndRestoresBoth) {
  const std::string arp = "/proc/sys/net/ipv4/conf/sa/arp_ignore";
  const std::string mode = "/proc/sys/net/ipv6/conf/sa/addr_gen_mode";
  for (int i = 0; i < 50 && !has_link_local("sa"); ++i) usleep(20000);
  ASSERT_TRUE(has_link_local("sa"));  // the kernel made one at link-up
  ASSERT_EQ(sysctl_value(arp), 0);
  ASSERT_EQ(sysctl_value(mode), 0);
  {
    KernelStandoff held(Ports{{"front", "sa"}}, standoff::xdp_stance());
    EXPECT_EQ(sysctl_value(arp), 8);
    EXPECT_EQ(sysctl_value(mode), 1);
    EXPECT_FALSE(has_link_local("sa"));
    EXPECT_EQ(disable_ipv6("sa"), 0);  // the kernel keeps IPv6: it carries the probes
    EXPECT_FALSE(offloads("sa").contains(Offload::kGro));
    // The record only: no ingress hook on an XDP device.
    EXPECT_EQ(table_listing().find("hook ingress"), std::string::npos) << table_listing();
    EXPECT_NE(table_listing().find("restore device=sa arp_ignore=0 addr_gen_mode=0"),
              std::string::npos)
        << table_listing();
  }
  EXPECT_FALSE(table_present());
  EXPECT_EQ(sysctl_value(arp), 0);
  EXPECT_EQ(sysctl_value(mode), 0);
  EXPECT_EQ(offloads("sa"), before_);
  EXPECT_TRUE(has_link_local("sa"));  // addr_gen_mode back to eui64 makes it again
}

TEST_F(KernelStandoffTest, AMissingDeviceFailsAndChangesNothing) {
  try {
    KernelStandoff held(Ports{{"front", "sa"}, {"back", "nosuchdev0"}}, standoff::dpdk_stance());
    ADD_FAILURE() << "a missing device must fail the start";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("nosuchdev0"), std::string::npos) << error.what();
  }
  EXPECT_FALSE(table_present());
  expect_restored("sa");
}

}  // namespace
}  // namespace sluice::runtime
