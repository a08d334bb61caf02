// The strict decoder: valid headers of every shape, and every rule broken once, with the byte
// offset the error must point at.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dataplane/proxy/pp2_decoder.hpp"
#include "tests/unit/pp2/test_util.hpp"

namespace sluice::proxy {
namespace {

using test::bytes_of;
using test::kSig;
using test::unhex;

const std::string kInet = kSig + "21" "11" "000c" "c0000201" "c6336402" "14e9" "0035";
const std::string kInetCrc = kSig + "21" "11" "0013" "c0000201" "c6336402" "14e9" "0035" "030004" "de36a8fc";

Pp2DecodeResult decode_hex(const std::string& hex) { return decode_pp2(unhex(hex)); }
Pp2DecodeResult decode_text(const std::string& text) { return decode_pp2(bytes_of(text)); }

// Expects an error with this offset whose message contains `words`.
void expect_error(const Pp2DecodeResult& result, std::size_t offset, const std::string& words) {
  ASSERT_TRUE(result.error.has_value()) << "expected an error containing: " << words;
  EXPECT_EQ(result.error->offset, offset) << result.error->message;
  EXPECT_NE(result.error->message.find(words), std::string::npos) << result.error->message;
}

TEST(Pp2Decode, InetStream) {
  const auto result = decode_hex(kInet);
  ASSERT_TRUE(result.ok()) << result.error->message;
  const Pp2Header& h = *result.header;
  EXPECT_EQ(h.version, 2);
  EXPECT_EQ(h.command, Pp2Command::kProxy);
  EXPECT_EQ(h.family, Pp2Family::kInet);
  EXPECT_EQ(h.transport, Pp2Transport::kStream);
  EXPECT_EQ(h.source->to_string(), "192.0.2.1:5353");
  EXPECT_EQ(h.destination->to_string(), "198.51.100.2:53");
  EXPECT_EQ(h.length, 28u);
  EXPECT_EQ(h.crc32c, Crc32cStatus::kAbsent);
  EXPECT_TRUE(h.tlvs.empty());
}

TEST(Pp2Decode, CrcOk) {
  const auto result = decode_hex(kInetCrc);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.header->crc32c, Crc32cStatus::kOk);
  ASSERT_EQ(result.header->tlvs.size(), 1u);
  EXPECT_EQ(result.header->tlvs[0].type, PP2_TYPE_CRC32C);
  EXPECT_EQ(to_hex(result.header->tlvs[0].value), "de36a8fc");
}

// The example of spec cli-console.md: 192.0.2.1:5353 -> 198.51.100.2:53 with a CRC32C TLV whose
// value is d3a55d3b. That value is not the CRC32C of the header (de36a8fc for STREAM, 3a089b20
// for DGRAM), and the header is 35 bytes, not 28: the decoder reports crc32c "bad".
TEST(Pp2Decode, SpecExampleCarriesAWrongCrc) {
  const auto result = decode_hex(kSig + "21" "11" "0013" "c0000201" "c6336402" "14e9" "0035" "030004" "d3a55d3b");
  ASSERT_TRUE(result.header.has_value());
  EXPECT_EQ(result.header->length, 35u);
  EXPECT_EQ(result.header->crc32c, Crc32cStatus::kBad);
  expect_error(result, 31, "CRC32C mismatch: header carries 0xd3a55d3b, computed 0xde36a8fc");
  const auto dgram = decode_hex(kSig + "21" "12" "0013" "c0000201" "c6336402" "14e9" "0035" "030004" "d3a55d3b");
  expect_error(dgram, 31, "computed 0x3a089b20");
}

TEST(Pp2Decode, Inet6Dgram) {
  const auto result = decode_hex(kSig + "21" "22" "0024" "20010db8000000000000000000000001"
                                        "20010db8000000000000000000000002" "04d2" "01bb");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.header->family, Pp2Family::kInet6);
  EXPECT_EQ(result.header->transport, Pp2Transport::kDgram);
  EXPECT_EQ(result.header->source->to_string(), "[2001:db8::1]:1234");
  EXPECT_EQ(result.header->destination->to_string(), "[2001:db8::2]:443");
  EXPECT_EQ(result.header->length, 52u);
}

