// The shipped configs/*.toml must stay valid, and the lab file must say what the demo expects.
#include <filesystem>
#include <type_traits>

#include "control/config/enum_names.hpp"
#include "tests/unit/config/config_test_support.hpp"

#ifndef SLUICE_SOURCE_DIR
#error "SLUICE_SOURCE_DIR must name the source tree (set by tests/unit/config/meson.build)"
#endif

namespace sluice::config {
namespace {

namespace fs = std::filesystem;

const fs::path kConfigs = fs::path(SLUICE_SOURCE_DIR) / "configs";

net::IpAddress ip(std::string_view text) { return *net::IpAddress::parse(text); }
net::Prefix prefix(std::string_view text) { return *net::Prefix::parse(text); }

// Loaded configs are only reachable through a pointer to const.
static_assert(std::is_same_v<decltype(std::declval<const LoadResult&>().config()),
                             const std::shared_ptr<const Config>&>);

TEST(Examples, EveryShippedConfigIsValid) {
  std::size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(kConfigs)) {
    if (entry.path().extension() != ".toml") continue;
    const LoadResult result = load_config(entry.path());
    EXPECT_TRUE(result) << entry.path();
    if (!result) {
      for (const auto& d : result.diagnostics()) ADD_FAILURE() << d.to_string();
    }
    ++checked;
  }
  EXPECT_GE(checked, 3u);  // dpdk-example, xdp-example, lab
}

TEST(Examples, LabMatchesTheNamespaceLab) {
  const LoadResult result = load_config(kConfigs / "lab.toml");
  ASSERT_TRUE(result);
  const Config& config = *result.config();
  EXPECT_EQ(config.source_path, (kConfigs / "lab.toml").string());
  EXPECT_EQ(config.appliance.mode, Mode::kDpdk);
  EXPECT_EQ(config.dpdk.eal_args,
            (std::vector<std::string>{"--no-huge", "-m", "512", "--no-shconf", "--no-pci"}));

  ASSERT_EQ(config.interfaces.size(), 2u);
  const Interface& front = config.interfaces[0];
  EXPECT_EQ(front.name, "front");
  EXPECT_EQ(front.dpdk, "net_af_packet0,iface=lb-front");
  EXPECT_EQ(front.kernel, "lb-front");
  ASSERT_EQ(front.addresses.size(), 2u);
  EXPECT_EQ(front.addresses[0], prefix("10.10.0.1/24"));
  EXPECT_EQ(front.addresses[1], prefix("fd10::1/64"));
  const Interface* back = config.find_interface("back");
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->dpdk, "net_af_packet1,iface=lb-back");
  EXPECT_EQ(back->kernel, "lb-back");
  EXPECT_EQ(back->addresses[0], prefix("10.20.0.1/24"));
  EXPECT_EQ(back->addresses[1], prefix("fd20::1/64"));

  ASSERT_EQ(config.services.size(), 9u);
  const Service* web = config.find_service("web");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->vip_endpoint().to_string(), "10.10.0.100:80");
  EXPECT_EQ(web->protocol, Protocol::kTcp);
  EXPECT_EQ(web->scheduler, Scheduler::kMaglev);
  ASSERT_TRUE(web->proxy_protocol);
  EXPECT_EQ(web->proxy_protocol->version, ProxyVersion::kV2);
  EXPECT_EQ(web->proxy_protocol->send, ProxySend::kOnConnect);
  EXPECT_EQ(web->proxy_protocol->tlvs,
            (std::vector<ProxyTlv>{ProxyTlv::kCrc32c, ProxyTlv::kUniqueId, ProxyTlv::kAuthority}));
  EXPECT_EQ(web->proxy_protocol->authority, "lab.sluice");
  ASSERT_EQ(web->backends.size(), 2u);
  EXPECT_EQ(web->backends[0].endpoint().to_string(), "10.20.0.2:8080");
  EXPECT_EQ(web->backends[1].endpoint().to_string(), "10.20.0.3:8080");
  EXPECT_EQ(web->snat.v4, ip("10.20.0.1"));
  EXPECT_FALSE(web->snat.v6);  // no IPv6 backend, so no IPv6 source is derived

  const Service* web6 = config.find_service("web6");
  ASSERT_NE(web6, nullptr);
  EXPECT_EQ(web6->vip_endpoint().to_string(), "[fd10::100]:80");
  EXPECT_TRUE(web6->backends[0].address.is_v4());  // mixed family
  EXPECT_EQ(web6->snat.v4, ip("10.20.0.1"));

  const Service* banner = config.find_service("banner");
  ASSERT_NE(banner, nullptr);
  EXPECT_EQ(banner->vip_endpoint().to_string(), "10.10.0.100:25");
  EXPECT_EQ(banner->backends.at(0).endpoint().to_string(), "10.20.0.2:2525");
  EXPECT_EQ(banner->proxy_protocol->send, ProxySend::kOnConnect);

  // The two other family pairs: IPv4 and IPv6 clients to the IPv6 backends, SNAT fd20::1.
  for (const char* name : {"web-v6pool", "web6-v6pool"}) {
    const Service* v6pool = config.find_service(name);
    ASSERT_NE(v6pool, nullptr) << name;
    EXPECT_TRUE(v6pool->backends.at(0).address.is_v6()) << name;
    EXPECT_EQ(v6pool->snat.v6, ip("fd20::1")) << name;
  }

  const Service* dns = config.find_service("dns");
  ASSERT_NE(dns, nullptr);
  EXPECT_EQ(dns->protocol, Protocol::kUdp);
  EXPECT_EQ(dns->vip_endpoint().to_string(), "10.10.0.100:53");
  EXPECT_EQ(dns->backends.at(0).endpoint().to_string(), "10.20.0.2:5353");
  EXPECT_EQ(dns->proxy_protocol->udp, ProxyUdp::kEveryDatagram);
}

