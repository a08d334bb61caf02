#include "control/health/http_probe.hpp"

#include <gtest/gtest.h>

#include "control/health/probe.hpp"

namespace sluice::health {
namespace {

TEST(HttpProbe, RequestNamesPathAndBackend) {
  const net::Endpoint v4{*net::IpAddress::parse("10.20.0.2"), 8080};
  EXPECT_EQ(http_request("/healthz", v4),
            "GET /healthz HTTP/1.0\r\nHost: 10.20.0.2:8080\r\nUser-Agent: sluice-health\r\n"
            "Connection: close\r\n\r\n");
  const net::Endpoint v6{*net::IpAddress::parse("2001:db8::2"), 80};
  EXPECT_NE(http_request("/", v6).find("\r\nHost: [2001:db8::2]:80\r\n"), std::string::npos);
}

TEST(HttpProbe, StatusLines) {
  EXPECT_EQ(parse_status_line("HTTP/1.1 200 OK"), 200);
  EXPECT_EQ(parse_status_line("HTTP/1.0 302 Found"), 302);
  EXPECT_EQ(parse_status_line("HTTP/1.1 503"), 503);
  EXPECT_EQ(parse_status_line("HTTP/1.1 204 "), 204);
  EXPECT_FALSE(parse_status_line(""));
  EXPECT_FALSE(parse_status_line("HTTP/1.1"));
  EXPECT_FALSE(parse_status_line("HTTP/2 200"));
  EXPECT_FALSE(parse_status_line("HTTP/1.1 20 OK"));
  EXPECT_FALSE(parse_status_line("HTTP/1.1 2000 OK"));
  EXPECT_FALSE(parse_status_line("HTTP/1.1 abc OK"));
  EXPECT_FALSE(parse_status_line("HTTP/1.1 099 Low"));
  EXPECT_FALSE(parse_status_line("SSH-2.0-OpenSSH_9.2"));
}

TEST(HttpProbe, UpIsTwoOrThreeHundred) {
  EXPECT_FALSE(status_is_up(101));
  EXPECT_FALSE(status_is_up(199));
  EXPECT_TRUE(status_is_up(200));
  EXPECT_TRUE(status_is_up(301));
  EXPECT_TRUE(status_is_up(399));
  EXPECT_FALSE(status_is_up(404));
  EXPECT_FALSE(status_is_up(500));
}

TEST(HttpProbe, LocalHeaderIsTheSpecsSixteenBytes) {
  // spec proxy-protocol.md: "command LOCAL (20 00 00 00 for v2 with no TLVs)".
  const std::vector<std::uint8_t> expected{0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51,
                                           0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0x00, 0x00};
  EXPECT_EQ(local_proxy_header(), expected);
}

}  // namespace
}  // namespace sluice::health
