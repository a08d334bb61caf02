// Grow-or-standalone size rules and the with-data MSS rewrite, at and around each limit.
#include "dataplane/insertion/header_fit.hpp"

#include <gtest/gtest.h>

namespace sluice::insertion {
namespace {

SegmentDescription with_payload(std::uint32_t payload, std::uint16_t tcp_header = 20) {
  SegmentDescription segment;
  segment.payload_length = payload;
  segment.tcp_header_length = tcp_header;
  return segment;
}

constexpr EgressPath kIpv4Mtu1500{1500, 20};

TEST(HeaderFit, MssLimitExactAndOneOver) {
  // payload + H <= MSS: 1432 + 28 = 1460.
  EXPECT_TRUE(header_fits_in_front(with_payload(1432), 28, kIpv4Mtu1500, 1460));
  EXPECT_FALSE(header_fits_in_front(with_payload(1433), 28, kIpv4Mtu1500, 1460));
  // The MSS limit binds before the MTU: MSS 1400 on a 1500 link.
  EXPECT_TRUE(header_fits_in_front(with_payload(1372), 28, kIpv4Mtu1500, 1400));
  EXPECT_FALSE(header_fits_in_front(with_payload(1373), 28, kIpv4Mtu1500, 1400));
}

TEST(HeaderFit, TcpOptionsCountAgainstMss) {
  // 12 bytes of timestamps: 1420 + 28 + 12 = 1460.
  EXPECT_TRUE(header_fits_in_front(with_payload(1420, 32), 28, kIpv4Mtu1500, 1460));
  EXPECT_FALSE(header_fits_in_front(with_payload(1421, 32), 28, kIpv4Mtu1500, 1460));
}

TEST(HeaderFit, MtuLimitExactAndOneOver) {
  const EgressPath mtu1400{1400, 20};
  EXPECT_TRUE(header_fits_in_front(with_payload(1332), 28, mtu1400, 1460));   // 1400
  EXPECT_FALSE(header_fits_in_front(with_payload(1333), 28, mtu1400, 1460));  // 1401
  const EgressPath ipv6_mtu1500{1500, 40};
  EXPECT_TRUE(header_fits_in_front(with_payload(1412), 28, ipv6_mtu1500, 1460));
  EXPECT_FALSE(header_fits_in_front(with_payload(1413), 28, ipv6_mtu1500, 1460));
}

TEST(HeaderFit, OddHeaderLength) {
  EXPECT_TRUE(header_fits_in_front(with_payload(1415), 45, kIpv4Mtu1500, 1460));
  EXPECT_FALSE(header_fits_in_front(with_payload(1416), 45, kIpv4Mtu1500, 1460));
}

TEST(HeaderFit, SuperFramesNeverGrow) {
  EXPECT_FALSE(header_fits_in_front(with_payload(65000), 28, kIpv4Mtu1500, 1460));
  EXPECT_FALSE(header_fits_in_front(with_payload(1461), 28, EgressPath{9000, 20}, 1460));
  SegmentDescription small = with_payload(10);
  small.coalesced = true;  // offload metadata says so: trust it
  EXPECT_FALSE(header_fits_in_front(small, 28, kIpv4Mtu1500, 1460));
  // A frame over the MTU is a super-frame even if payload + H would fit a larger MSS.
  EXPECT_FALSE(header_fits_in_front(with_payload(1470), 28, kIpv4Mtu1500, 9000));
  // Huge payload cannot overflow the arithmetic.
  EXPECT_FALSE(header_fits_in_front(with_payload(0xFFFFFFFFu), 0xFFFF, kIpv4Mtu1500, 0xFFFF));
}

TEST(HeaderFit, PureAckAlwaysGrowsWithSmallHeader) {
  EXPECT_TRUE(header_fits_in_front(with_payload(0), 28, kIpv4Mtu1500, 536));
  EXPECT_TRUE(header_fits_in_front(with_payload(0, 32), 216, EgressPath{576, 20}, 536));
}

TEST(ClientFacingMss, LowersByHeaderLength) {
  EXPECT_EQ(client_facing_mss(1460, 28), 1432);
  EXPECT_EQ(client_facing_mss(1460, 45), 1415);
  EXPECT_EQ(client_facing_mss(536, 28), 508);
}

TEST(ClientFacingMss, FloorAndNeverRaised) {
  EXPECT_EQ(client_facing_mss(116, 28), 88);   // exactly the floor
  EXPECT_EQ(client_facing_mss(117, 28), 89);
  EXPECT_EQ(client_facing_mss(100, 28), 88);   // would be 72: floored
  EXPECT_EQ(client_facing_mss(200, 500), 88);  // header longer than the MSS
  EXPECT_EQ(client_facing_mss(80, 28), 80);    // already below the floor: untouched
  EXPECT_EQ(client_facing_mss(88, 28), 88);
}

}  // namespace
}  // namespace sluice::insertion
