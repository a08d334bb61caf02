#include "control/metrics/http_request.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::metrics {
namespace {

using Kind = HeadParse::Kind;
constexpr std::size_t kMax = 8192;

TEST(HttpRequest, CompleteGet) {
  const std::string head = "GET /metrics HTTP/1.1\r\nHost: lb:9100\r\nAccept: text/plain\r\n\r\n";
  const HeadParse parsed = parse_request_head(head + "GET /next", kMax);
  ASSERT_EQ(parsed.kind, Kind::kComplete);
  EXPECT_EQ(parsed.request.method, "GET");
  EXPECT_EQ(parsed.request.target, "/metrics");
  EXPECT_EQ(parsed.request.minor_version, 1);
  EXPECT_TRUE(parsed.request.keep_alive);
  EXPECT_EQ(parsed.consumed, head.size());
}

TEST(HttpRequest, IncompleteUntilTheEmptyLine) {
  EXPECT_EQ(parse_request_head("", kMax).kind, Kind::kIncomplete);
  EXPECT_EQ(parse_request_head("GET /metrics HTTP/1.1\r\n", kMax).kind, Kind::kIncomplete);
  EXPECT_EQ(parse_request_head("GET /metrics HTTP/1.1\r\nHost: x\r\n", kMax).kind,
            Kind::kIncomplete);
}

TEST(HttpRequest, BareLineFeedsAreAccepted) {
  const HeadParse parsed = parse_request_head("GET /metrics HTTP/1.0\n\n", kMax);
  ASSERT_EQ(parsed.kind, Kind::kComplete);
  EXPECT_EQ(parsed.consumed, 23U);
  EXPECT_FALSE(parsed.request.keep_alive);  // HTTP/1.0 default
}

TEST(HttpRequest, ConnectionOptions) {
  EXPECT_FALSE(parse_request_head("GET / HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n", kMax)
                   .request.keep_alive);
  EXPECT_TRUE(parse_request_head("GET / HTTP/1.0\r\nConnection: foo, keep-alive\r\n\r\n", kMax)
                  .request.keep_alive);
}

TEST(HttpRequest, OversizedHeadIs431) {
  const std::string big = "GET /metrics HTTP/1.1\r\nX: " + std::string(200, 'a');
  EXPECT_EQ(parse_request_head(big, 100).status, 431);
  EXPECT_EQ(parse_request_head(big + "\r\n\r\n", 100).status, 431);
  EXPECT_EQ(parse_request_head(big, 1000).kind, Kind::kIncomplete);
}

TEST(HttpRequest, MalformedIs400) {
  for (const std::string& bad : std::vector<std::string>{
           "GET\r\n\r\n",
           "GET /metrics\r\n\r\n",
           "GET /metrics HTTP/1.1 extra\r\nHost: x\r\n\r\n",
           "GET  /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
           "G(T /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
           "GET /metrics HTTX/1.1\r\nHost: x\r\n\r\n",
           "GET /metrics HTTP/1.1\r\nNo colon here\r\n\r\n",
           "GET /metrics HTTP/1.1\r\nHost : x\r\n\r\n",
           "GET /metrics HTTP/1.1\r\n\r\n",                        // HTTP/1.1 without Host
           "GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",  // two Hosts
           "GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
           "GET /metrics HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
           std::string("GET /met\x01rics HTTP/1.1\r\nHost: a\r\n\r\n"),
       }) {
    const HeadParse parsed = parse_request_head(bad, kMax);
    EXPECT_EQ(parsed.kind, Kind::kError) << bad;
    EXPECT_EQ(parsed.status, 400) << bad;
    EXPECT_FALSE(parsed.error.empty());
  }
  EXPECT_EQ(parse_request_head("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", kMax).kind,
            Kind::kComplete);
}

TEST(HttpRequest, OtherMajorVersionsAre505) {
  EXPECT_EQ(parse_request_head("GET /metrics HTTP/2.0\r\n\r\n", kMax).status, 505);
}

}  // namespace
}  // namespace sluice::metrics