TEST(Pp2Decode, UnixPathsAreNulTrimmed) {
  const std::string src = to_hex(bytes_of("/run/a.sock")) + std::string(2 * 97, '0');
  const std::string dst = "00" + to_hex(bytes_of("abstract")) + std::string(2 * 99, '0');
  const auto result = decode_hex(kSig + "21" "31" "00d8" + src + dst);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.header->family, Pp2Family::kUnix);
  EXPECT_FALSE(result.header->source.has_value());
  EXPECT_EQ(result.header->unix_paths->source, "/run/a.sock");
  EXPECT_EQ(result.header->unix_paths->destination, std::string("\0abstract", 9));
}

TEST(Pp2Decode, LocalUnspecWithCrc) {
  const auto result = decode_hex(kSig + "20" "00" "0007" "030004" "a9b87e8f");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.header->command, Pp2Command::kLocal);
  EXPECT_EQ(result.header->family, Pp2Family::kUnspec);
  EXPECT_EQ(result.header->crc32c, Crc32cStatus::kOk);
  EXPECT_FALSE(result.header->source.has_value());
}

TEST(Pp2Decode, LocalMayCarryAnyLength) {
  // LOCAL with family INET but a 5-byte block: the receiver discards it (section 2.2).
  const auto result = decode_hex(kSig + "20" "11" "0005" "0102030405");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.header->length, 21u);
  EXPECT_FALSE(result.header->source.has_value());
  EXPECT_TRUE(result.header->tlvs.empty());
  // LOCAL with undefined family/transport pairing: the family is ignored.
  EXPECT_TRUE(decode_hex(kSig + "20" "10" "0000").ok());
}

TEST(Pp2Decode, EveryTlvKind) {
  const auto result = decode_hex(kSig + "21" "11" "003e" "c0000201" "c6336402" "14e9" "0035"
                                        "010002" "6832" "02000b" "6578616d706c652e636f6d" "300004" "626c7565"
                                        "e00002" "0a0b" "040003" "000000" "050003" "616263" "030004" "c2f7e1c9");
  ASSERT_TRUE(result.ok()) << result.error->message;
  const auto& tlvs = result.header->tlvs;
  ASSERT_EQ(tlvs.size(), 7u);
  const std::vector<std::uint8_t> types = {0x01, 0x02, 0x30, 0xE0, 0x04, 0x05, 0x03};
  for (std::size_t i = 0; i < types.size(); ++i) EXPECT_EQ(tlvs[i].type, types[i]) << i;
  EXPECT_EQ(tlvs[1].value, bytes_of("example.com"));
  EXPECT_EQ(tlvs[4].value.size(), 3u);
  EXPECT_EQ(result.header->crc32c, Crc32cStatus::kOk);
}

TEST(Pp2Decode, TrailingPayloadIsIgnored) {
  const auto result = decode_hex(kInetCrc + "474554202f20485454502f312e310d0a");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.header->length, 35u);
  EXPECT_EQ(result.header->crc32c, Crc32cStatus::kOk);
}

// ---- malformed v2 ----

TEST(Pp2DecodeMalformed, EmptyAndForeignInput) {
  expect_error(decode_pp2({}), 0, "empty input");
  expect_error(decode_text("GET / HTTP/1.1\r\n"), 0, "not a PROXY header");
}

TEST(Pp2DecodeMalformed, BadSignatureAtEachByte) {
  for (std::size_t i = 0; i < 12; ++i) {
    std::vector<std::uint8_t> bytes = unhex(kInet);
    bytes[i] ^= 0x40;
    const auto result = decode_pp2(bytes);
    if (i == 0) {
      EXPECT_FALSE(result.ok());  // no longer starts like either version
      continue;
    }
    expect_error(result, i, "bad v2 signature");
  }
}

