// One test per semantic error class: rules that relate values to each other (duplicates,
// families, ownership, per-mode requirements, PROXY protocol consistency). Each asserts the
// exact printed line, line:col included.
#include "tests/unit/config/config_test_support.hpp"

namespace sluice::config {
namespace {

using testing::errors;
using testing::lines;
using testing::Lines;
using testing::parse_ok;
using testing::with_interfaces;

TEST(Interfaces, AtLeastOneIsRequired) {
  EXPECT_EQ(errors(""), (Lines{"t.toml:1:1: error: interfaces: at least one [[interfaces]] table "
                               "is required"}));
  EXPECT_EQ(errors(lines({"interfaces = []", "[dpdk]", "workers = 2"})),
            (Lines{"t.toml:1:14: error: interfaces: at least one [[interfaces]] table is "
                   "required"}));
}

TEST(Interfaces, DuplicateNames) {
  EXPECT_EQ(errors(lines({
                "[[interfaces]]",     // 1
                "name = \"front\"",   // 2
                "dpdk = \"x\"",       // 3
                "[[interfaces]]",     // 4
                "name = \"front\"",   // 5
                "dpdk = \"y\"",       // 6
            })),
            (Lines{"t.toml:5:8: error: interfaces[1].name: duplicate interface name \"front\" "
                   "(also interfaces[0])"}));
}

TEST(Interfaces, OverlappingSubnetsAndRepeatedAddresses) {
  EXPECT_EQ(errors(lines({
                "[[interfaces]]",                                      // 1
                "name = \"a\"",                                        // 2
                "dpdk = \"x\"",                                        // 3
                "addresses = [\"10.0.0.1/24\", \"10.0.0.1/24\"]",      // 4
                "[[interfaces]]",                                      // 5
                "name = \"b\"",                                        // 6
                "dpdk = \"y\"",                                        // 7
                "addresses = [\"10.0.0.2/16\"]",                       // 8
            })),
            (Lines{
                "t.toml:4:29: error: interfaces[0].addresses[1]: address 10.0.0.1 is listed twice",
            }));
  EXPECT_EQ(errors(lines({
                "[[interfaces]]",                                      // 1
                "name = \"a\"",                                        // 2
                "dpdk = \"x\"",                                        // 3
                "addresses = [\"10.0.0.1/24\", \"fd00::1/64\"]",       // 4
                "[[interfaces]]",                                      // 5
                "name = \"b\"",                                        // 6
                "dpdk = \"y\"",                                        // 7
                "addresses = [\"10.0.0.2/16\", \"fd01::1/64\"]",       // 8
            })),
            (Lines{"t.toml:8:14: error: interfaces[1].addresses[0]: 10.0.0.2/16 overlaps "
                   "10.0.0.1/24 of interface \"a\""}));
}

TEST(Interfaces, DpdkModeNeedsDevargsXdpModeNeedsKernelName) {
  const auto doc = lines({
      "[[interfaces]]",       // 1
      "name = \"front\"",     // 2
      "kernel = \"eth1\"",    // 3
      "[[interfaces]]",       // 4
      "name = \"back\"",      // 5
      "dpdk = \"0000:3b:00.1\"",  // 6
  });
  EXPECT_EQ(errors(doc), (Lines{"t.toml:1:1: error: interfaces[0]: missing required key 'dpdk' "
                                "(mode is \"dpdk\")"}));
  EXPECT_EQ(errors("[appliance]\nmode = \"xdp\"\n" + doc),
            (Lines{"t.toml:6:1: error: interfaces[1]: missing required key 'kernel' (mode is "
                   "\"xdp\")"}));
  // `sluice run --mode` overrides the file's mode before the check.
  EXPECT_EQ(errors(doc, LoadOptions{Mode::kXdp}),
            (Lines{"t.toml:4:1: error: interfaces[1]: missing required key 'kernel' (mode is "
                   "\"xdp\")"}));
  const auto overridden = parse_ok("[appliance]\nmode = \"dpdk\"\n" + lines({
                                       "[[interfaces]]",
                                       "name = \"front\"",
                                       "kernel = \"eth1\"",
                                   }),
                                   LoadOptions{Mode::kXdp});
  ASSERT_TRUE(overridden);
  EXPECT_EQ(overridden->appliance.mode, Mode::kXdp);
}

TEST(Routes, GatewayFamilyHostBitsConnectivityAndDuplicates) {
  EXPECT_EQ(errors(with_interfaces({
                "[[routes]]",               // 1
                "prefix = \"0.0.0.0/0\"",   // 2
                "via = \"fd10::254\"",      // 3
                "[[routes]]",               // 4
                "prefix = \"10.1.2.3/8\"",  // 5
                "via = \"10.10.0.254\"",    // 6
            })),
            (Lines{
                "t.toml:3:7: error: routes[0].via: gateway fd10::254 is IPv6 but prefix "
                "0.0.0.0/0 is IPv4",
                "t.toml:5:10: error: routes[1].prefix: 10.1.2.3/8 has host bits set (did you mean "
                "10.0.0.0/8?)",
            }));
  EXPECT_EQ(errors(with_interfaces({
                "[[routes]]",                // 1
                "prefix = \"0.0.0.0/0\"",    // 2
                "via = \"10.30.0.254\"",     // 3
                "[[routes]]",                // 4
                "prefix = \"0.0.0.0/0\"",    // 5
                "via = \"10.10.0.254\"",     // 6
            })),
            (Lines{
                "t.toml:3:7: error: routes[0].via: gateway 10.30.0.254 is not on a subnet of any "
                "interface",
                "t.toml:5:10: error: routes[1].prefix: duplicate route for 0.0.0.0/0 (also "
                "routes[0])",
            }));
}

TEST(Neighbors, UnknownInterfaceOffLinkAndDuplicate) {
  EXPECT_EQ(errors(with_interfaces({
                "[[neighbors]]",                 // 1
                "address = \"10.20.0.9\"",       // 2
                "mac = \"02:00:00:00:00:09\"",   // 3
                "interface = \"bak\"",           // 4
                "[[neighbors]]",                 // 5
                "address = \"10.20.0.9\"",       // 6
                "mac = \"02:00:00:00:00:0a\"",   // 7
                "interface = \"front\"",         // 8
            })),
            (Lines{
                "t.toml:4:13: error: neighbors[0].interface: no interface named \"bak\"",
                "t.toml:6:11: error: neighbors[1].address: duplicate neighbor 10.20.0.9 (also "
                "neighbors[0])",
                "t.toml:6:11: error: neighbors[1].address: 10.20.0.9 is not on a subnet of "
                "interface \"front\"",
            }));
  EXPECT_EQ(errors(with_interfaces({
                "[[neighbors]]",                 // 1
                "address = \"10.20.0.9\"",       // 2
                "mac = \"ff:ff:ff:ff:ff:ff\"",   // 3
                "interface = \"back\"",          // 4
            })),
            (Lines{"t.toml:3:7: error: neighbors[0].mac: ff:ff:ff:ff:ff:ff is not a unicast MAC "
                   "address"}));
}

TEST(Console, PasswordRequiredUnlessLoopback) {
  EXPECT_EQ(errors(with_interfaces({"[console]", "listen = \"0.0.0.0:7070\""})),
            (Lines{"t.toml:1:1: error: console.password: a non-empty password is required when "
                   "console.listen (0.0.0.0:7070) is not a loopback address"}));
  EXPECT_EQ(errors(with_interfaces(
                {"[console]", "listen = \"[fd10::1]:7070\"", "password = \"\""})),
            (Lines{"t.toml:3:12: error: console.password: a non-empty password is required when "
                   "console.listen ([fd10::1]:7070) is not a loopback address"}));
  EXPECT_TRUE(errors(with_interfaces({"[console]", "listen = \"[::1]:7070\""})).empty());
  EXPECT_TRUE(errors(with_interfaces({"[console]", "listen = \"127.0.0.2:7070\""})).empty());
  EXPECT_TRUE(
      errors(with_interfaces({"[console]", "listen = \"10.10.0.1:7070\"", "password = \"s3cret\""}))
          .empty());
}

TEST(Services, DuplicateNamesAndListeners) {
  EXPECT_EQ(errors(with_interfaces({
                "[[services]]",              // 1
                "name = \"web\"",            // 2
                "vip = \"10.10.0.100\"",     // 3
                "port = 80",                 // 4
                "[[services.backends]]",     // 5
                "address = \"10.20.0.2\"",   // 6
                "port = 8080",               // 7
                "[[services]]",              // 8
                "name = \"web\"",            // 9
                "vip = \"10.10.0.100\"",     // 10
                "port = 80",                 // 11
                "protocol = \"udp\"",        // 12  same VIP:port, other protocol: fine
                "[[services.backends]]",     // 13
                "address = \"10.20.0.2\"",   // 14
                "port = 8080",               // 15
                "[[services]]",              // 16
                "name = \"web3\"",           // 17
                "vip = \"10.10.0.100\"",     // 18
                "port = 80",                 // 19
                "[[services.backends]]",     // 20
                "address = \"10.20.0.3\"",   // 21
                "port = 8080",               // 22
            })),
            (Lines{
                "t.toml:9:8: error: services[1].name: duplicate service name \"web\" (also "
                "services[0])",
                "t.toml:18:7: error: services[2]: tcp 10.10.0.100:80 is already the listener of "
                "services[0]",
            }));
}

TEST(Services, BackendsRequiredAndDistinct) {
  EXPECT_EQ(errors(with_interfaces({
                "[[services]]",              // 1
                "name = \"a\"",              // 2
                "vip = \"10.10.0.100\"",     // 3
                "port = 80",                 // 4
                "[[services]]",              // 5
                "name = \"b\"",              // 6
                "vip = \"10.10.0.100\"",     // 7
                "port = 81",                 // 8
                "backends = []",             // 9
                "[[services]]",              // 10
                "name = \"c\"",              // 11
                "vip = \"10.10.0.100\"",     // 12
                "port = 82",                 // 13
                "[[services.backends]]",     // 14
                "address = \"10.20.0.2\"",   // 15
                "port = 8080",               // 16
                "[[services.backends]]",     // 17
                "address = \"10.20.0.2\"",   // 18
                "port = 8080",               // 19
                "weight = 5",                // 20
            })),
            (Lines{
                "t.toml:1:1: error: services[0]: missing required key 'backends'",
                "t.toml:9:12: error: services[1].backends: at least one backend is required",
                "t.toml:18:11: error: services[2].backends[1]: duplicate backend 10.20.0.2:8080 "
                "(also services[2].backends[0])",
            }));
}

TEST(Snat, AddressesMustBeOwnedAndOnePerFamily) {
  EXPECT_EQ(errors(with_interfaces({
                "[[services]]",                                       // 1
                "name = \"web\"",                                     // 2
                "vip = \"10.10.0.100\"",                              // 3
                "port = 80",                                          // 4
                "snat = [\"10.20.0.9\", \"fd20::1\", \"fd20::2\"]",   // 5
                "[[services.backends]]",                              // 6
                "address = \"10.20.0.2\"",                            // 7
                "port = 8080",                                        // 8
            })),
            (Lines{
                "t.toml:5:9: error: services[0].snat[0]: 10.20.0.9 is not an address of any "
                "interface",
                "t.toml:5:33: error: services[0].snat[2]: a second IPv6 address; snat takes at "
                "most one address per family",
            }));
}

TEST(Snat, BackendFamilyWithoutSourceAddress) {
  // No interface has IPv6 and the snat list has none: nothing can source IPv6 towards fd30::2.
  EXPECT_EQ(errors(lines({
                "[[services]]",                  // 1
                "name = \"web\"",                // 2
                "vip = \"10.10.0.100\"",         // 3
                "port = 80",                     // 4
                "snat = [\"10.20.0.1\"]",        // 5
                "[[services.backends]]",         // 6
                "address = \"10.20.0.2\"",       // 7
                "port = 8080",                   // 8
                "[[services.backends]]",         // 9
                "address = \"fd30::2\"",         // 10
                "port = 8080",                   // 11
                "[[interfaces]]",                // 12
                "name = \"front\"",              // 13
                "dpdk = \"x\"",                  // 14
                "addresses = [\"10.10.0.1/24\"]",  // 15
                "[[interfaces]]",                // 16
                "name = \"back\"",               // 17
                "dpdk = \"y\"",                  // 18
                "addresses = [\"10.20.0.1/24\"]",  // 19
            })),
            (Lines{"t.toml:10:11: error: services[0].backends[1].address: no IPv6 source address "
                   "for backend fd30::2: snat lists none and no interface reaches it"}));
  // An IPv4 backend off every subnet and without a route.
  EXPECT_EQ(errors(with_interfaces({
                "[[services]]",                  // 1
                "name = \"web\"",                // 2
                "vip = \"10.10.0.100\"",         // 3
                "port = 80",                     // 4
                "[[services.backends]]",         // 5
                "address = \"10.30.0.2\"",       // 6
                "port = 8080",                   // 7
            })),
            (Lines{"t.toml:6:11: error: services[0].backends[0].address: no IPv4 source address "
                   "for backend 10.30.0.2: snat lists none and no interface reaches it"}));
}

TEST(Snat, BackendsBehindDifferentInterfacesNeedAnExplicitSource) {
  const std::initializer_list<std::string_view> service = {
      "[[services]]",              // 1
      "name = \"web\"",            // 2
      "vip = \"10.10.0.100\"",     // 3
      "port = 80",                 // 4
      "[[services.backends]]",     // 5
      "address = \"10.20.0.2\"",   // 6
      "port = 8080",               // 7
      "[[services.backends]]",     // 8
      "address = \"10.10.0.7\"",   // 9
      "port = 8080",               // 10
  };
  EXPECT_EQ(errors(with_interfaces(service)),
            (Lines{"t.toml:9:11: error: services[0].backends[1].address: backend 10.10.0.7 is "
                   "reached through interface \"front\" but services[0].backends[0] through "
                   "\"back\"; list the IPv4 source address in snat"}));
}

TEST(ProxyProtocol, CustomTlvs) {
  EXPECT_EQ(errors(with_interfaces({
                "[[services]]",                                        // 1
                "name = \"web\"",                                      // 2
                "vip = \"10.10.0.100\"",                               // 3
                "port = 80",                                           // 4
                "[services.proxy_protocol]",                           // 5
                "custom = [",                                          // 6
                "  { type = 0xDF, hex = \"00\" },",                    // 7
                "  { type = 0xF0, hex = \"00\" },",                    // 8
                "  { type = 0xE0, hex = \"abc\" },",                   // 9
                "  { type = 0xE1, hex = \"0g\" },",                    // 10
                "  { type = 0xE2, hex = \"\" },",                      // 11
                "  { type = 0xE2, hex = \"01\" },",                    // 12
                "  { type = -1, hex = \"01\" },",                      // 13
                "  { type = 0xE3, hex = \"" + std::string(512, 'a') + "\" },",  // 14
                "]",                                                   // 15
                "[[services.backends]]",                               // 16
                "address = \"10.20.0.2\"",                             // 17
                "port = 8080",                                         // 18
            })),
            (Lines{
                "t.toml:7:12: error: services[0].proxy_protocol.custom[0].type: must be a custom "
                "TLV type between 0xE0 and 0xEF (PP2_TYPE_MIN_CUSTOM..PP2_TYPE_MAX_CUSTOM), got "
                "0xDF",
                "t.toml:8:12: error: services[0].proxy_protocol.custom[1].type: must be a custom "
                "TLV type between 0xE0 and 0xEF (PP2_TYPE_MIN_CUSTOM..PP2_TYPE_MAX_CUSTOM), got "
                "0xF0",
                "t.toml:9:24: error: services[0].proxy_protocol.custom[2].hex: odd number of hex "
                "digits (3); each byte takes two",
                "t.toml:10:24: error: services[0].proxy_protocol.custom[3].hex: 'g' at offset 1 is "
                "not a hex digit",
                "t.toml:12:12: error: services[0].proxy_protocol.custom[5].type: custom TLV type "
                "0xE2 is listed twice",
                "t.toml:13:12: error: services[0].proxy_protocol.custom[6].type: must be a custom "
                "TLV type between 0xE0 and 0xEF (PP2_TYPE_MIN_CUSTOM..PP2_TYPE_MAX_CUSTOM), got -1",
                "t.toml:14:24: error: services[0].proxy_protocol.custom[7].hex: 256 bytes; a "
                "custom TLV value takes at most 255",
            }));
}

TEST(ProxyProtocol, TlvNamesAndAuthority) {
  EXPECT_EQ(errors(with_interfaces({
                "[[services]]",                                            // 1
                "name = \"a\"",                                            // 2
                "vip = \"10.10.0.100\"",                                   // 3
                "port = 80",                                               // 4
                "[services.proxy_protocol]",                               // 5
                "tlvs = [\"crc32c\", \"alpn\", \"crc32c\", \"authority\"]",  // 6
                "[[services.backends]]",                                   // 7
                "address = \"10.20.0.2\"",                                 // 8
                "port = 8080",                                             // 9
                "[[services]]",                                            // 10
                "name = \"b\"",                                            // 11
                "vip = \"10.10.0.100\"",                                   // 12
                "port = 81",                                               // 13
                "[services.proxy_protocol]",                               // 14
                "authority = \"example.com\"",                             // 15
                "[[services.backends]]",                                   // 16
                "address = \"10.20.0.2\"",                                 // 17
                "port = 8080",                                             // 18
                "[[services]]",                                            // 19
                "name = \"c\"",                                            // 20
                "vip = \"10.10.0.100\"",                                   // 21
                "port = 82",                                               // 22
                "[services.proxy_protocol]",                               // 23
                "tlvs = [\"authority\"]",                                  // 24
                "authority = \"" + std::string(256, 'x') + "\"",           // 25
                "[[services.backends]]",                                   // 26
                "address = \"10.20.0.2\"",                                 // 27
                "port = 8080",                                             // 28
            })),
            (Lines{
                "t.toml:5:1: error: services[0].proxy_protocol.authority: required (non-empty) "
                "when tlvs lists \"authority\"",
                "t.toml:6:19: error: services[0].proxy_protocol.tlvs[1]: must be one of "
                "\"crc32c\", \"unique-id\", \"authority\", \"noop\"; got \"alpn\"",
                "t.toml:6:27: error: services[0].proxy_protocol.tlvs[2]: \"crc32c\" is listed "
                "twice",
                "t.toml:15:13: error: services[1].proxy_protocol.authority: set but tlvs does not "
                "list \"authority\"",
                "t.toml:25:13: error: services[2].proxy_protocol.authority: 256 bytes; at most 255",
            }));
}

TEST(ProxyProtocol, VersionOneIsTcpOnlyWithoutTlvs) {
  EXPECT_EQ(errors(with_interfaces({
                "[[services]]",                           // 1
                "name = \"dns\"",                         // 2
                "vip = \"10.10.0.100\"",                  // 3
                "port = 53",                              // 4
                "protocol = \"udp\"",                     // 5
                "[services.proxy_protocol]",              // 6
                "version = 1",                            // 7
                "tlvs = [\"crc32c\"]",                    // 8
                "custom = [{ type = 0xE0, hex = \"01\" }]",  // 9
                "[[services.backends]]",                  // 10
                "address = \"10.20.0.2\"",                // 11
                "port = 5353",                            // 12
            })),
            (Lines{
                "t.toml:7:11: error: services[0].proxy_protocol.version: version 1 is TCP only; "
                "this service is udp (use 2)",
                "t.toml:8:8: error: services[0].proxy_protocol.tlvs: TLVs need version 2; the "
                "version 1 text header has none",
                "t.toml:9:10: error: services[0].proxy_protocol.custom: TLVs need version 2; the "
                "version 1 text header has none",
            }));
}

TEST(Health, PathOnlyForHttpAndWellFormed) {
  EXPECT_EQ(errors(with_interfaces({
                "[[services]]",                // 1
                "name = \"a\"",                // 2
                "vip = \"10.10.0.100\"",       // 3
                "port = 80",                   // 4
                "[services.health]",           // 5
                "path = \"/status\"",          // 6
                "[[services.backends]]",       // 7
                "address = \"10.20.0.2\"",     // 8
                "port = 8080",                 // 9
                "[[services]]",                // 10
                "name = \"b\"",                // 11
                "vip = \"10.10.0.100\"",       // 12
                "port = 81",                   // 13
                "[services.health]",           // 14
                "kind = \"http\"",             // 15
                "path = \"status page\"",      // 16
                "[[services.backends]]",       // 17
                "address = \"10.20.0.2\"",     // 18
                "port = 8080",                 // 19
            })),
            (Lines{
                "t.toml:6:8: error: services[0].health.path: only valid with kind = \"http\"",
                "t.toml:16:8: error: services[1].health.path: \"status page\" is not an HTTP path "
                "(starts with '/', visible ASCII, at most 1024 bytes)",
            }));
}

TEST(AllErrors, SeveralErrorsAreAllReportedInFileOrder) {
  EXPECT_EQ(errors(with_interfaces({
                "[[services]]",              // 1
                "name = \"web\"",            // 2
                "vip = \"10.10.0.100\"",     // 3
                "port = 80",                 // 4
                "snat = [\"10.20.0.7\"]",    // 5
                "[services.proxy_protocol]",  // 6
                "version = 1",               // 7
                "[[services.backends]]",     // 8
                "address = \"10.20.0.2\"",   // 9
                "port = 8080",               // 10
                "weight = -1",               // 11
                "[dpdk]",                    // 12
                "burst = 0",                 // 13
                "[appliance]",               // 14
                "mode = \"xdp\"",            // 15
                "color = \"blue\"",          // 16
            })),
            (Lines{
                "t.toml:5:9: error: services[0].snat[0]: 10.20.0.7 is not an address of any "
                "interface",
                "t.toml:11:10: error: services[0].backends[0].weight: must be between 0 and 1000, "
                "got -1",
                "t.toml:13:9: error: dpdk.burst: must be between 1 and 512, got 0",
                "t.toml:16:1: error: appliance.color: unknown key",
            }));
}

TEST(Files, MissingFileIsAnUnpositionedError) {
  const LoadResult result = load_config("/nonexistent/sluice.toml");
  ASSERT_FALSE(result);
  ASSERT_EQ(result.diagnostics().size(), 1u);
  EXPECT_EQ(result.diagnostics()[0].to_string(),
            "/nonexistent/sluice.toml: error: cannot read the configuration: No such file or "
            "directory");
}

}  // namespace
}  // namespace sluice::config
