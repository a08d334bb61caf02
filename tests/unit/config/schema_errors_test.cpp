// One test per error class of the schema itself: syntax, unknown keys, missing keys, types,
// ranges, enum spellings, malformed values. Each asserts the exact printed line, line:col
// included (the column is that of the offending value, of the key for unknown keys, and of
// the table header for missing keys).
#include "tests/unit/config/config_test_support.hpp"

namespace sluice::config {
namespace {

using testing::errors;
using testing::lines;
using testing::Lines;
using testing::with_interfaces;

TEST(SyntaxErrors, TomlSyntaxErrorIsReportedAtItsPosition) {
  const auto found = errors(lines({"[dpdk]", "workers = = 2"}));
  ASSERT_EQ(found.size(), 1u);  // toml++ stops at the first syntax error
  EXPECT_EQ(found[0],
            "t.toml:2:11: error: Error while parsing value: could not determine value type");
}

TEST(SyntaxErrors, RedefinedKeyIsASyntaxError) {
  const auto found = errors(lines({"[dpdk]", "burst = 1", "burst = 2"}));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rfind("t.toml:3:", 0), 0u) << found[0];
  EXPECT_NE(found[0].find("burst"), std::string::npos) << found[0];
}

TEST(SyntaxErrors, UnterminatedStringStopsTheParse) {
  const auto found = errors(lines({"[appliance]", "mode = \"dpdk", "[[services]]"}));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rfind("t.toml:2:", 0), 0u) << found[0];
}

TEST(UnknownKeys, AtTheTopLevelInSectionsAndInNestedTables) {
  EXPECT_EQ(errors(with_interfaces({
                "frobnicate = 1",                 // 1
                "[dpdk]",                         // 2
                "wokers = 2",                     // 3
                "[[services]]",                   // 4
                "name = \"web\"",                 // 5
                "vip = \"10.10.0.100\"",          // 6
                "port = 80",                      // 7
                "schedular = \"rr\"",             // 8
                "[services.proxy_protocol]",      // 9
                "tlv = [\"crc32c\"]",             // 10
                "[[services.backends]]",          // 11
                "address = \"10.20.0.2\"",        // 12
                "port = 8080",                    // 13
                "wieght = 2",                     // 14
            })),
            (Lines{
                "t.toml:1:1: error: frobnicate: unknown key",
                "t.toml:3:1: error: dpdk.wokers: unknown key (did you mean 'workers'?)",
                "t.toml:8:1: error: services[0].schedular: unknown key (did you mean 'scheduler'?)",
                "t.toml:10:1: error: services[0].proxy_protocol.tlv: unknown key (did you mean "
                "'tlvs'?)",
                "t.toml:14:1: error: services[0].backends[0].wieght: unknown key (did you mean "
                "'weight'?)",
            }));
}

TEST(UnknownKeys, InInterfaceRoutesNeighborsAndCustomTlvs) {
  EXPECT_EQ(errors(with_interfaces({
                "[[routes]]",                                  // 1
                "prefix = \"0.0.0.0/0\"",                      // 2
                "via = \"10.10.0.254\"",                       // 3
                "metric = 5",                                  // 4
                "[[neighbors]]",                               // 5
                "address = \"10.20.0.9\"",                     // 6
                "mac = \"02:00:00:00:00:09\"",                 // 7
                "interface = \"back\"",                        // 8
                "iface = \"back\"",                            // 9
                "[[services]]",                                // 10
                "name = \"web\"",                              // 11
                "vip = \"10.10.0.100\"",                       // 12
                "port = 80",                                   // 13
                "[services.proxy_protocol]",                   // 14
                "custom = [ { type = 0xE0, value = \"00\" } ]",  // 15
                "[[services.backends]]",                       // 16
                "address = \"10.20.0.2\"",                     // 17
                "port = 8080",                                 // 18
            })),
            (Lines{
                "t.toml:4:1: error: routes[0].metric: unknown key",
                "t.toml:9:1: error: neighbors[0].iface: unknown key",
                "t.toml:15:12: error: services[0].proxy_protocol.custom[0]: missing required key "
                "'hex'",
                "t.toml:15:27: error: services[0].proxy_protocol.custom[0].value: unknown key",
            }));
}