TEST(Pp2DecodeMalformed, EveryTruncationIsAnErrorAndNeverReadsPastTheInput) {
  const std::vector<std::string> headers = {
      kInet, kInetCrc,
      kSig + "21" "31" "00d8" + std::string(432, 'a'),
      kSig + "21" "11" "003e" "c0000201" "c6336402" "14e9" "0035" "010002" "6832" "02000b" "6578616d706c652e636f6d"
             "300004" "626c7565" "e00002" "0a0b" "040003" "000000" "050003" "616263" "030004" "c2f7e1c9",
  };
  for (const std::string& hex : headers) {
    const std::vector<std::uint8_t> full = unhex(hex);
    ASSERT_TRUE(decode_pp2(full).ok());
    for (std::size_t n = 0; n < full.size(); ++n) {
      // An exact-size heap copy: ASan would flag any read past it.
      const std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      const auto result = decode_pp2(cut);
      ASSERT_FALSE(result.ok()) << "prefix of " << n << " bytes accepted";
      EXPECT_FALSE(result.header.has_value());
      EXPECT_LE(result.error->offset, n) << result.error->message;
      if (n >= 12) {
        EXPECT_EQ(result.error->offset, n) << result.error->message;
      }
    }
  }
}

TEST(Pp2DecodeMalformed, VersionAndCommandNibbles) {
  expect_error(decode_hex(kSig + "11" "11" "000c" + std::string(24, '0')), 12, "unsupported version 1");
  expect_error(decode_hex(kSig + "31" "11" "000c" + std::string(24, '0')), 12, "unsupported version 3");
  expect_error(decode_hex(kSig + "22" "11" "000c" + std::string(24, '0')), 12, "unknown command 2");
  expect_error(decode_hex(kSig + "2f" "11" "000c" + std::string(24, '0')), 12, "unknown command 15");
}

TEST(Pp2DecodeMalformed, FamilyAndTransport) {
  expect_error(decode_hex(kSig + "21" "41" "000c" + std::string(24, '0')), 13, "unknown address family 4");
  expect_error(decode_hex(kSig + "21" "f1" "000c" + std::string(24, '0')), 13, "unknown address family 15");
  expect_error(decode_hex(kSig + "21" "13" "000c" + std::string(24, '0')), 13, "unknown transport 3");
  // Defined nibbles, undefined pairing for PROXY.
  expect_error(decode_hex(kSig + "21" "10" "000c" + std::string(24, '0')), 13, "undefined family/transport byte 0x10");
  expect_error(decode_hex(kSig + "21" "01" "0000"), 13, "undefined family/transport byte 0x01");
  // PROXY over UNSPEC is defined (0x00): no address, receivers use the real endpoints.
  EXPECT_TRUE(decode_hex(kSig + "21" "00" "0000").ok());
}

TEST(Pp2DecodeMalformed, LengthTooShortForTheAddressBlock) {
  expect_error(decode_hex(kSig + "21" "11" "000b" + std::string(22, '0')), 14,
               "length 11 is too short for the INET address block (12 bytes)");
  expect_error(decode_hex(kSig + "21" "21" "0023" + std::string(70, '0')), 14, "INET6 address block (36 bytes)");
  expect_error(decode_hex(kSig + "21" "32" "00d7" + std::string(430, '0')), 14, "UNIX address block (216 bytes)");
}

TEST(Pp2DecodeMalformed, TlvOverruns) {
  // Two bytes left: not even a TLV header.
  expect_error(decode_hex(kSig + "21" "11" "000e" "c0000201" "c6336402" "14e9" "0035" "0400"), 28,
               "truncated TLV header");
  // Value longer than the header says remains.
  expect_error(decode_hex(kSig + "21" "11" "0011" "c0000201" "c6336402" "14e9" "0035" "e00003" "0a0b"), 29,
               "TLV 0xe0 declares 3 bytes but only 2 remain");
  // The overrun hides in the second TLV.
  expect_error(decode_hex(kSig + "21" "11" "0014" "c0000201" "c6336402" "14e9" "0035" "040000" "e0ffff" "0a0b"), 32,
               "TLV 0xe0 declares 65535 bytes");
}

TEST(Pp2DecodeMalformed, CrcMismatchStillDecodesEverything) {
  std::string hex = kInetCrc;
  hex.replace(hex.size() - 2, 2, "fd");
  const auto result = decode_hex(hex + "e00000");  // bytes after the header are not looked at
  ASSERT_TRUE(result.header.has_value());
  EXPECT_EQ(result.header->crc32c, Crc32cStatus::kBad);
  EXPECT_EQ(result.header->source->to_string(), "192.0.2.1:5353");
  expect_error(result, 31, "CRC32C mismatch: header carries 0xde36a8fd, computed 0xde36a8fc");
  // Flipping any covered byte outside the value breaks the CRC too (here: a port).
  std::string port = kInetCrc;
  port.replace(48, 2, "15");
  EXPECT_EQ(decode_hex(port).header->crc32c, Crc32cStatus::kBad);
}

