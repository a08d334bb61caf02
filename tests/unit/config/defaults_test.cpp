// A minimal file gets every default of the spec (config.md: "Everything not marked required
// has the default shown").
#include "tests/unit/config/config_test_support.hpp"

namespace sluice::config {
namespace {

using testing::lines;
using testing::parse_ok;

TEST(Defaults, MinimalFileGetsTheSpecDefaults) {
  const auto config = parse_ok(lines({
      "[[interfaces]]",
      "name = \"front\"",
      "dpdk = \"0000:3b:00.0\"",
  }));
  ASSERT_TRUE(config);
  EXPECT_EQ(config->appliance.mode, Mode::kDpdk);
  EXPECT_EQ(config->appliance.log_level, LogLevel::kInfo);
  EXPECT_EQ(config->dpdk.workers, 1u);
  EXPECT_TRUE(config->dpdk.eal_args.empty());
  EXPECT_EQ(config->dpdk.idle_sleep_us, 0u);
  EXPECT_EQ(config->dpdk.burst, 32);
  EXPECT_TRUE(config->dpdk.kernel_standoff);
  EXPECT_EQ(config->xdp.attach, XdpAttach::kNative);
  EXPECT_TRUE(config->xdp.kernel_standoff);
  ASSERT_TRUE(config->console.listen);
  EXPECT_EQ(config->console.listen->to_string(), "127.0.0.1:7070");
  EXPECT_EQ(config->console.password, "");
  EXPECT_FALSE(config->metrics.listen);
  EXPECT_EQ(config->conntrack.max_entries, 1048576u);
  EXPECT_EQ(config->conntrack.timeouts.tcp_syn_s, 30u);
  EXPECT_EQ(config->conntrack.timeouts.tcp_established_s, 7200u);
  EXPECT_EQ(config->conntrack.timeouts.tcp_closing_s, 60u);
  EXPECT_EQ(config->conntrack.timeouts.udp_s, 60u);
  EXPECT_EQ(config->conntrack.snat_port_first, 1024);
  EXPECT_EQ(config->conntrack.snat_port_last, 64511);
  EXPECT_EQ(config->conntrack.max_embryonic, 16384u);
  EXPECT_FALSE(config->conntrack.syn_cookie_secret);  // random at each start
  EXPECT_EQ(config->conntrack.timeouts.tcp_syn_pressure_s, 3u);
  ASSERT_EQ(config->interfaces.size(), 1u);
  EXPECT_EQ(config->interfaces[0].mtu, 1500);
  EXPECT_TRUE(config->interfaces[0].addresses.empty());
  EXPECT_TRUE(config->interfaces[0].kernel.empty());
  EXPECT_TRUE(config->routes.empty());
  EXPECT_TRUE(config->neighbors.empty());
  EXPECT_TRUE(config->services.empty());
}

TEST(Defaults, ServiceProxyAndHealthDefaults) {
  const auto config = parse_ok(testing::with_interfaces({
      "[[services]]",
      "name = \"web\"",
      "vip = \"10.10.0.100\"",
      "port = 80",
      "[services.proxy_protocol]",
      "[services.health]",
      "[[services.backends]]",
      "address = \"10.20.0.2\"",
      "port = 8080",
  }));
  ASSERT_TRUE(config);
  const Service& web = config->services.at(0);
  EXPECT_EQ(web.protocol, Protocol::kTcp);
  EXPECT_EQ(web.scheduler, Scheduler::kMaglev);
  EXPECT_EQ(web.syn_proxy, SynProxy::kAuto);
  ASSERT_TRUE(web.proxy_protocol);
  EXPECT_EQ(web.proxy_protocol->version, ProxyVersion::kV2);
  EXPECT_EQ(web.proxy_protocol->send, ProxySend::kOnConnect);
  EXPECT_TRUE(web.proxy_protocol->tlvs.empty());
  EXPECT_TRUE(web.proxy_protocol->custom.empty());
  EXPECT_EQ(web.proxy_protocol->authority, "");
  EXPECT_EQ(web.proxy_protocol->udp, ProxyUdp::kEveryDatagram);
  ASSERT_TRUE(web.health);
  EXPECT_EQ(web.health->kind, HealthKind::kTcp);
  EXPECT_EQ(web.health->interval_ms, 1000u);
  EXPECT_EQ(web.health->timeout_ms, 500u);
  EXPECT_EQ(web.health->rise, 2);
  EXPECT_EQ(web.health->fall, 3);
  EXPECT_EQ(web.health->path, "/");
  EXPECT_TRUE(web.health->send_proxy);
  ASSERT_EQ(web.backends.size(), 1u);
  EXPECT_EQ(web.backends[0].weight, 1);
}

TEST(Defaults, AbsentProxyAndHealthTablesMeanNone) {
  const auto config = parse_ok(testing::with_interfaces({
      "[[services]]",
      "name = \"web\"",
      "vip = \"10.10.0.100\"",
      "port = 80",
      "[[services.backends]]",
      "address = \"10.20.0.2\"",
      "port = 8080",
  }));
  ASSERT_TRUE(config);
  EXPECT_FALSE(config->services[0].proxy_protocol);
  EXPECT_FALSE(config->services[0].health);
}

TEST(Defaults, EmptyListenDisablesTheConsole) {
  const auto config = parse_ok(testing::with_interfaces({
      "[console]",
      "listen = \"\"",
  }));
  ASSERT_TRUE(config);
  EXPECT_FALSE(config->console.listen);
}

TEST(Defaults, BoundsAreInclusive) {
  const auto config = parse_ok(lines({
      "[dpdk]",
      "workers = 128",
      "burst = 512",
      "idle_sleep_us = 100000",
      "kernel_standoff = false",
      "[conntrack]",
      "max_entries = 1024",
      "udp_timeout_s = 604800",
      "snat_port_first = 60416",   // 128 workers x 32 ports: the smallest range they allow
      "snat_port_last = 64511",
      "[[interfaces]]",
      "name = \"a\"",
      "dpdk = \"x\"",
      "addresses = [\"192.0.2.1/24\"]",
      "mtu = 576",
      "[[interfaces]]",
      "name = \"b\"",
      "dpdk = \"y\"",
      "addresses = [\"2001:db8::1/64\"]",
      "mtu = 1280",
      "[[interfaces]]",
      "name = \"c\"",
      "dpdk = \"z\"",
      "mtu = 9216",
      "[[services]]",
      "name = \"s\"",
      "vip = \"192.0.2.100\"",
      "port = 65535",
      "[[services.backends]]",
      "address = \"192.0.2.2\"",
      "port = 1",
      "weight = 1000",
      "[[services.backends]]",
      "address = \"192.0.2.3\"",
      "port = 1",
      "weight = 0",
  }));
  ASSERT_TRUE(config);
  EXPECT_EQ(config->dpdk.workers, 128u);
  EXPECT_EQ(config->dpdk.burst, 512);
  EXPECT_FALSE(config->dpdk.kernel_standoff);
  EXPECT_EQ(config->conntrack.timeouts.udp_s, 604800u);
  EXPECT_EQ(config->conntrack.snat_port_first, 60416);
  EXPECT_EQ(config->conntrack.snat_port_last, 64511);
  EXPECT_EQ(config->interfaces[0].mtu, 576);
  EXPECT_EQ(config->interfaces[1].mtu, 1280);
  EXPECT_EQ(config->interfaces[2].mtu, 9216);
  EXPECT_EQ(config->services[0].port, 65535);
  EXPECT_EQ(config->services[0].backends[0].weight, 1000);
  EXPECT_EQ(config->services[0].backends[1].weight, 0);
}

}  // namespace
}  // namespace sluice::config