TEST(MissingKeys, ReportedAtTheTable) {
  EXPECT_EQ(errors(with_interfaces({
                "[[routes]]",           // 1
                "prefix = \"0.0.0.0/0\"",  // 2
                "[[services]]",         // 3
                "port = 80",            // 4
                "[[services.backends]]",  // 5
                "port = 8080",          // 6
            })),
            (Lines{
                "t.toml:1:1: error: routes[0]: missing required key 'via'",
                "t.toml:3:1: error: services[0]: missing required key 'name'",
                "t.toml:3:1: error: services[0]: missing required key 'vip'",
                "t.toml:5:1: error: services[0].backends[0]: missing required key 'address'",
            }));
}

TEST(MissingKeys, InterfaceNameAndNeighborFields) {
  EXPECT_EQ(errors(lines({
                "[[neighbors]]",         // 1
                "address = \"10.0.0.9\"",  // 2
                "[[interfaces]]",        // 3
                "dpdk = \"x\"",          // 4
            })),
            (Lines{
                "t.toml:1:1: error: neighbors[0]: missing required key 'mac'",
                "t.toml:1:1: error: neighbors[0]: missing required key 'interface'",
                "t.toml:3:1: error: interfaces[0]: missing required key 'name'",
            }));
}

TEST(WrongTypes, KernelStandoffIsABoolean) {
  EXPECT_EQ(errors(with_interfaces({
                "[dpdk]",               // 1
                "kernel_standoff = 1",  // 2
            })),
            (Lines{
                "t.toml:2:19: error: dpdk.kernel_standoff: expected a boolean, got an integer",
            }));
}

TEST(WrongTypes, EveryKindOfMismatch) {
  EXPECT_EQ(errors(with_interfaces({
                "[appliance]",              // 1
                "mode = 1",                 // 2
                "[dpdk]",                   // 3
                "burst = \"32\"",           // 4
                "workers = 1.5",            // 5
                "eal_args = \"--no-huge\"",  // 6
                "[console]",                // 7
                "listen = true",            // 8
                "[[services]]",             // 9
                "name = \"web\"",           // 10
                "vip = \"10.10.0.100\"",    // 11
                "port = 80",                // 12
                "snat = \"10.20.0.1\"",     // 13
                "[services.health]",        // 14
                "send_proxy = \"yes\"",     // 15
                "[[services.backends]]",    // 16
                "address = \"10.20.0.2\"",  // 17
                "port = 8080",              // 18
                "weight = 1979-05-27",      // 19
            })),
            (Lines{
                "t.toml:2:8: error: appliance.mode: expected a string, got an integer",
                "t.toml:4:9: error: dpdk.burst: expected an integer, got a string",
                "t.toml:5:11: error: dpdk.workers: expected an integer, got a floating-point "
                "number",
                "t.toml:6:12: error: dpdk.eal_args: expected an array, got a string",
                "t.toml:8:10: error: console.listen: expected a string, got a boolean",
                "t.toml:13:8: error: services[0].snat: expected an array, got a string",
                "t.toml:15:14: error: services[0].health.send_proxy: expected a boolean, got a "
                "string",
                "t.toml:19:10: error: services[0].backends[0].weight: expected an integer, got a "
                "date",
            }));
}

TEST(WrongTypes, SectionsAndArraysOfTables) {
  EXPECT_EQ(errors(lines({
                "dpdk = 5",               // 1
                "interfaces = [\"front\"]",  // 2
                "services = { name = \"x\" }",  // 3
            })),
            (Lines{
                "t.toml:1:8: error: dpdk: expected a table, got an integer",
                "t.toml:2:15: error: interfaces[0]: expected a table, got a string",
                "t.toml:3:12: error: services: expected an array, got a table",
            }));
}

