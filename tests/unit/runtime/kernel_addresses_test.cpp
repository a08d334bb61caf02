// What xdp mode asks of the kernel for its health probes (control/runtime/kernel_addresses.hpp):
// the interface addresses on the right kernel devices with their prefixes, the [[routes]], and
// `ip` commands that undo exactly what they did.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "control/config/load.hpp"
#include "control/runtime/kernel_addresses.hpp"

namespace sluice::runtime {
namespace {

constexpr const char* kConfig = R"(
[appliance]
mode = "xdp"

[[interfaces]]
name = "front"
kernel = "eth1"
addresses = ["10.10.0.1/24", "fd10::1/64"]

[[interfaces]]
name = "back"
kernel = "eth2"
addresses = ["10.20.0.1/24"]

[[routes]]
prefix = "192.168.0.0/16"
via = "10.20.0.254"

[[services]]
name = "web"
vip = "10.10.0.100"
port = 80
protocol = "tcp"

[[services.backends]]
address = "192.168.1.2"
port = 8080
)";

config::Config load(const char* text) {
  const config::LoadResult result = config::parse_config(text, "t.toml", {});
  EXPECT_TRUE(result.ok());
  return *result.config();
}

using Kind = KernelChange::Kind;

TEST(KernelAddresses, InterfaceAddressesKeepTheirPrefixOnTheKernelDevice) {
  const std::vector<KernelChange> changes = kernel_changes(load(kConfig));
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[0], (KernelChange{Kind::kAddress, "-4", "10.10.0.1/24", "eth1", {}, {}}));
  EXPECT_EQ(changes[1], (KernelChange{Kind::kAddress, "-6", "fd10::1/64", "eth1", {}, {}}));
  EXPECT_EQ(changes[2], (KernelChange{Kind::kAddress, "-4", "10.20.0.1/24", "eth2", {}, {}}));
  EXPECT_EQ(changes[3], (KernelChange{Kind::kRoute, "-4", {}, {}, "192.168.0.0/16", "10.20.0.254"}));
}

TEST(KernelAddresses, IpCommandsAddAndUndoTheSameObject) {
  const std::vector<KernelChange> changes = kernel_changes(load(kConfig));
  EXPECT_EQ(add_arguments(changes[0]),
            (std::vector<std::string>{"-4", "addr", "add", "10.10.0.1/24", "dev", "eth1"}));
  EXPECT_EQ(delete_arguments(changes[0]),
            (std::vector<std::string>{"-4", "addr", "del", "10.10.0.1/24", "dev", "eth1"}));
  // IPv6 without duplicate address detection: a tentative address cannot source a probe.
  EXPECT_EQ(add_arguments(changes[1]),
            (std::vector<std::string>{"-6", "addr", "add", "fd10::1/64", "dev", "eth1", "nodad"}));
  EXPECT_EQ(delete_arguments(changes[1]),
            (std::vector<std::string>{"-6", "addr", "del", "fd10::1/64", "dev", "eth1"}));
  EXPECT_EQ(add_arguments(changes[3]),
            (std::vector<std::string>{"-4", "route", "add", "192.168.0.0/16", "via", "10.20.0.254"}));
  EXPECT_EQ(delete_arguments(changes[3]),
            (std::vector<std::string>{"-4", "route", "del", "192.168.0.0/16", "via", "10.20.0.254"}));
}

}  // namespace
}  // namespace sluice::runtime