TEST(Pp2DecodeMalformed, CrcTlvOfWrongLength) {
  const auto result = decode_hex(kSig + "21" "11" "0012" "c0000201" "c6336402" "14e9" "0035" "030003" "de36a8");
  ASSERT_TRUE(result.header.has_value());
  EXPECT_EQ(result.header->crc32c, Crc32cStatus::kBad);
  expect_error(result, 29, "CRC32C TLV has length 3 (must be 4)");
  expect_error(decode_hex(kSig + "20" "00" "0003" "030000"), 17, "CRC32C TLV has length 0");
}

TEST(Pp2DecodeMalformed, DuplicateCrcTlv) {
  const auto result =
      decode_hex(kSig + "21" "11" "001a" "c0000201" "c6336402" "14e9" "0035" "030004" "00000000" "030004" "00000000");
  ASSERT_TRUE(result.header.has_value());
  expect_error(result, 35, "duplicate CRC32C TLV");
}

TEST(Pp2DecodeMalformed, UniqueIdLongerThan128) {
  const auto result = decode_hex(kSig + "20" "00" "0084" "050081" + std::string(2 * 129, 'a'));
  ASSERT_TRUE(result.header.has_value());
  expect_error(result, 17, "UNIQUE_ID TLV is 129 bytes (at most 128)");
  EXPECT_TRUE(decode_hex(kSig + "20" "00" "0083" "050080" + std::string(2 * 128, 'a')).ok());
}

// ---- v1 ----

TEST(Pp2DecodeV1, Tcp4) {
  const auto result = decode_text("PROXY TCP4 192.0.2.1 198.51.100.2 5353 53\r\nGET /");
  ASSERT_TRUE(result.ok()) << result.error->message;
  const Pp2Header& h = *result.header;
  EXPECT_EQ(h.version, 1);
  EXPECT_EQ(h.family, Pp2Family::kInet);
  EXPECT_EQ(h.transport, Pp2Transport::kStream);
  EXPECT_EQ(h.source->to_string(), "192.0.2.1:5353");
  EXPECT_EQ(h.destination->to_string(), "198.51.100.2:53");
  EXPECT_EQ(h.length, 43u);
  EXPECT_TRUE(h.tlvs.empty());
}

TEST(Pp2DecodeV1, Tcp6AndPortExtremes) {
  const auto result = decode_text("PROXY TCP6 2001:db8::1 ::ffff:10.0.0.1 65535 0\r\n");
  ASSERT_TRUE(result.ok()) << result.error->message;
  EXPECT_EQ(result.header->family, Pp2Family::kInet6);
  EXPECT_EQ(result.header->source->to_string(), "[2001:db8::1]:65535");
  EXPECT_EQ(result.header->destination->to_string(), "[::ffff:10.0.0.1]:0");
}

TEST(Pp2DecodeV1, Unknown) {
  auto result = decode_text("PROXY UNKNOWN\r\n");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.header->family, Pp2Family::kUnspec);
  EXPECT_EQ(result.header->transport, Pp2Transport::kUnspec);
  EXPECT_EQ(result.header->length, 15u);
  // "the receiver must ignore anything presented before the CRLF".
  result = decode_text("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.header->length, 35u);
}

TEST(Pp2DecodeV1, LongestLineIsAccepted) {
  const std::string line = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
                           "65535 65535\r\n";
  ASSERT_EQ(line.size(), 104u);
  EXPECT_TRUE(decode_text(line).ok());
}

TEST(Pp2DecodeV1, EveryTruncationIsAnError) {
  const std::string line = "PROXY TCP4 192.0.2.1 198.51.100.2 5353 53\r\n";
  for (std::size_t n = 0; n < line.size(); ++n) {
    const std::vector<std::uint8_t> cut(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(n));
    const auto result = decode_pp2(cut);
    ASSERT_FALSE(result.ok()) << n;
    if (n > 0) {
      EXPECT_EQ(result.error->offset, n) << n << ": " << result.error->message;
    }
  }
}