TEST(OutOfRange, GlobalSettings) {
  EXPECT_EQ(errors(with_interfaces({
                "[dpdk]",                     // 1
                "workers = 0",                // 2
                "burst = 513",                // 3
                "idle_sleep_us = -1",         // 4
                "[conntrack]",                // 5
                "max_entries = 100",          // 6
                "tcp_syn_timeout_s = 0",      // 7
                "udp_timeout_s = 604801",     // 8
            })),
            (Lines{
                "t.toml:2:11: error: dpdk.workers: must be between 1 and 128, got 0",
                "t.toml:3:9: error: dpdk.burst: must be between 1 and 512, got 513",
                "t.toml:4:17: error: dpdk.idle_sleep_us: must be between 0 and 100000, got -1",
                "t.toml:6:15: error: conntrack.max_entries: must be between 1024 and 268435456, "
                "got 100",
                "t.toml:7:21: error: conntrack.tcp_syn_timeout_s: must be between 1 and 604800, "
                "got 0",
                "t.toml:8:17: error: conntrack.udp_timeout_s: must be between 1 and 604800, got "
                "604801",
            }));
}

TEST(OutOfRange, EmbryonicLimits) {
  EXPECT_EQ(errors(with_interfaces({
                "[conntrack]",                          // 1
                "max_embryonic = 3",                    // 2
                "tcp_syn_pressure_timeout_s = 0",       // 3
            })),
            (Lines{
                "t.toml:2:17: error: conntrack.max_embryonic: must be between 4 and 268435456, "
                "got 3",
                "t.toml:3:30: error: conntrack.tcp_syn_pressure_timeout_s: must be between 1 and "
                "604800, got 0",
            }));
  // Longer than the SYN timeout it is meant to shorten: named, with both values.
  EXPECT_EQ(errors(with_interfaces({
                "[conntrack]",                          // 1
                "tcp_syn_timeout_s = 5",                // 2
                "tcp_syn_pressure_timeout_s = 10",      // 3
            })),
            (Lines{
                "t.toml:3:30: error: conntrack.tcp_syn_pressure_timeout_s: 10 s is longer than "
                "tcp_syn_timeout_s (5 s); under pressure embryonic flows expire sooner, not later",
            }));
  // The default pressure timeout (3 s) with a shorter SYN timeout is fine: the shorter applies.
  EXPECT_EQ(errors(with_interfaces({"[conntrack]", "tcp_syn_timeout_s = 2", "max_embryonic = 4"})),
            Lines{});
}

TEST(OutOfRange, SnatPortRange) {
  EXPECT_EQ(errors(with_interfaces({
                "[conntrack]",               // 1
                "snat_port_first = 80",      // 2
                "snat_port_last = 64512",    // 3
            })),
            (Lines{
                "t.toml:2:19: error: conntrack.snat_port_first: must be between 1024 and 64511, "
                "got 80",
                "t.toml:3:18: error: conntrack.snat_port_last: must be between 1024 and 64511, "
                "got 64512",
            }));
  // A tiny range is allowed (the lab's fault tests fill it), but every worker needs ports.
  EXPECT_EQ(errors(with_interfaces({"[conntrack]", "snat_port_first = 2000", "snat_port_last = 2063"})),
            Lines{});
  EXPECT_EQ(errors(with_interfaces({
                "[dpdk]",                    // 1
                "workers = 4",               // 2
                "[conntrack]",               // 3
                "snat_port_first = 2000",    // 4
                "snat_port_last = 2099",     // 5
            })),
            (Lines{
                "t.toml:5:18: error: conntrack.snat_port_last: the SNAT port range 2000-2099 "
                "holds 100 ports; at least 128 are needed (64, and 32 per dpdk worker)",
            }));
  EXPECT_EQ(errors(with_interfaces({"[conntrack]", "snat_port_first = 5000"})), Lines{});
  EXPECT_EQ(errors(with_interfaces({"[conntrack]", "snat_port_first = 3000", "snat_port_last = 2000"})),
            (Lines{
                "t.toml:3:18: error: conntrack.snat_port_last: the SNAT port range 3000-2000 "
                "holds 0 ports; at least 64 are needed (64, and 32 per dpdk worker)",
            }));
}

