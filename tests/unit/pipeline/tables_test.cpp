// Tables::next_hop, the route lookup a new flow does twice (towards the backend and towards the
// client): connected subnets before routes, the longest prefix within each, the first
// configured on a tie, families kept apart. It is compiled into a masked table at
// construction (docs/performance.md); these cases pin the behaviour of the scan it replaced.
#include <gtest/gtest.h>

#include "dataplane/pipeline/tables.hpp"

namespace sluice::testing {
namespace {

net::IpAddress ip(const char* text) { return *net::IpAddress::parse(text); }
net::Prefix prefix(const char* text) { return *net::Prefix::parse(text); }

pipeline::Tables make_tables() {
  std::vector<pipeline::Port> ports(3);
  ports[0].name = "front";
  ports[0].addresses = {prefix("10.10.0.1/24"), prefix("fd10::1/64")};
  ports[1].name = "back";
  ports[1].addresses = {prefix("10.20.0.1/24"), prefix("10.20.0.129/25"), prefix("fd20::1/64")};
  ports[2].name = "mgmt";
  ports[2].addresses = {prefix("10.30.0.1/16")};
  std::vector<pipeline::Route> routes{
      {prefix("0.0.0.0/0"), ip("10.10.0.254")},
      {prefix("198.18.0.0/15"), ip("10.10.0.2")},
      {prefix("198.18.0.0/15"), ip("10.20.0.2")},   // a tie: the first one wins
      {prefix("198.18.4.0/24"), ip("10.30.0.9")},   // longer: wins inside its /24
      {prefix("10.20.0.0/16"), ip("10.10.0.3")},    // never beats the connected /24
      {prefix("2001:db8::/32"), ip("fd20::2")},
  };
  return pipeline::Tables(std::move(ports), {}, {}, std::move(routes), pipeline::Limits{});
}

void expect_hop(const pipeline::Tables& tables, const char* destination, pipeline::PortId port,
                const char* gateway) {
  const auto hop = tables.next_hop(ip(destination));
  ASSERT_TRUE(hop.has_value()) << destination;
  EXPECT_EQ(hop->port, port) << destination;
  EXPECT_EQ(hop->gateway, ip(gateway)) << destination;
}

TEST(TablesNextHop, ConnectedSubnetsLongestPrefixFirst) {
  const auto tables = make_tables();
  expect_hop(tables, "10.10.0.7", 0, "10.10.0.7");
  expect_hop(tables, "10.20.0.7", 1, "10.20.0.7");
  expect_hop(tables, "10.20.0.200", 1, "10.20.0.200");  // the /25 and the /24: same port
  expect_hop(tables, "10.30.200.1", 2, "10.30.200.1");
  expect_hop(tables, "fd20::42", 1, "fd20::42");
}

TEST(TablesNextHop, ConnectedBeatsAnyRouteThenLongestRouteThenFirstOnATie) {
  const auto tables = make_tables();
  expect_hop(tables, "10.20.0.9", 1, "10.20.0.9");       // the connected /24, not the /16 route
  expect_hop(tables, "10.20.9.9", 0, "10.10.0.3");       // the /16 route
  expect_hop(tables, "198.19.1.1", 0, "10.10.0.2");      // the first of two /15 routes
  expect_hop(tables, "198.18.4.77", 2, "10.30.0.9");     // the /24 inside the /15
  expect_hop(tables, "192.0.2.1", 0, "10.10.0.254");     // the default route
  expect_hop(tables, "2001:db8::5", 1, "fd20::2");
}

TEST(TablesNextHop, FamiliesDoNotMixAndUnroutedIsNone) {
  const auto tables = make_tables();
  EXPECT_FALSE(tables.next_hop(ip("2001:db9::1")).has_value()) << "no IPv6 default route";
  EXPECT_FALSE(tables.next_hop(ip("::")).has_value());
  // 0.0.0.0/0 matches every IPv4 address but no IPv6 one, and ::/0-like bytes do not leak.
  expect_hop(tables, "0.0.0.1", 0, "10.10.0.254");
}

}  // namespace
}  // namespace sluice::testing