namespace sluice::config {
namespace {

// docs/syn-proxy.md "Configuration": each spelling, and the secret's digits read as two
// big-endian words (k0 the first 16 digits, k1 the last 16), upper and lower case alike.
TEST(SynProxySettings, ModesAndSecret) {
  for (const auto& [text, mode] : {std::pair{"auto", SynProxy::kAuto}, std::pair{"on", SynProxy::kOn},
                                   std::pair{"off", SynProxy::kOff}}) {
    const auto config = parse_ok(testing::with_interfaces({
        "[conntrack]",
        "syn_cookie_secret = \"0123456789abcdefFEDCBA9876543210\"",
        "[[services]]",
        "name = \"web\"",
        "vip = \"10.10.0.100\"",
        "port = 80",
        std::string("syn_proxy = \"") + text + "\"",
        "[[services.backends]]",
        "address = \"10.20.0.2\"",
        "port = 8080",
    }));
    ASSERT_TRUE(config);
    EXPECT_EQ(config->services.at(0).syn_proxy, mode) << text;
    ASSERT_TRUE(config->conntrack.syn_cookie_secret);
    EXPECT_EQ((*config->conntrack.syn_cookie_secret)[0], 0x0123456789abcdefULL);
    EXPECT_EQ((*config->conntrack.syn_cookie_secret)[1], 0xfedcba9876543210ULL);
  }
}

}  // namespace
}  // namespace sluice::config
