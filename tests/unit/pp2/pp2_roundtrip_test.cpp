// encode -> decode gives back what was asked for, for every family, command, transport and TLV
// combination; and the JSON/hex renderings used by `sluice pp2`.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dataplane/proxy/pp2_decoder.hpp"
#include "dataplane/proxy/pp2_encoder.hpp"
#include "tests/unit/pp2/test_util.hpp"

namespace sluice::proxy {
namespace {

using test::bytes_of;
using test::unhex;

struct Addresses {
  const char* name;
  std::optional<net::Endpoint> source, destination;
  std::optional<UnixPaths> unix_paths;
  Pp2Family family;
};

std::vector<Addresses> all_addresses() {
  return {
      {"unspec", std::nullopt, std::nullopt, std::nullopt, Pp2Family::kUnspec},
      {"inet", net::Endpoint::parse("10.1.2.3:40000"), net::Endpoint::parse("10.10.0.100:80"), std::nullopt,
       Pp2Family::kInet},
      {"inet6", net::Endpoint::parse("[2001:db8::7]:1"), net::Endpoint::parse("[fd10::100]:65535"), std::nullopt,
       Pp2Family::kInet6},
      {"unix", std::nullopt, std::nullopt, UnixPaths{"/var/run/c.sock", std::string(108, 'd')}, Pp2Family::kUnix},
  };
}

TEST(Pp2RoundTrip, V2EveryCombination) {
  const std::vector<std::vector<Pp2Tlv>> tlv_sets = {
      {},
      {{PP2_TYPE_ALPN, bytes_of("http/1.1")}, {PP2_TYPE_AUTHORITY, bytes_of("www.example.org")}},
      {{PP2_TYPE_NOOP, std::vector<std::uint8_t>(5, 0)}, {0xEF, unhex("ff")}, {PP2_TYPE_NETNS, bytes_of("ns1")},
       {0xF0, {}}},
  };
  int cases = 0;
  for (const Addresses& addresses : all_addresses()) {
    for (Pp2Command command : {Pp2Command::kProxy, Pp2Command::kLocal}) {
      for (Pp2Transport transport : {Pp2Transport::kStream, Pp2Transport::kDgram}) {
        for (const auto& tlvs : tlv_sets) {
          for (int extras = 0; extras < 4; ++extras) {
            Pp2Request request;
            request.command = command;
            request.transport = transport;
            request.source = addresses.source;
            request.destination = addresses.destination;
            request.unix_paths = addresses.unix_paths;
            request.tlvs = tlvs;
            if (extras & 1) request.unique_id = unhex("00112233445566778899");
            request.crc32c = (extras & 2) != 0;
            SCOPED_TRACE(std::string(addresses.name) + " extras=" + std::to_string(extras));

            const Pp2Encoded encoded = encode(request);
            ASSERT_TRUE(encoded.ok()) << encoded.error;
            const Pp2DecodeResult decoded = decode_pp2(encoded.bytes);
            ASSERT_TRUE(decoded.ok()) << decoded.error->message;
            const Pp2Header& h = *decoded.header;
            EXPECT_EQ(h.version, 2);
            EXPECT_EQ(h.command, command);
            EXPECT_EQ(h.family, addresses.family);
            EXPECT_EQ(h.transport, addresses.family == Pp2Family::kUnspec ? Pp2Transport::kUnspec : transport);
            EXPECT_EQ(h.source, addresses.source);
            EXPECT_EQ(h.destination, addresses.destination);
            EXPECT_EQ(h.unix_paths, addresses.unix_paths);
            EXPECT_EQ(h.length, encoded.bytes.size());
            EXPECT_EQ(h.crc32c, request.crc32c ? Crc32cStatus::kOk : Crc32cStatus::kAbsent);
            std::vector<Pp2Tlv> expected = tlvs;
            if (request.unique_id) expected.push_back({PP2_TYPE_UNIQUE_ID, *request.unique_id});
            ASSERT_EQ(h.tlvs.size(), expected.size() + (request.crc32c ? 1 : 0));
            for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(h.tlvs[i], expected[i]) << i;
            if (request.crc32c) {
              EXPECT_EQ(h.tlvs.back().type, PP2_TYPE_CRC32C);
            }
            ++cases;
          }
        }
      }
    }
  }
  EXPECT_EQ(cases, 4 * 2 * 2 * 3 * 4);
}

TEST(Pp2RoundTrip, V1) {
  for (const Addresses& addresses : all_addresses()) {
    if (addresses.family == Pp2Family::kUnix) continue;
    Pp2Request request;
    request.version = 1;
    request.source = addresses.source;
    request.destination = addresses.destination;
    const Pp2Encoded encoded = encode(request);
    ASSERT_TRUE(encoded.ok()) << encoded.error;
    const Pp2DecodeResult decoded = decode_pp2(encoded.bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.error->message;
    EXPECT_EQ(decoded.header->version, 1);
    EXPECT_EQ(decoded.header->family, addresses.family);
    EXPECT_EQ(decoded.header->source, addresses.source);
    EXPECT_EQ(decoded.header->destination, addresses.destination);
    EXPECT_EQ(decoded.header->length, encoded.bytes.size());
  }
}

// ---- renderings ----

TEST(Pp2Text, HexBothWays) {
  EXPECT_EQ(to_hex(std::vector<std::uint8_t>{0x00, 0x0A, 0xFF}), "000aff");
  EXPECT_EQ(parse_hex("000AfF"), (std::vector<std::uint8_t>{0x00, 0x0A, 0xFF}));
  EXPECT_EQ(parse_hex(" 00 0a\n\tff ", true), (std::vector<std::uint8_t>{0x00, 0x0A, 0xFF}));
  EXPECT_FALSE(parse_hex(" 00", false).has_value());
  EXPECT_FALSE(parse_hex("abc").has_value());
  EXPECT_FALSE(parse_hex("0g").has_value());
  EXPECT_EQ(parse_hex(""), std::vector<std::uint8_t>{});
}

TEST(Pp2Text, JsonOfTheSpecExampleShape) {
  const auto result = decode_pp2(unhex(test::kSig + "21110013c0000201c633640214e9003503000" "4de36a8fc"));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(to_json(*result.header),
            R"({"version":2,"command":"PROXY","family":"INET","transport":"STREAM",)"
            R"("src":"192.0.2.1","src_port":5353,"dst":"198.51.100.2","dst_port":53,)"
            R"("length":35,"crc32c":"ok","tlvs":[{"type":3,"length":4,"value":"de36a8fc"}]})");
}

TEST(Pp2Text, JsonNullsForUnspecAndPathsForUnix) {
  auto result = decode_pp2(unhex(test::kSig + "20000000"));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(to_json(*result.header),
            R"({"version":2,"command":"LOCAL","family":"UNSPEC","transport":"UNSPEC","src":null,"src_port":null,)"
            R"("dst":null,"dst_port":null,"length":16,"crc32c":"absent","tlvs":[]})");
  Pp2Request request;
  request.unix_paths = UnixPaths{"/run/\"q\".sock", std::string("\0abs", 4)};
  result = decode_pp2(encode(request).bytes);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(to_json(*result.header),
            R"({"version":2,"command":"PROXY","family":"UNIX","transport":"STREAM","src":"/run/\"q\".sock",)"
            R"("src_port":null,"dst":"\u0000abs","dst_port":null,"length":232,"crc32c":"absent","tlvs":[]})");
}

TEST(Pp2Text, JsonOfV1) {
  const auto result = decode_pp2(bytes_of("PROXY TCP6 ::1 ::2 1 2\r\n"));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(to_json(*result.header),
            R"({"version":1,"command":"PROXY","family":"INET6","transport":"STREAM","src":"::1","src_port":1,)"
            R"("dst":"::2","dst_port":2,"length":24,"crc32c":"absent","tlvs":[]})");
}

TEST(Pp2Text, JsonStringEscapes) {
  EXPECT_EQ(json_string("a\"b\\c\n\x01\x7f\xc3"), R"("a\"b\\c\n\u0001\u007f\u00c3")");
}

}  // namespace
}  // namespace sluice::proxy