TEST(Pp2DecodeV1, Garbage) {
  expect_error(decode_text("PROXY TCP4 192.0.2.1 198.51.100.2 5353 53\n"), 41, "bare LF");
  expect_error(decode_text("PROXY TCP4 192.0.2.1 198.51.100.2 5353 53\rX"), 42, "CR not followed by LF");
  expect_error(decode_text("PROXY TCP4 192.0.2.1 198.51.100.2 5353 53 \r\n"), 41, "expected CRLF");
  expect_error(decode_text("PROXY TCP4 192.0.2.1 198.51.100.2 5353 53"), 41, "truncated v1 header");
  expect_error(decode_text("PROXY  TCP4 192.0.2.1 198.51.100.2 5353 53\r\n"), 6, "unknown v1 protocol");
  expect_error(decode_text("PROXY TCP4  192.0.2.1 198.51.100.2 5353 53\r\n"), 11, "double space before the source address");
  expect_error(decode_text("PROXY TCP4 192.0.2.1 198.51.100.2  5353 53\r\n"), 34, "double space before the source port");
  expect_error(decode_text("PROXY TCP5 192.0.2.1 198.51.100.2 5353 53\r\n"), 6, "unknown v1 protocol \"TCP5\"");
  expect_error(decode_text("PROXY tcp4 192.0.2.1 198.51.100.2 5353 53\r\n"), 6, "unknown v1 protocol");
  expect_error(decode_text("proxy TCP4 192.0.2.1 198.51.100.2 5353 53\r\n"), 0, "not a PROXY header");
  expect_error(decode_text("PROXY\tTCP4 192.0.2.1 198.51.100.2 5353 53\r\n"), 5, "must start with \"PROXY \"");
  expect_error(decode_text("PROXY TCP4 192.0.2.1 198.51.100.2 5353\r\n"), 38, "expected a space before the destination port");
  expect_error(decode_text("PROXY TCP4 192.0.2.1 198.51.100.2 5353 \r\n"), 39, "missing destination port");
}

TEST(Pp2DecodeV1, AddressesOfTheWrongFamilyOrMalformed) {
  expect_error(decode_text("PROXY TCP4 2001:db8::1 198.51.100.2 5353 53\r\n"), 11, "is not an IPv4 address as TCP4 requires");
  expect_error(decode_text("PROXY TCP6 2001:db8::1 198.51.100.2 5353 53\r\n"), 23, "is not an IPv6 address as TCP6 requires");
  expect_error(decode_text("PROXY TCP4 192.0.2.256 198.51.100.2 5353 53\r\n"), 11, "invalid source address");
  expect_error(decode_text("PROXY TCP4 192.0.2.01 198.51.100.2 5353 53\r\n"), 11, "invalid source address");
  expect_error(decode_text("PROXY TCP4 192.0.2 198.51.100.2 5353 53\r\n"), 11, "invalid source address");
  expect_error(decode_text("PROXY TCP6 fe80::1%eth0 ::1 5353 53\r\n"), 11, "invalid source address");
}

TEST(Pp2DecodeV1, Ports) {
  const std::string prefix = "PROXY TCP4 192.0.2.1 198.51.100.2 ";
  for (const char* bad : {"65536", "053", "+53", "-1", "5x", "99999", "123456", "0x35"}) {
    expect_error(decode_text(prefix + bad + " 53\r\n"), prefix.size(), "invalid source port");
    expect_error(decode_text(prefix + "53 " + bad + "\r\n"), prefix.size() + 3, "invalid destination port");
  }
  EXPECT_TRUE(decode_text(prefix + "0 65535\r\n").ok());
}

TEST(Pp2DecodeV1, NoCrlfWithin107Bytes) {
  const std::string line = "PROXY UNKNOWN " + std::string(100, 'x') + "\r\n";
  expect_error(decode_text(line), 107, "no CRLF within 107 bytes");
  // 107 bytes exactly, CRLF included, is the limit and is fine.
  EXPECT_TRUE(decode_text("PROXY UNKNOWN " + std::string(91, 'x') + "\r\n").ok());
  expect_error(decode_text("PROXY UNKNOWN " + std::string(92, 'x') + "\r\n"), 107, "no CRLF within 107 bytes");
}

}  // namespace
}  // namespace sluice::proxy
