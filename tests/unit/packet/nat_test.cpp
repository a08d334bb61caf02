// Same-family full-NAT rewrites: fields land where expected and every checksum verifies by an
// independent full recomputation.
#include "dataplane/packet/nat.hpp"

#include <gtest/gtest.h>

#include <array>
#include <random>

#include "dataplane/packet/checksum.hpp"
#include "dataplane/packet/ethernet.hpp"
#include "dataplane/packet/ip.hpp"
#include "dataplane/packet/l4.hpp"
#include "dataplane/packet/l4_checksum.hpp"
#include "tests/unit/packet/frame_builder.hpp"

namespace sluice::packet {
namespace {

using testing::Bytes;
using testing::ip;
using testing::TestPacket;

net::Endpoint endpoint(std::string_view address, std::uint16_t port) {
  return net::Endpoint{ip(address), port};
}

struct Case {
  TestPacket packet;
  ParsedFrame frame;
  explicit Case(const Bytes& bytes) : packet(bytes) {
    const ParseResult result = parse_frame(packet.data(), packet.buffer().length());
    EXPECT_TRUE(result.ok()) << drop_reason_name(result.drop_reason());
    frame = result.frame();
  }
  bool checksums_ok() {
    const Bytes now = packet.bytes();
    if (frame.is_ipv4() && !testing::reference_ipv4_header_ok(now, frame.l3_offset)) return false;
    const std::uint32_t checksum_at = frame.l4_offset + l4_checksum_field_offset(frame);
    if (frame.is_udp() && frame.is_ipv4() && testing::be16(now, checksum_at) == 0) return true;
    return testing::reference_l4_ok(now, frame.l3_offset, frame.l4_offset, frame.l3_end,
                                    frame.l4_protocol);
  }
};

Bytes tcp_v4(const Bytes& payload = {}) {
  testing::TcpSpec tcp;
  tcp.options = testing::sack_option({{1, 2}});
  tcp.payload = payload;
  return testing::build_frame({}, testing::Ipv4Spec{}, tcp);
}

TEST(RewriteL2, WritesBothMacs) {
  Case c(tcp_v4());
  rewrite_l2(c.packet.data(), testing::mac("02:aa:00:00:00:01"), testing::mac("02:bb:00:00:00:02"));
  const ConstEthernetView eth(c.packet.data());
  EXPECT_EQ(eth.src(), testing::mac("02:aa:00:00:00:01"));
  EXPECT_EQ(eth.dst(), testing::mac("02:bb:00:00:00:02"));
  EXPECT_EQ(eth.ethertype(), 0x0800);
}

TEST(DecrementTtl, Ipv4FixesTheHeaderChecksum) {
  Case c(tcp_v4());
  ASSERT_EQ(decrement_ttl(c.packet.data(), c.frame), DropReason::kNone);
  EXPECT_EQ(ConstIpv4View(c.packet.data() + 14).ttl(), 63);
  EXPECT_TRUE(c.checksums_ok());
}

TEST(DecrementTtl, RefusesToReachZero) {
  for (const std::uint8_t ttl : {std::uint8_t{0}, std::uint8_t{1}}) {
    testing::Ipv4Spec v4;
    v4.ttl = ttl;
    Case c(testing::build_frame({}, v4, testing::TcpSpec{}));
    const Bytes before = c.packet.bytes();
    EXPECT_EQ(decrement_ttl(c.packet.data(), c.frame), DropReason::kTtlExpired);
    EXPECT_EQ(c.packet.bytes(), before);
  }
  testing::Ipv4Spec two;
  two.ttl = 2;
  Case c(testing::build_frame({}, two, testing::TcpSpec{}));
  EXPECT_EQ(decrement_ttl(c.packet.data(), c.frame), DropReason::kNone);
  EXPECT_EQ(ConstIpv4View(c.packet.data() + 14).ttl(), 1);
  EXPECT_TRUE(c.checksums_ok());
}

TEST(DecrementTtl, Ipv6HopLimit) {
  testing::Ipv6Spec v6;
  v6.hop_limit = 2;
  Case c(testing::build_frame({}, v6, testing::TcpSpec{}));
  EXPECT_EQ(decrement_ttl(c.packet.data(), c.frame), DropReason::kNone);
  EXPECT_EQ(ConstIpv6View(c.packet.data() + 14).hop_limit(), 1);
  EXPECT_EQ(decrement_ttl(c.packet.data(), c.frame), DropReason::kTtlExpired);
  EXPECT_TRUE(c.checksums_ok());
}

TEST(RewriteL3L4, Ipv4Tcp) {
  Case c(tcp_v4(Bytes(41, 0x33)));
  ASSERT_EQ(rewrite_l3l4(c.packet.data(), c.frame, endpoint("10.1.1.1", 1025),
                         endpoint("10.2.2.2", 8080)),
            DropReason::kNone);
  const ConstIpv4View v4(c.packet.data() + 14);
  const ConstTcpView tcp(c.packet.data() + 34);
  EXPECT_EQ(v4.src(), ip("10.1.1.1"));
  EXPECT_EQ(v4.dst(), ip("10.2.2.2"));
  EXPECT_EQ(tcp.src_port(), 1025);
  EXPECT_EQ(tcp.dst_port(), 8080);
  EXPECT_EQ(tcp.seq(), TcpSeq(1000));
  EXPECT_TRUE(c.checksums_ok());
  EXPECT_TRUE(l4_checksum_ok(c.packet.data(), c.frame));
}

TEST(RewriteL3L4, Ipv4UdpWithAndWithoutChecksum) {
  testing::UdpSpec udp;
  udp.payload = {1, 2, 3};
  Case with(testing::build_frame({}, testing::Ipv4Spec{}, udp));
  ASSERT_EQ(rewrite_l3l4(with.packet.data(), with.frame, endpoint("10.1.1.1", 1),
                         endpoint("10.2.2.2", 2)),
            DropReason::kNone);
  EXPECT_NE(ConstUdpView(with.packet.data() + 34).checksum(), 0);
  EXPECT_TRUE(with.checksums_ok());

  udp.no_checksum = true;
  Case without(testing::build_frame({}, testing::Ipv4Spec{}, udp));
  ASSERT_EQ(rewrite_l3l4(without.packet.data(), without.frame, endpoint("10.1.1.1", 1),
                         endpoint("10.2.2.2", 2)),
            DropReason::kNone);
  EXPECT_EQ(ConstUdpView(without.packet.data() + 34).checksum(), 0);
  EXPECT_EQ(ConstUdpView(without.packet.data() + 34).src_port(), 1);
  EXPECT_TRUE(testing::reference_ipv4_header_ok(without.packet.bytes(), 14));
}

TEST(RewriteL3L4, UdpChecksumThatComesOutZeroIsSentAsAllOnes) {
  testing::UdpSpec udp;
  udp.payload = {0x10, 0x20};
  const Bytes frame = testing::build_frame({}, testing::Ipv4Spec{}, udp);
  // Find the destination port for which the updated checksum would be 0x0000.
  Case probe(frame);
  const std::uint16_t stored = ConstUdpView(probe.packet.data() + 34).checksum();
  const std::uint16_t old_port = ConstUdpView(probe.packet.data() + 34).dst_port();
  std::uint32_t zero_port = 0x10000;
  for (std::uint32_t port = 0; port <= 0xFFFF; ++port) {
    if (checksum_update16(stored, old_port, static_cast<std::uint16_t>(port)) == 0) {
      zero_port = port;
      break;
    }
  }
  ASSERT_LE(zero_port, 0xFFFFu);
  const auto src = net::Endpoint{probe.frame.src_address(probe.packet.data()).to_address(),
                                 ConstUdpView(probe.packet.data() + 34).src_port()};
  const auto dst = net::Endpoint{probe.frame.dst_address(probe.packet.data()).to_address(),
                                 static_cast<std::uint16_t>(zero_port)};
  ASSERT_EQ(rewrite_l3l4(probe.packet.data(), probe.frame, src, dst), DropReason::kNone);
  EXPECT_EQ(ConstUdpView(probe.packet.data() + 34).checksum(), 0xFFFF);
  EXPECT_TRUE(probe.checksums_ok());
}

TEST(RewriteL3L4, Ipv6TcpAndUdp) {
  testing::TcpSpec tcp;
  tcp.payload = Bytes(17, 0x42);
  Case t(testing::build_frame({}, testing::Ipv6Spec{}, tcp));
  ASSERT_EQ(rewrite_l3l4(t.packet.data(), t.frame, endpoint("fd00::1", 5000),
                         endpoint("fd00:1::99", 443)),
            DropReason::kNone);
  EXPECT_EQ(ConstIpv6View(t.packet.data() + 14).src(), ip("fd00::1"));
  EXPECT_EQ(ConstIpv6View(t.packet.data() + 14).dst(), ip("fd00:1::99"));
  EXPECT_EQ(ConstTcpView(t.packet.data() + 54).src_port(), 5000);
  EXPECT_EQ(ConstTcpView(t.packet.data() + 54).dst_port(), 443);
  EXPECT_TRUE(t.checksums_ok());

  testing::UdpSpec udp;
  udp.payload = {1, 2, 3, 4, 5};
  testing::Ipv6Spec v6;
  v6.extensions = {testing::destination_options_header(0)};
  Case u(testing::build_frame({}, v6, udp));
  ASSERT_EQ(rewrite_l3l4(u.packet.data(), u.frame, endpoint("fd00::1", 5000),
                         endpoint("fd00:1::99", 53)),
            DropReason::kNone);
  EXPECT_EQ(ConstUdpView(u.packet.data() + 62).dst_port(), 53);
  EXPECT_TRUE(u.checksums_ok());
}

TEST(RewriteL3L4, RefusesWhatItCannotRewrite) {
  Case v4(tcp_v4());
  const Bytes before = v4.packet.bytes();
  EXPECT_EQ(rewrite_l3l4(v4.packet.data(), v4.frame, endpoint("fd00::1", 1),
                         endpoint("10.0.0.1", 2)),
            DropReason::kFamilyMismatch);
  EXPECT_EQ(v4.packet.bytes(), before);

  Case icmp(testing::build_frame({}, testing::Ipv4Spec{}, testing::IcmpSpec{}));
  EXPECT_EQ(rewrite_l3l4(icmp.packet.data(), icmp.frame, endpoint("10.0.0.1", 1),
                         endpoint("10.0.0.2", 2)),
            DropReason::kNotRewritable);

  testing::Ipv4Spec first_fragment;
  first_fragment.flags_fragment = 0x2000;
  Case fragment(testing::build_frame({}, first_fragment, testing::TcpSpec{}));
  EXPECT_EQ(rewrite_l3l4(fragment.packet.data(), fragment.frame, endpoint("10.0.0.1", 1),
                         endpoint("10.0.0.2", 2)),
            DropReason::kNotRewritable);
}

// Property: random frames, random new endpoints; every checksum must still verify.
TEST(RewriteL3L4, RandomRewritesKeepEveryChecksumValid) {
  std::mt19937 rng(7915);
  const auto random_address = [&](bool v6) {
    std::array<std::uint8_t, 16> bytes{};
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    if (!v6) return net::IpAddress::v4({bytes[0], bytes[1], bytes[2], bytes[3]});
    return net::IpAddress::v6(bytes);
  };
  for (int round = 0; round < 400; ++round) {
    const bool v6 = round % 2 == 0;
    const bool udp = round % 4 < 2;
    Bytes payload(rng() % 64, 0);
    for (auto& b : payload) b = static_cast<std::uint8_t>(rng());
    testing::L4Spec l4;
    if (udp) {
      testing::UdpSpec spec;
      spec.payload = payload;
      spec.src_port = static_cast<std::uint16_t>(rng());
      l4 = spec;
    } else {
      testing::TcpSpec spec;
      spec.payload = payload;
      spec.seq = static_cast<std::uint32_t>(rng());
      l4 = spec;
    }
    testing::L3Spec l3;
    if (v6) {
      testing::Ipv6Spec spec;
      spec.src = random_address(true);
      l3 = spec;
    } else {
      testing::Ipv4Spec spec;
      spec.src = random_address(false);
      spec.id = static_cast<std::uint16_t>(rng());
      l3 = spec;
    }
    Case c(testing::build_frame({}, l3, l4));
    const net::Endpoint src{random_address(v6), static_cast<std::uint16_t>(rng())};
    const net::Endpoint dst{random_address(v6), static_cast<std::uint16_t>(rng())};
    ASSERT_EQ(rewrite_l3l4(c.packet.data(), c.frame, src, dst), DropReason::kNone);
    ASSERT_TRUE(c.checksums_ok()) << "round " << round;
    ASSERT_TRUE(l4_checksum_ok(c.packet.data(), c.frame)) << "round " << round;
    ASSERT_EQ(decrement_ttl(c.packet.data(), c.frame), DropReason::kNone);
    ASSERT_TRUE(c.checksums_ok()) << "round " << round;
  }
}

// route_l3l4 (TTL and addresses in one checksum update, raw address bytes) must give exactly
// the bytes of decrement_ttl() then rewrite_l3l4(), and refuse what they refuse.
TEST(RouteL3L4, SameBytesAsDecrementThenRewrite) {
  std::mt19937 rng(4711);
  for (int round = 0; round < 400; ++round) {
    const bool v6 = round % 2 == 0;
    const bool udp = round % 4 < 2;
    testing::L4Spec l4;
    if (udp) {
      testing::UdpSpec spec;
      spec.payload = Bytes(rng() % 48, static_cast<std::uint8_t>(rng()));
      l4 = spec;
    } else {
      testing::TcpSpec spec;
      spec.payload = Bytes(rng() % 48, static_cast<std::uint8_t>(rng()));
      spec.seq = static_cast<std::uint32_t>(rng());
      l4 = spec;
    }
    testing::L3Spec l3;
    std::array<std::uint8_t, 16> src{};
    std::array<std::uint8_t, 16> dst{};
    for (auto& b : src) b = static_cast<std::uint8_t>(rng());
    for (auto& b : dst) b = static_cast<std::uint8_t>(rng());
    const auto ttl = static_cast<std::uint8_t>(round % 5 == 0 ? 1 : 2 + rng() % 250);
    if (v6) {
      testing::Ipv6Spec spec;
      spec.hop_limit = ttl;
      l3 = spec;
    } else {
      testing::Ipv4Spec spec;
      spec.ttl = ttl;
      spec.id = static_cast<std::uint16_t>(rng());
      l3 = spec;
    }
    const auto sport = static_cast<std::uint16_t>(rng());
    const auto dport = static_cast<std::uint16_t>(rng());
    const Bytes frame = testing::build_frame({}, l3, l4);
    Case routed(frame);
    Case chained(frame);
    const DropReason got =
        route_l3l4(routed.packet.data(), routed.frame, src.data(), sport, dst.data(), dport);
    if (ttl <= 1) {
      EXPECT_EQ(got, DropReason::kTtlExpired);
      EXPECT_EQ(routed.packet.bytes(), frame);
      continue;
    }
    ASSERT_EQ(got, DropReason::kNone);
    const net::IpAddress src_address =
        v6 ? net::IpAddress::v6(src) : net::IpAddress::v4({src[0], src[1], src[2], src[3]});
    const net::IpAddress dst_address =
        v6 ? net::IpAddress::v6(dst) : net::IpAddress::v4({dst[0], dst[1], dst[2], dst[3]});
    ASSERT_EQ(decrement_ttl(chained.packet.data(), chained.frame), DropReason::kNone);
    ASSERT_EQ(rewrite_l3l4(chained.packet.data(), chained.frame, {src_address, sport},
                           {dst_address, dport}),
              DropReason::kNone);
    ASSERT_EQ(routed.packet.bytes(), chained.packet.bytes()) << "round " << round;
    ASSERT_TRUE(routed.checksums_ok()) << "round " << round;
  }
  Case icmp(testing::build_frame({}, testing::Ipv4Spec{}, testing::IcmpSpec{}));
  const std::uint8_t address[16] = {10, 0, 0, 1};
  EXPECT_EQ(route_l3l4(icmp.packet.data(), icmp.frame, address, 1, address, 2),
            DropReason::kNotRewritable);
}

}  // namespace
}  // namespace sluice::packet
