// pp2.h builds variable-length parts with constant-trip, branch-free loops under BPF (see
// PP2_CONSTANT_TRIP_LOOPS). This translation unit compiles that BPF shape on the host and checks
// it against the hosted shape the library uses (pp2_encoder.cpp), over many random headers.
#define PP2_CONSTANT_TRIP_LOOPS 1
#include "dataplane/shared/pp2.h"

#include <gtest/gtest.h>

#include <array>
#include <random>

#include "dataplane/proxy/pp2_encoder.hpp"

namespace sluice::proxy {
namespace {

static_assert(PP2_CONSTANT_TRIP_LOOPS == 1, "this test must see the BPF loop shape");

TEST(Pp2BpfShape, SameBytesAsTheHostedShape) {
  std::mt19937 rng(2026);
  auto byte = [&rng] { return static_cast<std::uint8_t>(rng()); };
  for (int round = 0; round < 3000; ++round) {
    Pp2Request request;
    request.version = round % 5 == 0 ? 1 : 2;
    request.command = rng() % 4 == 0 ? Pp2Command::kLocal : Pp2Command::kProxy;
    request.transport = request.version == 2 && rng() % 2 ? Pp2Transport::kDgram : Pp2Transport::kStream;
    const auto family = static_cast<unsigned>(rng() % (request.version == 1 ? 3u : 4u));
    std::array<std::uint8_t, 16> a{}, b{};
    for (std::size_t i = 0; i < 16; ++i) {
      // Mostly-zero addresses exercise the IPv6 zero-run compression.
      a[i] = rng() % 3 == 0 ? byte() : 0;
      b[i] = rng() % 3 == 0 ? byte() : 0;
    }
    if (rng() % 4 == 0) a[10] = a[11] = 0xFF;
    const auto sport = static_cast<std::uint16_t>(rng() % 3 == 0 ? rng() % 10 : rng());
    const auto dport = static_cast<std::uint16_t>(rng());
    if (family == 1) {
      request.source = net::Endpoint{net::IpAddress::v4({a[0], a[1], a[2], a[3]}), sport};
      request.destination = net::Endpoint{net::IpAddress::v4({b[0], b[1], b[2], b[3]}), dport};
    } else if (family == 2) {
      request.source = net::Endpoint{net::IpAddress::v6(a), sport};
      request.destination = net::Endpoint{net::IpAddress::v6(b), dport};
    } else if (family == 3) {
      request.unix_paths = UnixPaths{std::string(rng() % 109, 's'), std::string(rng() % 109, 'd')};
    }
    if (request.version == 2) {
      const auto tlvs = static_cast<unsigned>(rng() % 4);
      for (unsigned i = 0; i < tlvs; ++i) {
        request.tlvs.push_back(Pp2Tlv{byte(), std::vector<std::uint8_t>(rng() % 60, byte())});
      }
      if (rng() % 2) request.unique_id = std::vector<std::uint8_t>(rng() % 129, byte());
      request.crc32c = rng() % 2 == 0;
    }

    const Pp2Encoded hosted = encode(request);
    ASSERT_TRUE(hosted.ok()) << hosted.error;
    pp2_template tpl;
    pp2_conn conn;
    ASSERT_EQ(make_template(request, tpl), "");
    ASSERT_EQ(make_conn(request, conn), "");
    std::array<std::uint8_t, PP2_HEADER_MAX> out{};
    const std::int32_t length = pp2_build(&tpl, &conn, out.data());
    ASSERT_EQ(length, static_cast<std::int32_t>(hosted.bytes.size())) << "round " << round;
    ASSERT_EQ(pp2_header_len(&tpl, &conn), length);
    ASSERT_TRUE(std::equal(hosted.bytes.begin(), hosted.bytes.end(), out.begin())) << "round " << round;
  }
}

}  // namespace
}  // namespace sluice::proxy
