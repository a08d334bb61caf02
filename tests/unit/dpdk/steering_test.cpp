// FlowSteering::classify: which worker must see a received frame. Owners are hand-computed from
// the partition rule of conntrack/snat_ports.hpp: lane = port & (lanes - 1), owner = lane mod
// workers, with lanes = workers for a power of two and 16 * next_pow2(workers) otherwise.
#include <gtest/gtest.h>

#include "control/config/load.hpp"
#include "control/datapath/tables_from_config.hpp"
#include "dataplane/packet/parser.hpp"
#include "dataplane/pipeline/steering.hpp"
#include "tests/unit/packet/frame_builder.hpp"

namespace sluice::testing {
namespace {

namespace pt = packet::testing;
using pipeline::SteeringAction;
using pipeline::SteeringDecision;

// SNAT addresses default to the back interface's own addresses (10.20.0.1, fd20::1); the UDP
// service names a second one explicitly.
constexpr const char* kConfig = R"(
[[interfaces]]
name = "front"
dpdk = "net_ring0"
addresses = ["10.10.0.1/24", "fd10::1/64"]
[[interfaces]]
name = "back"
dpdk = "net_ring1"
addresses = ["10.20.0.1/24", "10.20.0.5/24", "fd20::1/64"]
[[services]]
name = "web"
vip = "10.10.0.100"
port = 80
[[services.backends]]
address = "10.20.0.2"
port = 8080
[[services.backends]]
address = "fd20::2"
port = 8080
[[services]]
name = "dns"
vip = "10.10.0.100"
port = 53
protocol = "udp"
snat = ["10.20.0.5"]
[[services.backends]]
address = "10.20.0.2"
port = 5353
)";

std::shared_ptr<const pipeline::Tables> tables() {
  auto loaded = config::parse_config(kConfig, "steering_test.toml");
  if (!loaded.ok()) {
    ADD_FAILURE() << loaded.diagnostics().front().to_string();
    return nullptr;
  }
  const std::vector<net::MacAddress> macs{pt::mac("02:00:00:00:01:01"),
                                          pt::mac("02:00:00:00:02:01")};
  return datapath::tables_from_config(*loaded.config(), macs);
}

class SteeringTest : public ::testing::Test {
 protected:
  SteeringDecision classify(const pt::Bytes& frame, std::uint32_t workers, std::uint32_t self) {
    const auto parsed = packet::parse_frame(frame.data(), frame.size());
    EXPECT_TRUE(parsed.ok()) << "test frame must parse";
    const pipeline::FlowSteering steering(*tables_, workers);
    return steering.classify(parsed.frame(), frame.data(), self);
  }

  static pt::Bytes tcp_to(const char* destination, std::uint16_t port) {
    pt::Ipv4Spec ip;
    ip.src = pt::ip("10.20.0.2");
    ip.dst = pt::ip(destination);
    pt::TcpSpec tcp;
    tcp.src_port = 8080;
    tcp.dst_port = port;
    tcp.flags = 0x12;  // SYN+ACK from the backend
    return pt::build_frame({}, ip, tcp);
  }
  static pt::Bytes udp_to(const char* destination, std::uint16_t port) {
    pt::Ipv4Spec ip;
    ip.src = pt::ip("10.20.0.2");
    ip.dst = pt::ip(destination);
    pt::UdpSpec udp;
    udp.src_port = 5353;
    udp.dst_port = port;
    udp.payload = {1, 2, 3};
    return pt::build_frame({}, ip, udp);
  }
  static pt::Bytes tcp6_to(const char* destination, std::uint16_t port) {
    pt::Ipv6Spec ip;
    ip.src = pt::ip("fd20::2");
    ip.dst = pt::ip(destination);
    pt::TcpSpec tcp;
    tcp.src_port = 8080;
    tcp.dst_port = port;
    tcp.flags = 0x10;
    return pt::build_frame({}, ip, tcp);
  }

