// SNAT resolution (spec config.md, `snat`): the listed address of a family wins; otherwise the
// address of the interface that reaches the backends, directly or through a route.
#include "control/config/egress.hpp"
#include "tests/unit/config/config_test_support.hpp"

namespace sluice::config {
namespace {

using testing::lines;
using testing::parse_ok;
using testing::with_interfaces;

net::IpAddress ip(std::string_view text) { return *net::IpAddress::parse(text); }

TEST(SnatResolution, DerivedFromTheConnectedInterfacePerFamily) {
  const auto config = parse_ok(with_interfaces({
      "[[services]]",
      "name = \"web\"",
      "vip = \"10.10.0.100\"",
      "port = 80",
      "[[services.backends]]",
      "address = \"10.20.0.2\"",
      "port = 8080",
      "[[services.backends]]",
      "address = \"fd20::2\"",
      "port = 8080",
  }));
  ASSERT_TRUE(config);
  EXPECT_EQ(config->services[0].snat.v4, ip("10.20.0.1"));
  EXPECT_EQ(config->services[0].snat.v6, ip("fd20::1"));
  EXPECT_EQ(config->services[0].snat.for_family(net::Family::kIpv6), ip("fd20::1"));
}

TEST(SnatResolution, ExplicitAddressWinsAndTheOtherFamilyIsDerived) {
  const auto config = parse_ok(with_interfaces({
      "[[services]]",
      "name = \"web\"",
      "vip = \"fd10::100\"",
      "port = 80",
      "snat = [\"10.10.0.1\"]",  // the front address, though the backends sit behind "back"
      "[[services.backends]]",
      "address = \"10.20.0.2\"",
      "port = 8080",
      "[[services.backends]]",
      "address = \"fd20::3\"",
      "port = 8080",
  }));
  ASSERT_TRUE(config);
  EXPECT_EQ(config->services[0].snat.v4, ip("10.10.0.1"));
  EXPECT_EQ(config->services[0].snat.v6, ip("fd20::1"));
}

TEST(SnatResolution, ThroughARouteUsesTheGatewaysInterface) {
  const auto config = parse_ok(with_interfaces({
      "[[routes]]",
      "prefix = \"10.30.0.0/16\"",
      "via = \"10.20.0.254\"",
      "[[routes]]",
      "prefix = \"0.0.0.0/0\"",
      "via = \"10.10.0.254\"",
      "[[services]]",
      "name = \"web\"",
      "vip = \"10.10.0.100\"",
      "port = 80",
      "[[services.backends]]",
      "address = \"10.30.5.6\"",  // longest match: 10.30.0.0/16 via back
      "port = 8080",
      "[[services]]",
      "name = \"far\"",
      "vip = \"10.10.0.100\"",
      "port = 81",
      "[[services.backends]]",
      "address = \"192.0.2.80\"",  // default route via front
      "port = 8080",
  }));
  ASSERT_TRUE(config);
  EXPECT_EQ(config->services[0].snat.v4, ip("10.20.0.1"));
  EXPECT_EQ(config->services[1].snat.v4, ip("10.10.0.1"));
  EXPECT_FALSE(config->services[1].snat.v6);
}

TEST(Egress, LongestConnectedPrefixThenLongestRoute) {
  std::vector<Interface> interfaces(2);
  interfaces[0].name = "wide";
  interfaces[0].addresses = {*net::Prefix::parse("10.0.0.1/8")};
  interfaces[1].name = "narrow";
  interfaces[1].addresses = {*net::Prefix::parse("10.1.0.1/16"),
                             *net::Prefix::parse("2001:db8::1/64")};
  const std::vector<Route> routes = {
      {*net::Prefix::parse("::/0"), ip("2001:db8::ff")},
      {*net::Prefix::parse("192.0.2.0/24"), ip("10.1.0.254")},
  };

  auto egress = find_egress(interfaces, routes, ip("10.1.2.3"));
  ASSERT_TRUE(egress);
  EXPECT_EQ(egress->interface_index, 1u);  // /16 beats /8
  EXPECT_EQ(egress->source, ip("10.1.0.1"));
  EXPECT_FALSE(egress->gateway);

  egress = find_egress(interfaces, routes, ip("10.2.0.1"));
  ASSERT_TRUE(egress);
  EXPECT_EQ(egress->interface_index, 0u);

  egress = find_egress(interfaces, routes, ip("2001:db9::5"));
  ASSERT_TRUE(egress);
  EXPECT_EQ(egress->interface_index, 1u);
  EXPECT_EQ(egress->source, ip("2001:db8::1"));
  EXPECT_EQ(egress->gateway, ip("2001:db8::ff"));

  egress = find_egress(interfaces, routes, ip("192.0.2.9"));
  ASSERT_TRUE(egress);
  EXPECT_EQ(egress->source, ip("10.1.0.1"));

  EXPECT_FALSE(find_egress(interfaces, routes, ip("198.51.100.1")));
  EXPECT_FALSE(find_connected(interfaces, ip("2001:db9::5")));
}

}  // namespace
}  // namespace sluice::config
