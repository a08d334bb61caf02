// The XDP datapath's life on a real kernel device: the verifier accepts the program with room
// under its limit (the count is printed), it attaches to the interface's kernel device, stop()
// detaches it, a process that dies without stop() leaves nothing attached (BPF links), and a
// stale netlink attachment of an older run is replaced at start. Root, in a private network
// namespace with a veth pair (fails loudly without root).
#include <gtest/gtest.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "control/config/load.hpp"
#include "control/datapath/tables_from_config.hpp"
#include "dataplane/xdp/xdp_datapath.hpp"

namespace sluice::testing {
namespace {

constexpr const char* kDevice = "slx-life";

const char* const kConfig = R"(
[appliance]
mode = "xdp"

[[interfaces]]
name = "front"
kernel = "slx-life"
addresses = ["10.99.0.1/24"]

[[services]]
name = "web"
vip = "10.99.0.100"
port = 80
protocol = "tcp"

[services.proxy_protocol]
version = 2

[[services.backends]]
address = "10.99.0.2"
port = 8080
)";

xdp::DatapathSettings settings() {
  xdp::DatapathSettings s;
  s.interfaces.push_back({"front", kDevice});
  return s;
}

std::shared_ptr<const pipeline::Tables> tables(const xdp::XdpDatapath& datapath) {
  auto loaded = config::parse_config(kConfig, "lifecycle.toml");
  if (!loaded.ok()) {
    for (const auto& d : loaded.diagnostics()) std::cerr << d.to_string() << "\n";
    throw std::runtime_error("lifecycle config does not load");
  }
  return datapath::tables_from_config(*loaded.config(), datapath.port_macs());
}

// The id of the XDP program attached to the device (native or generic), 0 when none.
std::uint32_t attached_id() {
  const int ifindex = static_cast<int>(if_nametoindex(kDevice));
  std::uint32_t id = 0;
  for (const int mode : {XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE}) {
    __u32 prog = 0;
    if (bpf_xdp_query_id(ifindex, mode, &prog) == 0 && prog != 0) id = prog;
  }
  return id;
}

TEST(XdpLifecycle, VerifierAcceptsTheProgramWithRoom) {
  xdp::XdpDatapath datapath(settings());
  xdp::LoadOptions options;
  options.attach = false;
  datapath.start(tables(datapath), 1, options);
  bpf_prog_info info{};
  __u32 length = sizeof info;
  ASSERT_EQ(bpf_obj_get_info_by_fd(datapath.program_fd(), &info, &length), 0);
  std::cout << "[ verifier ] sluice_xdp: " << info.verified_insns << " instructions verified (limit 1000000), "
            << info.xlated_prog_len / 8 << " translated\n";
  // Room: at most half the complexity limit, so that the next features still fit.
  EXPECT_GT(info.verified_insns, 0u);
  EXPECT_LT(info.verified_insns, 500000u);
}

TEST(XdpLifecycle, AttachesAndStopDetaches) {
  ASSERT_EQ(attached_id(), 0u);
  xdp::XdpDatapath datapath(settings());
  datapath.start(tables(datapath), 1);
  EXPECT_NE(attached_id(), 0u);
  datapath.stop();
  EXPECT_EQ(attached_id(), 0u);
}

TEST(XdpLifecycle, GenericModeAttaches) {
  auto s = settings();
  s.mode = xdp::AttachMode::kGeneric;
  xdp::XdpDatapath datapath(s);
  datapath.start(tables(datapath), 1);
  __u32 prog = 0;
  ASSERT_EQ(bpf_xdp_query_id(static_cast<int>(if_nametoindex(kDevice)), XDP_FLAGS_SKB_MODE, &prog), 0);
  EXPECT_NE(prog, 0u);
  datapath.stop();
  EXPECT_EQ(attached_id(), 0u);
}

TEST(XdpLifecycle, ACrashedProcessLeavesNothingAttached) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      xdp::XdpDatapath datapath(settings());
      datapath.start(tables(datapath), 1);
      if (attached_id() == 0) _exit(3);
    } catch (...) {
      _exit(2);
    }
    raise(SIGKILL);  // no destructor, no stop(): what a crash looks like
    _exit(4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child did not get as far as attaching (exit " << WEXITSTATUS(status) << ")";
  // The kernel releases the link with the process's last file descriptor.
  EXPECT_EQ(attached_id(), 0u);
}

TEST(XdpLifecycle, StaleNetlinkAttachmentIsReplaced) {
  // An older run's program attached the netlink way (it outlives its process).
  xdp::XdpDatapath old_run(settings());
  xdp::LoadOptions options;
  options.attach = false;
  old_run.start(tables(old_run), 1, options);
  const int ifindex = static_cast<int>(if_nametoindex(kDevice));
  ASSERT_EQ(bpf_xdp_attach(ifindex, old_run.program_fd(), XDP_FLAGS_SKB_MODE, nullptr), 0);
  const std::uint32_t stale = attached_id();
  ASSERT_NE(stale, 0u);
  old_run.stop();
  ASSERT_EQ(attached_id(), stale) << "a netlink attachment survives its loader";

  xdp::XdpDatapath datapath(settings());
  datapath.start(tables(datapath), 1);
  const std::uint32_t now = attached_id();
  EXPECT_NE(now, 0u);
  EXPECT_NE(now, stale);
  datapath.stop();
  EXPECT_EQ(attached_id(), 0u);
}

}  // namespace
}  // namespace sluice::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (geteuid() != 0) {
    std::cerr << "test_bpf_xdp_lifecycle: attaching XDP programs needs root: run ./scripts/test as root\n";
    return 1;
  }
  if (unshare(CLONE_NEWNET) != 0) {
    std::cerr << "test_bpf_xdp_lifecycle: cannot make a private network namespace\n";
    return 1;
  }
  const std::string command = std::string("ip link add ") + sluice::testing::kDevice + " type veth peer name " +
                              sluice::testing::kDevice + "p && ip link set " + sluice::testing::kDevice +
                              " up && ip link set " + sluice::testing::kDevice + "p up";
  if (std::system(command.c_str()) != 0) {
    std::cerr << "test_bpf_xdp_lifecycle: cannot create the veth pair\n";
    return 1;
  }
  return RUN_ALL_TESTS();
}
