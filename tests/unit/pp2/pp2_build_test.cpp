// The shared builder (dataplane/shared/pp2.h) and its C++ front end, against headers written out
// field by field from haproxy doc/proxy-protocol.txt. CRC32C values were computed independently
// (bitwise Python implementation of RFC 4960 appendix B over the header with the value zeroed).
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <array>
#include <cstring>
#include <random>
#include <string>

#include "dataplane/proxy/pp2_encoder.hpp"
#include "tests/unit/pp2/test_util.hpp"

namespace sluice::proxy {
namespace {

using test::kSig;
using test::unhex;

net::Endpoint ep(std::string_view text) { return *net::Endpoint::parse(text); }

std::string encode_hex(const Pp2Request& request) {
  const Pp2Encoded encoded = encode(request);
  EXPECT_TRUE(encoded.ok()) << encoded.error;
  return to_hex(encoded.bytes);
}

Pp2Request inet_request() {
  Pp2Request request;
  request.source = ep("192.0.2.1:5353");
  request.destination = ep("198.51.100.2:53");
  return request;
}

TEST(Pp2Build, InetStreamNoTlvs) {
  EXPECT_EQ(encode_hex(inet_request()), kSig + "21" "11" "000c" "c0000201" "c6336402" "14e9" "0035");
}

TEST(Pp2Build, InetDgram) {
  Pp2Request request = inet_request();
  request.transport = Pp2Transport::kDgram;
  EXPECT_EQ(encode_hex(request), kSig + "21" "12" "000c" "c0000201" "c6336402" "14e9" "0035");
}

TEST(Pp2Build, InetWithCrc32c) {
  Pp2Request request = inet_request();
  request.crc32c = true;
  EXPECT_EQ(encode_hex(request), kSig + "21" "11" "0013" "c0000201" "c6336402" "14e9" "0035" "030004" "de36a8fc");
}

TEST(Pp2Build, Inet6DgramUniqueIdCrc32c) {
  Pp2Request request;
  request.transport = Pp2Transport::kDgram;
  request.source = ep("[2001:db8::1]:1234");
  request.destination = ep("[2001:db8::2]:443");
  request.unique_id = unhex("0102030405060708090a0b0c0d0e0f10");
  request.crc32c = true;
  EXPECT_EQ(encode_hex(request), kSig + "21" "22" "003e"
                                        "20010db8000000000000000000000001"
                                        "20010db8000000000000000000000002"
                                        "04d2" "01bb"
                                        "050010" "0102030405060708090a0b0c0d0e0f10"
                                        "030004" "f6762603");
}

TEST(Pp2Build, LocalUnspecIsTheSpecsHealthProbeHeader) {
  Pp2Request request;
  request.command = Pp2Command::kLocal;
  EXPECT_EQ(encode_hex(request), kSig + "20" "00" "0000");  // spec proxy-protocol.md: 20 00 00 00
  request.crc32c = true;
  EXPECT_EQ(encode_hex(request), kSig + "20" "00" "0007" "030004" "a9b87e8f");
}

TEST(Pp2Build, LocalKeepsAddressesWhenGiven) {
  Pp2Request request = inet_request();
  request.command = Pp2Command::kLocal;
  EXPECT_EQ(encode_hex(request), kSig + "20" "11" "000c" "c0000201" "c6336402" "14e9" "0035");
}

TEST(Pp2Build, UnixPathsArePaddedTo108Bytes) {
  Pp2Request request;
  request.unix_paths = UnixPaths{"/run/a.sock", "/run/b"};
  std::string src = to_hex(test::bytes_of("/run/a.sock")) + std::string(2 * (108 - 11), '0');
  std::string dst = to_hex(test::bytes_of("/run/b")) + std::string(2 * (108 - 6), '0');
  EXPECT_EQ(encode_hex(request), kSig + "21" "31" "00d8" + src + dst);
}

TEST(Pp2Build, EveryTlvKindInOrderThenUniqueIdThenCrc) {
  Pp2Request request = inet_request();
  request.tlvs = {
      {PP2_TYPE_ALPN, test::bytes_of("h2")},
      {PP2_TYPE_AUTHORITY, test::bytes_of("example.com")},
      {PP2_TYPE_NETNS, test::bytes_of("blue")},
      {0xE0, unhex("0a0b")},
      {PP2_TYPE_NOOP, std::vector<std::uint8_t>(3, 0)},
  };
  request.unique_id = test::bytes_of("abc");
  request.crc32c = true;
  EXPECT_EQ(encode_hex(request), kSig + "21" "11" "003e" "c0000201" "c6336402" "14e9" "0035"
                                        "010002" "6832"
                                        "02000b" "6578616d706c652e636f6d"
                                        "300004" "626c7565"
                                        "e00002" "0a0b"
                                        "040003" "000000"
                                        "050003" "616263"
                                        "030004" "c2f7e1c9");
}

TEST(Pp2Build, OddLengthHeadersAreProducedAsIs) {
  Pp2Request request = inet_request();
  request.tlvs = {{PP2_TYPE_NOOP, {}}};
  const auto bytes = encode(request).bytes;
  EXPECT_EQ(bytes.size(), 31u);
  EXPECT_EQ(to_hex(bytes).substr(56), "040000");
}

TEST(Pp2Build, V1Lines) {
  Pp2Request request = inet_request();
  request.version = 1;
  EXPECT_EQ(to_hex(encode(request).bytes), to_hex(test::bytes_of("PROXY TCP4 192.0.2.1 198.51.100.2 5353 53\r\n")));
  request.source = ep("[2001:db8::1]:65535");
  request.destination = ep("[::ffff:10.0.0.1]:0");
  EXPECT_EQ(to_hex(encode(request).bytes),
            to_hex(test::bytes_of("PROXY TCP6 2001:db8::1 ::ffff:10.0.0.1 65535 0\r\n")));
  request.command = Pp2Command::kLocal;
  EXPECT_EQ(to_hex(encode(request).bytes), to_hex(test::bytes_of("PROXY UNKNOWN\r\n")));
  Pp2Request unspec;
  unspec.version = 1;
  EXPECT_EQ(to_hex(encode(unspec).bytes), to_hex(test::bytes_of("PROXY UNKNOWN\r\n")));
}

TEST(Pp2Build, V1LongestLineIsWithinTheLimit) {
  Pp2Request request;
  request.version = 1;
  request.source = ep("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
  request.destination = ep("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
  const auto bytes = encode(request).bytes;
  EXPECT_EQ(bytes.size(), 104u);  // the spec's worst case for TCP6
  EXPECT_LE(bytes.size(), PP2_V1_MAX_LEN);
}

TEST(Pp2Build, V1RefusesWhatItCannotSay) {
  Pp2Request request = inet_request();
  request.version = 1;
  request.transport = Pp2Transport::kDgram;
  EXPECT_FALSE(encode(request).ok());
  request.transport = Pp2Transport::kStream;
  request.crc32c = true;
  EXPECT_FALSE(encode(request).ok());
  request.crc32c = false;
  request.tlvs = {{0xE0, {}}};
  EXPECT_FALSE(encode(request).ok());
  Pp2Request unix_request;
  unix_request.version = 1;
  unix_request.unix_paths = UnixPaths{"/a", "/b"};
  EXPECT_FALSE(encode(unix_request).ok());
}

TEST(Pp2Build, RequestErrors) {
  Pp2Request mixed = inet_request();
  mixed.destination = ep("[2001:db8::2]:53");
  EXPECT_EQ(encode(mixed).error, "source and destination are of different address families");
  Pp2Request half = inet_request();
  half.destination.reset();
  EXPECT_FALSE(encode(half).ok());
  Pp2Request long_id = inet_request();
  long_id.unique_id = std::vector<std::uint8_t>(129, 1);
  EXPECT_EQ(encode(long_id).error, "unique id longer than 128 bytes");
  long_id.unique_id = std::vector<std::uint8_t>(128, 1);
  EXPECT_TRUE(encode(long_id).ok());
  Pp2Request big = inet_request();
  big.tlvs = {{0xE0, std::vector<std::uint8_t>(381, 7)}};
  EXPECT_TRUE(encode(big).ok());  // exactly fills the 384-byte block
  big.tlvs.push_back({PP2_TYPE_NOOP, {}});
  EXPECT_EQ(encode(big).error, "TLVs exceed the per-service TLV block (384 bytes)");
  Pp2Request long_path;
  long_path.unix_paths = UnixPaths{std::string(109, 'a'), "/b"};
  EXPECT_FALSE(encode(long_path).ok());
}

// ---- The C API directly: what the datapaths call ----

TEST(Pp2Template, HeaderLenIsKnownBeforeBuildingAndMatchesTheBuild) {
  pp2_template tpl;
  ASSERT_EQ(pp2_template_init(&tpl, 2, PP2_CMD_PROXY, PP2_TRANSPORT_STREAM), 0);
  const std::uint8_t authority[] = {'a', 'b'};
  ASSERT_EQ(pp2_template_add_tlv(&tpl, PP2_TYPE_AUTHORITY, authority, 2), 0);
  ASSERT_EQ(pp2_template_set_unique_id(&tpl, 16), 0);
  ASSERT_EQ(pp2_template_set_crc32c(&tpl), 0);
  ASSERT_EQ(pp2_template_validate(&tpl), 0);

  pp2_conn conn{};
  std::array<std::uint8_t, PP2_HEADER_MAX> out{};
  for (std::uint32_t family : {PP2_FAM_UNSPEC, PP2_FAM_INET, PP2_FAM_INET6, PP2_FAM_UNIX}) {
    conn.family = static_cast<std::uint8_t>(family);
    const std::int32_t announced = pp2_header_len(&tpl, &conn);
    EXPECT_EQ(announced, pp2_v2_header_len(&tpl, family));
    EXPECT_EQ(pp2_build(&tpl, &conn, out.data()), announced);
    EXPECT_EQ(announced, static_cast<std::int32_t>(16 + pp2_address_block_len(family) + 5 + 19 + 7));
  }
  conn.family = 4;
  EXPECT_EQ(pp2_header_len(&tpl, &conn), PP2_ERR_FAMILY);
  EXPECT_EQ(pp2_build(&tpl, &conn, out.data()), PP2_ERR_FAMILY);
}

TEST(Pp2Template, V1LengthDependsOnTheAddressesAndIsAnnouncedExactly) {
  pp2_template tpl;
  ASSERT_EQ(pp2_template_init(&tpl, 1, PP2_CMD_PROXY, PP2_TRANSPORT_STREAM), 0);
  pp2_conn conn{};
  conn.family = PP2_FAM_INET;
  const std::uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {255, 255, 255, 255};
  std::memcpy(conn.addr.inet.src, src, 4);
  std::memcpy(conn.addr.inet.dst, dst, 4);
  conn.src_port = 1;
  conn.dst_port = 65535;
  std::array<std::uint8_t, PP2_HEADER_MAX> out{};
  const std::string expected = "PROXY TCP4 10.0.0.1 255.255.255.255 1 65535\r\n";
  EXPECT_EQ(pp2_header_len(&tpl, &conn), static_cast<std::int32_t>(expected.size()));
  ASSERT_EQ(pp2_build(&tpl, &conn, out.data()), static_cast<std::int32_t>(expected.size()));
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(out.data()), expected.size()), expected);
}

TEST(Pp2Template, InitAndSettersRejectOutOfRangeValues) {
  pp2_template tpl;
  EXPECT_EQ(pp2_template_init(&tpl, 3, PP2_CMD_PROXY, PP2_TRANSPORT_STREAM), PP2_ERR_VERSION);
  EXPECT_EQ(pp2_template_init(&tpl, 2, 2, PP2_TRANSPORT_STREAM), PP2_ERR_COMMAND);
  EXPECT_EQ(pp2_template_init(&tpl, 2, PP2_CMD_PROXY, PP2_TRANSPORT_UNSPEC), PP2_ERR_TRANSPORT);
  EXPECT_EQ(pp2_template_init(&tpl, 1, PP2_CMD_PROXY, PP2_TRANSPORT_DGRAM), PP2_ERR_TRANSPORT);
  ASSERT_EQ(pp2_template_init(&tpl, 1, PP2_CMD_PROXY, PP2_TRANSPORT_STREAM), 0);
  EXPECT_EQ(pp2_template_add_tlv(&tpl, 0xE0, nullptr, 0), PP2_ERR_V1_TLVS);
  EXPECT_EQ(pp2_template_set_crc32c(&tpl), PP2_ERR_V1_TLVS);
  EXPECT_EQ(pp2_template_set_unique_id(&tpl, 1), PP2_ERR_V1_TLVS);
  ASSERT_EQ(pp2_template_init(&tpl, 2, PP2_CMD_PROXY, PP2_TRANSPORT_STREAM), 0);
  EXPECT_EQ(pp2_template_set_unique_id(&tpl, 129), PP2_ERR_UNIQUE_ID);
  EXPECT_EQ(pp2_template_add_tlv(&tpl, 0xE0, nullptr, 382), PP2_ERR_TLV_SPACE);
  EXPECT_EQ(pp2_template_add_tlv(&tpl, 0xE0, nullptr, 0xFFFFFFFFu), PP2_ERR_TLV_SPACE);
  EXPECT_EQ(tpl.static_tlvs_len, 0);  // failed adds leave the block untouched
}

TEST(Pp2Template, ValidateCatchesCorruptTemplates) {
  pp2_template tpl;
  ASSERT_EQ(pp2_template_init(&tpl, 2, PP2_CMD_PROXY, PP2_TRANSPORT_DGRAM), 0);
  ASSERT_EQ(pp2_template_add_tlv(&tpl, 0xE1, nullptr, 4), 0);
  EXPECT_EQ(pp2_template_validate(&tpl), 0);
  tpl.static_tlvs[2] = 5;  // the TLV now claims one byte more than the block holds
  EXPECT_EQ(pp2_template_validate(&tpl), PP2_ERR_TLV_MALFORMED);
  tpl.static_tlvs[2] = 4;
  tpl.static_tlvs_len = 8;  // a dangling byte after the TLV
  EXPECT_EQ(pp2_template_validate(&tpl), PP2_ERR_TLV_MALFORMED);
  tpl.static_tlvs_len = 7;
  tpl.flags = 0x80;
  EXPECT_EQ(pp2_template_validate(&tpl), PP2_ERR_TLV_MALFORMED);
  tpl.flags = 0;
  tpl.static_tlvs_len = PP2_STATIC_TLVS_MAX + 1;
  EXPECT_EQ(pp2_template_validate(&tpl), PP2_ERR_TLV_SPACE);
  pp2_conn conn{};
  conn.family = PP2_FAM_INET;
  std::array<std::uint8_t, PP2_HEADER_MAX> out{};
  EXPECT_EQ(pp2_build(&tpl, &conn, out.data()), PP2_ERR_TLV_SPACE);  // the per-packet path checks too
}

// The v1 IPv6 text must read like inet_ntop's, so a v1 line matches every other log line.
TEST(Pp2V1Text, Ipv6TextEqualsInetNtop) {
  std::mt19937 rng(12345);
  std::array<std::uint8_t, 16> ip{};
  auto check = [&ip] {
    char expected[INET6_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(AF_INET6, ip.data(), expected, sizeof expected), nullptr);
    std::array<std::uint8_t, PP2_HEADER_MAX> out{};
    const std::uint32_t length = pp2_emit_ipv6_text(out.data(), 0, ip.data());
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(out.data()), length), expected);
    EXPECT_EQ(pp2_emit_ipv6_text(nullptr, 0, ip.data()), length);  // measuring agrees
  };
  // Every pattern of zero/non-zero groups (256), with small and large values, covers all runs,
  // ties, leading/trailing compression and the IPv4-mapped/compatible tails.
  for (unsigned mask = 0; mask < 256; ++mask) {
    for (int variant = 0; variant < 3; ++variant) {
      for (unsigned group = 0; group < 8; ++group) {
        const bool nonzero = (mask >> group) & 1u;
        const std::uint32_t word = !nonzero ? 0u : variant == 0 ? 1u : variant == 1 ? 0xFFFFu : rng() & 0xFFFFu;
        ip[2 * group] = static_cast<std::uint8_t>(word >> 8);
        ip[2 * group + 1] = static_cast<std::uint8_t>(word);
      }
      check();
      if (HasFailure()) return;
    }
  }
  ip = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 0, 2, 1};
  check();
}

TEST(Pp2V1Text, Ipv4AndDecimal) {
  std::array<std::uint8_t, PP2_HEADER_MAX> out{};
  const std::uint8_t ip[4] = {0, 10, 100, 255};
  const std::uint32_t length = pp2_emit_ipv4_text(out.data(), 0, ip);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(out.data()), length), "0.10.100.255");
  for (std::uint32_t value : {0u, 7u, 10u, 99u, 100u, 1000u, 10000u, 65535u}) {
    const std::uint32_t n = pp2_emit_decimal(out.data(), 0, value);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(out.data()), n), std::to_string(value));
  }
}

}  // namespace
}  // namespace sluice::proxy