TEST(OutOfRange, PortsWeightsAndMtu) {
  EXPECT_EQ(errors(lines({
                "[[interfaces]]",                  // 1
                "name = \"a\"",                    // 2
                "dpdk = \"x\"",                    // 3
                "addresses = [\"10.0.0.1/24\"]",   // 4
                "mtu = 575",                       // 5
                "[[interfaces]]",                  // 6
                "name = \"b\"",                    // 7
                "dpdk = \"y\"",                    // 8
                "addresses = [\"fd00::1/64\"]",    // 9
                "mtu = 1279",                      // 10
                "[[interfaces]]",                  // 11
                "name = \"c\"",                    // 12
                "dpdk = \"z\"",                    // 13
                "mtu = 9217",                      // 14
                "[[services]]",                    // 15
                "name = \"web\"",                  // 16
                "vip = \"10.0.0.100\"",            // 17
                "port = 0",                        // 18
                "[[services.backends]]",           // 19
                "address = \"10.0.0.2\"",          // 20
                "port = 65536",                    // 21
                "weight = 1001",                   // 22
            })),
            (Lines{
                "t.toml:5:7: error: interfaces[0].mtu: must be between 576 and 9216, got 575",
                "t.toml:10:7: error: interfaces[1].mtu: must be at least 1280 on an interface with "
                "IPv6 addresses (RFC 8200 section 5), got 1279",
                "t.toml:14:7: error: interfaces[2].mtu: must be between 576 and 9216, got 9217",
                "t.toml:18:8: error: services[0].port: must be between 1 and 65535, got 0",
                "t.toml:21:8: error: services[0].backends[0].port: must be between 1 and 65535, "
                "got 65536",
                "t.toml:22:10: error: services[0].backends[0].weight: must be between 0 and 1000, "
                "got 1001",
            }));
}

TEST(OutOfRange, HealthCheckTimings) {
  EXPECT_EQ(errors(with_interfaces({
                "[[services]]",              // 1
                "name = \"web\"",            // 2
                "vip = \"10.10.0.100\"",     // 3
                "port = 80",                 // 4
                "[services.health]",         // 5
                "interval_ms = 50",          // 6
                "rise = 0",                  // 7
                "fall = 101",                // 8
                "[[services.backends]]",     // 9
                "address = \"10.20.0.2\"",   // 10
                "port = 8080",               // 11
                "[[services]]",              // 12
                "name = \"web2\"",           // 13
                "vip = \"10.10.0.100\"",     // 14
                "port = 81",                 // 15
                "[services.health]",         // 16
                "interval_ms = 1000",        // 17
                "timeout_ms = 1001",         // 18
                "[[services.backends]]",     // 19
                "address = \"10.20.0.2\"",   // 20
                "port = 8080",               // 21
            })),
            (Lines{
                "t.toml:6:15: error: services[0].health.interval_ms: must be between 100 and "
                "3600000, got 50",
                "t.toml:7:8: error: services[0].health.rise: must be between 1 and 100, got 0",
                "t.toml:8:8: error: services[0].health.fall: must be between 1 and 100, got 101",
                "t.toml:18:14: error: services[1].health.timeout_ms: timeout_ms (1001) must not "
                "exceed interval_ms (1000)",
            }));
}

