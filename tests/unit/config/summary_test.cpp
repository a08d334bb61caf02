// The `sluice check` line per service: field order and spelling are a stable interface.
#include "control/config/summary.hpp"
#include "tests/unit/config/config_test_support.hpp"

namespace sluice::config {
namespace {

using testing::parse_ok;
using testing::with_interfaces;

TEST(Summary, EveryFieldInItsPlace) {
  const auto config = parse_ok(with_interfaces({
      "[[services]]",
      "name = \"web\"",
      "vip = \"10.10.0.100\"",
      "port = 80",
      "[services.proxy_protocol]",
      "tlvs = [\"crc32c\", \"unique-id\"]",
      "custom = [{ type = 0xEA, hex = \"01\" }]",
      "[services.health]",
      "kind = \"http\"",
      "path = \"/healthz\"",
      "[[services.backends]]",
      "address = \"10.20.0.2\"",
      "port = 8080",
      "[[services.backends]]",
      "address = \"fd20::2\"",
      "port = 8080",
      "[[services]]",
      "name = \"dns6\"",
      "vip = \"fd10::53\"",
      "port = 53",
      "protocol = \"udp\"",
      "scheduler = \"source-hash\"",
      "[services.proxy_protocol]",
      "udp = \"first-datagram\"",
      "[services.health]",
      "[[services.backends]]",
      "address = \"fd20::53\"",
      "port = 5353",
      "[[services]]",
      "name = \"plain\"",
      "vip = \"10.10.0.101\"",
      "port = 22",
      "scheduler = \"least-conn\"",
      "[[services.backends]]",
      "address = \"10.20.0.22\"",
      "port = 22",
      "[[services]]",
      "name = \"mail\"",
      "vip = \"10.10.0.101\"",
      "port = 25",
      "[services.proxy_protocol]",
      "version = 1",
      "send = \"with-data\"",
      "[[services.backends]]",
      "address = \"10.20.0.25\"",
      "port = 25",
  }));
  ASSERT_TRUE(config);
  ASSERT_EQ(config->services.size(), 4u);
  EXPECT_EQ(summarize(config->services[0]),
            "web  tcp 10.10.0.100:80  maglev  2 backends  proxy v2 on-connect "
            "tlvs=crc32c,unique-id,0xea  health http /healthz  snat 10.20.0.1,fd20::1");
  EXPECT_EQ(summarize(config->services[1]),
            "dns6  udp [fd10::53]:53  source-hash  1 backend  proxy v2 first-datagram  health tcp  "
            "snat fd20::1");
  EXPECT_EQ(summarize(config->services[2]),
            "plain  tcp 10.10.0.101:22  least-conn  1 backend  proxy none  health none  snat "
            "10.20.0.1");
  EXPECT_EQ(summarize(config->services[3]),
            "mail  tcp 10.10.0.101:25  maglev  1 backend  proxy v1 with-data  health none  snat "
            "10.20.0.1");
}

}  // namespace
}  // namespace sluice::config
