// Reference values come from the system libxxhash (XXH64 0.8.1) through Python ctypes, over
// byte strings built to the layouts documented in flow_hash.hpp.
#include "dataplane/sched/flow_hash.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <vector>

#include "dataplane/sched/xxhash64.hpp"

namespace sluice::sched {
namespace {

std::vector<std::uint8_t> counting_bytes(std::size_t n) {
  std::vector<std::uint8_t> bytes(n);
  std::iota(bytes.begin(), bytes.end(), std::uint8_t{0});
  return bytes;
}

std::uint64_t xxhash64_of(std::string_view text, std::uint64_t seed) {
  std::vector<std::uint8_t> bytes(text.begin(), text.end());
  return xxhash64(bytes, seed);
}

net::IpAddress ip(std::string_view text) { return net::IpAddress::parse(text).value(); }

TEST(Xxhash64, MatchesReferenceOnShortInputs) {
  EXPECT_EQ(xxhash64_of("", 0), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(xxhash64_of("a", 0), 0xD24EC4F1A98C6E5BULL);
  EXPECT_EQ(xxhash64_of("abc", 0), 0x44BC2CF5AD770999ULL);
  EXPECT_EQ(xxhash64_of("abc", 1), 0xBEA9CA8199328908ULL);
  EXPECT_EQ(xxhash64(counting_bytes(7), 0), 0x14CC643F630C72D2ULL);   // 4 + 3 single bytes
  EXPECT_EQ(xxhash64(counting_bytes(31), 3), 0xD15B78ADDCFD3728ULL);  // longest without stripes
}

TEST(Xxhash64, MatchesReferenceOnStripedInputs) {
  EXPECT_EQ(xxhash64(counting_bytes(32), 0), 0xCBF59C5116FF32B4ULL);  // one stripe, no tail
  EXPECT_EQ(xxhash64(counting_bytes(40), 0), 0xF5DA40F1B11741E9ULL);  // stripe + 8-byte lane
  EXPECT_EQ(xxhash64(counting_bytes(40), 0x9E3779B97F4A7C15ULL), 0x263A0D3F4740996DULL);
  EXPECT_EQ(xxhash64(counting_bytes(45), 0), 0x10FDD84D6409ABDFULL);  // + 4-byte + 1 byte
  EXPECT_EQ(xxhash64(counting_bytes(64), 0), 0xF7C67301DB6713F0ULL);  // two stripes
  EXPECT_EQ(xxhash64(counting_bytes(100), 7), 0x80653E7E9B887CDDULL);  // 3 stripes + 4 bytes
}

TEST(FlowHash, MatchesReferenceLayoutIpv4) {
  const FlowTuple tuple{ip("192.0.2.1"), ip("198.51.100.7"), 40000, 80, 6};
  EXPECT_EQ(hash_flow(tuple), 0x782DBB05ED8C4BA4ULL);
}

TEST(FlowHash, MatchesReferenceLayoutIpv6) {
  const FlowTuple tuple{ip("2001:db8::1"), ip("2001:db8::80"), 1234, 443, 17};
  EXPECT_EQ(hash_flow(tuple), 0x844E2C362F63FCE6ULL);
}

TEST(FlowHash, EveryFieldAndTheSeedMatter) {
  const FlowTuple base{ip("192.0.2.1"), ip("198.51.100.7"), 40000, 80, 6};
  const std::uint64_t reference = hash_flow(base);
  FlowTuple changed = base;
  changed.source_port = 40001;
  EXPECT_NE(hash_flow(changed), reference);
  changed = base;
  changed.destination_port = 81;
  EXPECT_NE(hash_flow(changed), reference);
  changed = base;
  changed.protocol = 17;
  EXPECT_NE(hash_flow(changed), reference);
  changed = base;
  changed.source = ip("192.0.2.2");
  EXPECT_NE(hash_flow(changed), reference);
  // Direction matters: the reply tuple is a different key.
  const FlowTuple reversed{base.destination, base.source, base.destination_port, base.source_port,
                           base.protocol};
  EXPECT_NE(hash_flow(reversed), reference);
  EXPECT_NE(hash_flow(base, kDefaultHashSeed + 1), reference);
  EXPECT_EQ(hash_flow(base), reference);  // deterministic
}

TEST(FlowHash, FamilyIsPartOfTheKey) {
  // c000:201:: and 192.0.2.1 have identical 16-byte layouts (c0 00 02 01, then zeros): only
  // the family byte keeps them apart.
  const net::IpAddress v4 = ip("192.0.2.1");
  const net::IpAddress v6 = ip("c000:201::");
  EXPECT_EQ(0, std::memcmp(v4.data(), v6.data(), 16));
  EXPECT_NE(hash_client_address(v4), hash_client_address(v6));
}

TEST(ClientHash, MatchesReferenceLayout) {
  EXPECT_EQ(hash_client_address(ip("192.0.2.1")), 0x2B1462D7E161F57FULL);
  EXPECT_EQ(hash_client_address(ip("2001:db8::1")), 0xA9DC5950E220C966ULL);
}

TEST(EndpointHash, MatchesReferenceLayout) {
  const net::Endpoint endpoint = net::Endpoint::parse("10.20.0.2:8080").value();
  EXPECT_EQ(hash_endpoint(endpoint, 0x6D61676C65762D31ULL), 0xC0B3FB9A695FC2F2ULL);
}

TEST(PickKey, CombinesFlowAndClientHashes) {
  const FlowTuple tuple{ip("192.0.2.1"), ip("198.51.100.7"), 40000, 80, 6};
  const PickKey key = PickKey::of(tuple);
  EXPECT_EQ(key.flow_hash, 0x782DBB05ED8C4BA4ULL);
  EXPECT_EQ(key.client_hash, 0x2B1462D7E161F57FULL);
}

}  // namespace
}  // namespace sluice::sched
