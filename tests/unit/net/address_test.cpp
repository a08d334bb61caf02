#include "dataplane/net/address.hpp"

#include <gtest/gtest.h>

namespace sluice::net {
namespace {

TEST(IpAddress, ParsesAndFormatsBothFamilies) {
  auto v4 = IpAddress::parse("192.0.2.1");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->is_v4());
  EXPECT_EQ(v4->data()[0], 192);
  EXPECT_EQ(v4->data()[3], 1);
  EXPECT_EQ(v4->to_string(), "192.0.2.1");
  auto v6 = IpAddress::parse("2001:DB8::1");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->is_v6());
  EXPECT_EQ(v6->to_string(), "2001:db8::1");
}

TEST(IpAddress, RejectsMalformed) {
  for (const char* bad : {"", "1.2.3", "1.2.3.256", "1.2.3.4.5", "::g", "[::1]", "10.0.0.1/24",
                          " 1.2.3.4", "fe80::1%eth0"}) {
    EXPECT_FALSE(IpAddress::parse(bad)) << bad;
  }
}

TEST(IpAddress, LoopbackAndUnspecified) {
  EXPECT_TRUE(IpAddress::parse("127.0.0.1")->is_loopback());
  EXPECT_TRUE(IpAddress::parse("::1")->is_loopback());
  EXPECT_FALSE(IpAddress::parse("10.0.0.1")->is_loopback());
  EXPECT_TRUE(IpAddress::parse("0.0.0.0")->is_unspecified());
  EXPECT_TRUE(IpAddress::parse("::")->is_unspecified());
}

TEST(Endpoint, ParsesBracketedIpv6AndPlainIpv4) {
  auto e4 = Endpoint::parse("192.0.2.1:5353");
  ASSERT_TRUE(e4);
  EXPECT_EQ(e4->port, 5353);
  EXPECT_EQ(e4->to_string(), "192.0.2.1:5353");
  auto e6 = Endpoint::parse("[2001:db8::2]:443");
  ASSERT_TRUE(e6);
  EXPECT_EQ(e6->address.to_string(), "2001:db8::2");
  EXPECT_EQ(e6->to_string(), "[2001:db8::2]:443");
}

TEST(Endpoint, RejectsMalformed) {
  for (const char* bad : {"1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:-1", "::1:80",
                          "[::1]80", "[1.2.3.4]:80", "[::1]:", "host:80", "1.2.3.4:8x"}) {
    EXPECT_FALSE(Endpoint::parse(bad)) << bad;
  }
}

TEST(Prefix, ContainsComparesNetworkBitsOnly) {
  auto p = Prefix::parse("10.10.0.1/24");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->to_string(), "10.10.0.1/24");
  EXPECT_TRUE(p->contains(*IpAddress::parse("10.10.0.100")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("10.10.1.1")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("fd10::1")));
  auto p6 = Prefix::parse("fd10::1/61");
  ASSERT_TRUE(p6);
  EXPECT_TRUE(p6->contains(*IpAddress::parse("fd10:0:0:7::9")));
  EXPECT_FALSE(p6->contains(*IpAddress::parse("fd10:0:0:8::9")));
  EXPECT_FALSE(Prefix::parse("10.0.0.1/33"));
  EXPECT_FALSE(Prefix::parse("10.0.0.1"));
  EXPECT_FALSE(Prefix::parse("fd00::/129"));
}

TEST(Prefix, NetworkClearsTheHostBits) {
  EXPECT_EQ(Prefix::parse("10.1.2.3/8")->network().to_string(), "10.0.0.0/8");
  EXPECT_EQ(Prefix::parse("10.20.0.1/24")->network().to_string(), "10.20.0.0/24");
  EXPECT_EQ(Prefix::parse("10.20.0.1/32")->network().to_string(), "10.20.0.1/32");
  EXPECT_EQ(Prefix::parse("0.0.0.0/0")->network().to_string(), "0.0.0.0/0");
  EXPECT_EQ(Prefix::parse("fd20::1/64")->network().to_string(), "fd20::/64");
  EXPECT_EQ(Prefix::parse("fd10:0:0:7::9/61")->network().to_string(), "fd10::/61");
}

TEST(MacAddress, ParsesAndFormats) {
  auto m = MacAddress::parse("02:00:00:AB:cd:09");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->to_string(), "02:00:00:ab:cd:09");
  EXPECT_FALSE(m->is_zero());
  EXPECT_FALSE(MacAddress::parse("02:00:00:ab:cd"));
  EXPECT_FALSE(MacAddress::parse("02-00-00-ab-cd-09"));
  EXPECT_FALSE(MacAddress::parse("02:00:00:ab:cd:0g"));
}

}  // namespace
}  // namespace sluice::net