TEST(EnumValues, NotInTheSet) {
  EXPECT_EQ(errors(with_interfaces({
                "[appliance]",               // 1
                "log_level = \"verbose\"",   // 2
                "[xdp]",                     // 3
                "attach = \"offload\"",      // 4
                "[[services]]",              // 5
                "name = \"web\"",            // 6
                "vip = \"10.10.0.100\"",     // 7
                "port = 80",                 // 8
                "protocol = \"TCP\"",        // 9
                "scheduler = \"random\"",    // 10
                "[services.proxy_protocol]",  // 11
                "send = \"later\"",          // 12
                "udp = \"never\"",           // 13
                "[services.health]",         // 14
                "kind = \"icmp\"",           // 15
                "[[services.backends]]",     // 16
                "address = \"10.20.0.2\"",   // 17
                "port = 8080",               // 18
            })),
            (Lines{
                "t.toml:2:13: error: appliance.log_level: must be one of \"trace\", \"debug\", "
                "\"info\", \"warn\", \"error\"; got \"verbose\"",
                "t.toml:4:10: error: xdp.attach: must be one of \"native\", \"generic\"; got "
                "\"offload\"",
                "t.toml:9:12: error: services[0].protocol: must be one of \"tcp\", \"udp\"; got "
                "\"TCP\"",
                "t.toml:10:13: error: services[0].scheduler: must be one of \"rr\", \"wrr\", "
                "\"maglev\", \"source-hash\", \"least-conn\"; got \"random\"",
                "t.toml:12:8: error: services[0].proxy_protocol.send: must be one of "
                "\"on-connect\", \"with-data\"; got \"later\"",
                "t.toml:13:7: error: services[0].proxy_protocol.udp: must be one of "
                "\"every-datagram\", \"first-datagram\"; got \"never\"",
                "t.toml:15:8: error: services[0].health.kind: must be one of \"tcp\", \"http\"; "
                "got \"icmp\"",
            }));
}

// syn_proxy is a closed set like the other enums; the secret is exactly 32 hex digits, and the
// message never repeats what was written (it is a secret).
TEST(EnumValues, SynProxyAndCookieSecret) {
  EXPECT_EQ(errors(with_interfaces({
                "[conntrack]",                                      // 1
                "syn_cookie_secret = \"0123456789abcdef0123\"",     // 2
                "[[services]]",                                     // 3
                "name = \"web\"",                                   // 4
                "vip = \"10.10.0.100\"",                            // 5
                "port = 80",                                        // 6
                "syn_proxy = \"always\"",                           // 7
                "[[services.backends]]",                            // 8
                "address = \"10.20.0.2\"",                          // 9
                "port = 8080",                                      // 10
            })),
            (Lines{
                "t.toml:2:21: error: conntrack.syn_cookie_secret: must be exactly 32 hex digits "
                "(128 bits; 20 characters given)",
                "t.toml:7:13: error: services[0].syn_proxy: must be one of \"auto\", \"on\", "
                "\"off\"; got \"always\"",
            }));
  // 32 characters, one of them not a hex digit; and not a string at all.
  EXPECT_EQ(errors(with_interfaces({"[conntrack]", "syn_cookie_secret = \"0123456789abcdef0123456789abcdeg\""})),
            (Lines{"t.toml:2:21: error: conntrack.syn_cookie_secret: must be exactly 32 hex digits "
                   "(128 bits; 32 characters given)"}));
  const auto not_a_string = errors(with_interfaces({"[conntrack]", "syn_cookie_secret = 12"}));
  ASSERT_EQ(not_a_string.size(), 1u);
  EXPECT_NE(not_a_string[0].find("t.toml:2:21: error: conntrack.syn_cookie_secret"), std::string::npos)
      << not_a_string[0];
}

TEST(EnumValues, ModeAndProxyVersion) {
  EXPECT_EQ(errors(with_interfaces({
                "[appliance]",                // 1
                "mode = \"netmap\"",          // 2
                "[[services]]",               // 3
                "name = \"web\"",             // 4
                "vip = \"10.10.0.100\"",      // 5
                "port = 80",                  // 6
                "[services.proxy_protocol]",  // 7
                "version = 3",                // 8
                "[[services.backends]]",      // 9
                "address = \"10.20.0.2\"",    // 10
                "port = 8080",                // 11
            })),
            (Lines{
                "t.toml:2:8: error: appliance.mode: must be one of \"dpdk\", \"xdp\"; got "
                "\"netmap\"",
                "t.toml:8:11: error: services[0].proxy_protocol.version: must be between 1 and 2, "
                "got 3",
            }));
}