TEST(Examples, DpdkExampleCarriesEveryOption) {
  const LoadResult result = load_config(kConfigs / "dpdk-example.toml");
  ASSERT_TRUE(result);
  const Config& config = *result.config();
  EXPECT_EQ(config.dpdk.workers, 2u);
  EXPECT_EQ(config.dpdk.idle_sleep_us, 50u);
  EXPECT_EQ(config.routes.size(), 3u);
  ASSERT_EQ(config.neighbors.size(), 1u);
  EXPECT_EQ(config.neighbors[0].mac.to_string(), "02:00:00:00:01:fe");
  const Service* https = config.find_service("https");
  ASSERT_NE(https, nullptr);
  ASSERT_EQ(https->proxy_protocol->custom.size(), 1u);
  EXPECT_EQ(https->proxy_protocol->custom[0].type, 0xE0);
  EXPECT_EQ(https->proxy_protocol->custom[0].value,
            (std::vector<std::uint8_t>{'s', 'i', 't', 'e', '-', '1'}));
  ASSERT_TRUE(https->health);
  EXPECT_EQ(https->health->kind, HealthKind::kHttp);
  EXPECT_EQ(https->health->path, "/healthz");
  EXPECT_EQ(https->backends[2].weight, 0);
  const Service* dns = config.find_service("dns");
  ASSERT_NE(dns, nullptr);
  EXPECT_EQ(dns->protocol, Protocol::kUdp);
  EXPECT_EQ(dns->snat.v4, ip("10.0.1.1"));
}

TEST(Examples, XdpExampleUsesKernelNames) {
  const LoadResult result = load_config(kConfigs / "xdp-example.toml");
  ASSERT_TRUE(result);
  const Config& config = *result.config();
  EXPECT_EQ(config.appliance.mode, Mode::kXdp);
  EXPECT_EQ(config.interfaces[0].kernel, "enp1s0");
  EXPECT_TRUE(config.interfaces[0].dpdk.empty());
  ASSERT_TRUE(config.console.listen);
  EXPECT_EQ(config.console.listen->to_string(), "0.0.0.0:7070");
  EXPECT_EQ(config.find_service("imap")->proxy_protocol->version, ProxyVersion::kV1);
  EXPECT_EQ(config.find_service("web6")->snat.v6, ip("fd00:16::1"));
}

TEST(Examples, XdpExampleNeedsDpdkDevargsWhenRunInDpdkMode) {
  // `sluice run --mode dpdk` on an xdp file: the override is checked like the file's own mode.
  const LoadResult result =
      load_config(kConfigs / "xdp-example.toml", LoadOptions{Mode::kDpdk});
  ASSERT_FALSE(result);
  ASSERT_EQ(result.diagnostics().size(), 2u);
  EXPECT_EQ(result.diagnostics()[0].message,
            "interfaces[0]: missing required key 'dpdk' (mode is \"dpdk\")");
  EXPECT_EQ(result.diagnostics()[1].message,
            "interfaces[1]: missing required key 'dpdk' (mode is \"dpdk\")");
}

}  // namespace
}  // namespace sluice::config