  std::shared_ptr<const pipeline::Tables> tables_ = tables();
};

constexpr SteeringDecision kLocal{SteeringAction::kLocal, 0};
constexpr SteeringDecision kBroadcast{SteeringAction::kBroadcast, 0};
constexpr SteeringDecision to(std::uint32_t worker) { return {SteeringAction::kToOwner, worker}; }

TEST_F(SteeringTest, TcpReplyToSnatPortGoesToItsOwner) {
  // Two workers: lanes = 2, 40001 & 1 = 1 -> worker 1; 40000 -> worker 0.
  EXPECT_EQ(classify(tcp_to("10.20.0.1", 40001), 2, 0), to(1));
  EXPECT_EQ(classify(tcp_to("10.20.0.1", 40000), 2, 1), to(0));
}

TEST_F(SteeringTest, OwnPortStaysLocal) {
  EXPECT_EQ(classify(tcp_to("10.20.0.1", 40001), 2, 1), kLocal);
  EXPECT_EQ(classify(tcp_to("10.20.0.1", 40000), 2, 0), kLocal);
}

TEST_F(SteeringTest, UdpToExplicitSnatAddress) {
  EXPECT_EQ(classify(udp_to("10.20.0.5", 1025), 2, 0), to(1));
  EXPECT_EQ(classify(udp_to("10.20.0.5", 1024), 2, 0), kLocal);
}

TEST_F(SteeringTest, Ipv6SnatAddress) {
  EXPECT_EQ(classify(tcp6_to("fd20::1", 50001), 2, 0), to(1));
  // fd20::5 is not a SNAT address (only 10.20.0.5 is, in IPv4): same bytes never match across
  // families either.
  EXPECT_EQ(classify(tcp6_to("fd20::5", 50001), 2, 0), kLocal);
}

TEST_F(SteeringTest, ThreeWorkersUseSixtyFourLanes) {
  // lanes = 16 * 4 = 64: 1026 & 63 = 2 -> worker 2; 1027 -> lane 3 -> 3 mod 3 = worker 0;
  // 1088 & 63 = 0 -> worker 0; 1089 -> lane 1 -> worker 1.
  EXPECT_EQ(classify(tcp_to("10.20.0.1", 1026), 3, 0), to(2));
  EXPECT_EQ(classify(tcp_to("10.20.0.1", 1027), 3, 1), to(0));
  EXPECT_EQ(classify(tcp_to("10.20.0.1", 1089), 3, 2), to(1));
  EXPECT_EQ(classify(tcp_to("10.20.0.1", 1088), 3, 0), kLocal);
}

TEST_F(SteeringTest, PortOutsideTheSnatRangeStaysLocal) {
  // 80 < 1024: no worker ever hands it out, whoever receives it drops it alike.
  EXPECT_EQ(classify(tcp_to("10.20.0.1", 81), 2, 0), kLocal);
}

TEST_F(SteeringTest, ClientTrafficToVipStaysWhereRssPutIt) {
  pt::Ipv4Spec ip;
  ip.src = pt::ip("10.10.0.2");
  ip.dst = pt::ip("10.10.0.100");
  pt::TcpSpec tcp;
  tcp.src_port = 40001;
  tcp.dst_port = 80;
  EXPECT_EQ(classify(pt::build_frame({}, ip, tcp), 2, 0), kLocal);
  EXPECT_EQ(classify(tcp_to("10.20.0.9", 40001), 2, 0), kLocal);  // not ours at all
}

TEST_F(SteeringTest, SingleWorkerNeverHandsOff) {
  EXPECT_EQ(classify(tcp_to("10.20.0.1", 40001), 1, 0), kLocal);
}

TEST_F(SteeringTest, ArpRepliesAreBroadcastRequestsAreNot) {
  pt::ArpSpec reply;
  reply.operation = 2;
  reply.sender_ip = pt::ip("10.20.0.2");
  reply.target_ip = pt::ip("10.20.0.1");
  EXPECT_EQ(classify(pt::build_frame({}, reply, std::monostate{}), 2, 1), kBroadcast);
  pt::ArpSpec request = reply;
  request.operation = 1;
  EXPECT_EQ(classify(pt::build_frame({}, request, std::monostate{}), 2, 1), kLocal);
}

TEST_F(SteeringTest, NeighborAdvertisementsAreBroadcastSolicitationsAreNot) {
  pt::Ipv6Spec ip;
  ip.src = pt::ip("fd20::2");
  ip.dst = pt::ip("fd20::1");
  ip.hop_limit = 255;
  pt::IcmpSpec advert;
  advert.type = 136;
  advert.rest = 0x60000000;  // solicited + override
  advert.payload = pt::Bytes(16, 0);
  const auto target = pt::ip("fd20::2");
  std::copy(target.data(), target.data() + 16, advert.payload.begin());
  EXPECT_EQ(classify(pt::build_frame({}, ip, advert), 2, 0), kBroadcast);
  pt::IcmpSpec solicit = advert;
  solicit.type = 135;
  solicit.rest = 0;
  EXPECT_EQ(classify(pt::build_frame({}, ip, solicit), 2, 0), kLocal);
}

TEST_F(SteeringTest, IcmpAndLaterFragmentsStayLocal) {
  pt::Ipv4Spec ip;
  ip.src = pt::ip("10.20.0.2");
  ip.dst = pt::ip("10.20.0.1");
  EXPECT_EQ(classify(pt::build_frame({}, ip, pt::IcmpSpec{}), 2, 0), kLocal);
  // A non-first fragment has no ports to steer by.
  ip.flags_fragment = 0x0002;  // offset 16 bytes, no MF
  pt::RawL4 rest{17, pt::Bytes(8, 0x55)};
  EXPECT_EQ(classify(pt::build_frame({}, ip, rest), 2, 0), kLocal);
}

}  // namespace
}  // namespace sluice::testing