TEST(MalformedValues, AddressesPrefixesMacsAndEndpoints) {
  EXPECT_EQ(errors(lines({
                "[console]",                                 // 1
                "listen = \"localhost:7070\"",               // 2
                "[metrics]",                                 // 3
                "listen = \"[::1]:0\"",                      // 4
                "[[interfaces]]",                            // 5
                "name = \"front\"",                          // 6
                "dpdk = \"x\"",                              // 7
                "addresses = [\"10.0.0.1\", \"10.0.0.2/33\", \"0.0.0.0/8\"]",  // 8
                "[[neighbors]]",                             // 9
                "address = \"10.0.0.256\"",                  // 10
                "mac = \"02:00:00:00:00\"",                  // 11
                "interface = \"front\"",                     // 12
                "[[routes]]",                                // 13
                "prefix = \"10.1.0.0\"",                     // 14
                "via = \"224.0.0.1\"",                       // 15
            })),
            (Lines{
                "t.toml:2:10: error: console.listen: \"localhost:7070\" is not IP:PORT (IPv6 as "
                "[IP]:PORT, port 1-65535); \"\" disables it",
                "t.toml:4:10: error: metrics.listen: \"[::1]:0\" is not IP:PORT (IPv6 as "
                "[IP]:PORT, port 1-65535); \"\" disables it",
                "t.toml:8:14: error: interfaces[0].addresses[0]: \"10.0.0.1\" is not an "
                "ADDRESS/LENGTH prefix",
                "t.toml:8:26: error: interfaces[0].addresses[1]: \"10.0.0.2/33\" is not an "
                "ADDRESS/LENGTH prefix",
                "t.toml:8:41: error: interfaces[0].addresses[2]: 0.0.0.0/8 is not a unicast host "
                "address with a non-zero prefix length",
                "t.toml:10:11: error: neighbors[0].address: \"10.0.0.256\" is not an IPv4 or IPv6 "
                "address",
                "t.toml:11:7: error: neighbors[0].mac: \"02:00:00:00:00\" is not a MAC address "
                "like 02:00:00:00:00:09",
                "t.toml:14:10: error: routes[0].prefix: \"10.1.0.0\" is not an ADDRESS/LENGTH "
                "prefix",
                "t.toml:15:7: error: routes[0].via: 224.0.0.1 is not a unicast host address",
            }));
}

TEST(MalformedValues, NamesAndDevices) {
  EXPECT_EQ(errors(lines({
                "[[interfaces]]",                        // 1
                "name = \"front end\"",                  // 2
                "dpdk = \"\"",                           // 3
                "kernel = \"eth0/1\"",                   // 4
                "[[services]]",                          // 5
                "name = \"-web\"",                       // 6
                "vip = \"::\"",                          // 7
                "port = 80",                             // 8
                "[[services.backends]]",                 // 9
                "address = \"127.0.0.1\"",               // 10
                "port = 8080",                           // 11
            })),
            (Lines{
                "t.toml:2:8: error: interfaces[0].name: \"front end\" is not a valid name (1-63 "
                "characters: letters, digits, '_', '.', '-'; starting with a letter or digit)",
                "t.toml:3:8: error: interfaces[0].dpdk: \"\" is not a DPDK device (a PCI address "
                "or vdev devargs such as \"net_af_packet0,iface=eth1\")",
                "t.toml:4:10: error: interfaces[0].kernel: \"eth0/1\" is not a kernel interface "
                "name (1-15 bytes, no '/', ':' or whitespace)",
                "t.toml:6:8: error: services[0].name: \"-web\" is not a valid name (1-63 "
                "characters: letters, digits, '_', '.', '-'; starting with a letter or digit)",
                "t.toml:7:7: error: services[0].vip: :: is not a unicast host address",
                "t.toml:10:11: error: services[0].backends[0].address: 127.0.0.1 is not a unicast "
                "host address",
            }));
}

}  // namespace
}  // namespace sluice::config
