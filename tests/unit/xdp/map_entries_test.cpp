// pipeline::Tables -> the XDP datapath's map entries (dataplane/xdp/map_entries.hpp), without
// the kernel: what the BPF program will find for ports, addresses, next hops, services and
// backends of each scheduler.
#include "dataplane/xdp/map_entries.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>

namespace sluice::xdp {
namespace {

net::IpAddress ip(const char* text) { return *net::IpAddress::parse(text); }
net::Prefix prefix(const char* text) { return *net::Prefix::parse(text); }

std::shared_ptr<const sched::BackendSet> backends(sched::SchedulerKind kind, std::vector<sched::BackendSpec> specs) {
  return std::make_shared<const sched::BackendSet>(kind, specs);
}

sched::BackendSpec spec(const char* address, std::uint16_t port, std::uint32_t weight = 1, bool enabled = true) {
  sched::BackendSpec s;
  s.endpoint = net::Endpoint{ip(address), port};
  s.weight = weight;
  s.admin_enabled = enabled;
  return s;
}

pipeline::Service service(const char* name, const char* vip, std::uint16_t port, std::uint8_t protocol,
                          std::shared_ptr<const sched::BackendSet> set) {
  pipeline::Service s;
  s.name = name;
  s.vip = net::Endpoint{ip(vip), port};
  s.protocol = protocol;
  s.backends = std::move(set);
  s.snat_v4 = ip("10.20.0.1");
  return s;
}

class MapEntriesTest : public ::testing::Test {
 protected:
  MapEntriesTest() {
    std::vector<pipeline::Port> ports(2);
    ports[0].name = "front";
    ports[0].mac = *net::MacAddress::parse("02:00:00:00:01:01");
    ports[0].mtu = 1500;
    ports[0].addresses = {prefix("10.10.0.1/24"), prefix("fd10::1/64")};
    ports[1].name = "back";
    ports[1].mac = *net::MacAddress::parse("02:00:00:00:02:01");
    ports[1].mtu = 9000;
    ports[1].addresses = {prefix("10.20.0.1/24")};

    std::vector<pipeline::Service> services;
    services.push_back(service("rr", "10.10.0.100", 80, pipeline::kProtoTcp,
                               backends(sched::SchedulerKind::kRoundRobin,
                                        {spec("10.20.0.2", 8080), spec("10.20.0.3", 8080, 1, false)})));
    services.push_back(service("wrr", "10.10.0.100", 81, pipeline::kProtoTcp,
                               backends(sched::SchedulerKind::kWeightedRoundRobin,
                                        {spec("10.20.0.2", 8081, 2), spec("10.20.0.3", 8081, 4)})));
    services.push_back(service("maglev", "10.10.0.100", 53, pipeline::kProtoUdp,
                               backends(sched::SchedulerKind::kMaglev,
                                        {spec("10.20.0.2", 5353), spec("10.20.0.3", 5353), spec("10.20.0.4", 5353)})));
    pipeline::ProxyPlan plan;
    plan.tcp_mode = insertion::InsertionMode::kWithData;
    plan.udp_every_datagram = false;
    pp2_template_init(&plan.header_template, 2, PP2_CMD_PROXY, PP2_TRANSPORT_STREAM);
    services[0].proxy = plan;

    std::vector<pipeline::StaticNeighbor> neighbors = {{ip("10.20.0.2"), *net::MacAddress::parse("02:00:00:00:02:02"), 1}};
    std::vector<pipeline::Route> routes = {{prefix("0.0.0.0/0"), ip("10.10.0.254")}};
    pipeline::Limits limits;
    limits.max_entries = 4096;
    limits.snat_port_first = 2000;
    limits.snat_port_last = 3000;
    tables_ = std::make_unique<pipeline::Tables>(std::move(ports), std::move(services), std::move(neighbors),
                                                 std::move(routes), limits);
  }

  MapEntries entries() {
    MapEntryOptions options;
    options.ifindexes = ifindexes_;
    options.nr_cpus = 4;
    options.instance_id = 0x0102030405060708ULL;
    return map_entries(*tables_, options);
  }

  std::unique_ptr<pipeline::Tables> tables_;
  std::vector<std::uint32_t> ifindexes_ = {7, 9};
};

template <typename Key, typename Value>
const Value* find(const std::vector<std::pair<Key, Value>>& list, const Key& key) {
  for (const auto& [k, v] : list) {
    if (std::memcmp(&k, &key, sizeof key) == 0) return &v;
  }
  return nullptr;
}

TEST_F(MapEntriesTest, ConfigCarriesLimitsAndTheInstanceIdBigEndian) {
  const MapEntries e = entries();
  EXPECT_EQ(e.config.max_entries, 4096u);
  EXPECT_EQ(e.config.snat_port_first, 2000);
  EXPECT_EQ(e.config.snat_port_last, 3000);
  EXPECT_EQ(e.config.nr_cpus, 4u);
  EXPECT_EQ(e.config.test_now_ns, 0u);
  EXPECT_EQ(e.config.tcp_syn_timeout_ns, pipeline::Limits{}.tcp_syn_timeout_ns);
  const std::uint8_t id[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(std::memcmp(e.config.instance_id, id, 8), 0);
}

TEST_F(MapEntriesTest, SnatRangeSmallerThanTheCpuCountIsRefused) {
  // bpf/xdp/flow.h gives every CPU total / nr_cpus ports from its own base: with fewer ports
  // than CPUs some CPU would allocate past snat_port_last (into the host path's range).
  pipeline::Limits limits;
  limits.snat_port_first = 2000;
  limits.snat_port_last = 2002;  // 3 ports, 4 CPUs
  const pipeline::Tables small(tables_->ports(), tables_->services(), tables_->static_neighbors(),
                               tables_->routes(), limits);
  MapEntryOptions options;
  options.ifindexes = ifindexes_;
  options.nr_cpus = 4;
  EXPECT_THROW(map_entries(small, options), std::invalid_argument);
  options.nr_cpus = 3;
  EXPECT_EQ(map_entries(small, options).config.snat_port_last, 2002);
}

TEST_F(MapEntriesTest, PortsAndIfindexes) {
  const MapEntries e = entries();
  ASSERT_EQ(e.ports.size(), 2u);
  EXPECT_EQ(e.ports[1].second.ifindex, 9u);
  EXPECT_EQ(e.ports[1].second.mtu, 9000);
  EXPECT_EQ(e.ports[0].second.mac[5], 0x01);
  EXPECT_TRUE(e.ports[0].second.has_v4);
  EXPECT_TRUE(e.ports[0].second.has_v6);
  EXPECT_FALSE(e.ports[1].second.has_v6);
  EXPECT_EQ(std::memcmp(e.ports[0].second.v4, ip("10.10.0.1").data(), 4), 0);
  ASSERT_EQ(e.ifports.size(), 2u);
  EXPECT_EQ(e.ifports[1].first, 9u);
  EXPECT_EQ(e.ifports[1].second.port, 1u);
  EXPECT_THROW(map_entries(*tables_, MapEntryOptions{}), std::invalid_argument);  // no ifindexes
}

TEST_F(MapEntriesTest, OwnAddressesMergeKinds) {
  const MapEntries e = entries();
  const sl_xdp_own* vip = find(e.own, addr_key(ip("10.10.0.100")));
  ASSERT_NE(vip, nullptr);
  EXPECT_EQ(vip->kinds, SL_OWN_VIP);
  EXPECT_EQ(vip->answering_port, 0);
  const sl_xdp_own* snat = find(e.own, addr_key(ip("10.20.0.1")));  // interface and SNAT
  ASSERT_NE(snat, nullptr);
  EXPECT_EQ(snat->kinds, SL_OWN_INTERFACE | SL_OWN_SNAT);
  EXPECT_EQ(snat->answering_port, 1);
  EXPECT_EQ(find(e.own, addr_key(ip("10.10.0.2"))), nullptr);
}

TEST_F(MapEntriesTest, NextHopsAreConnectedSubnetsThenRoutes) {
  const MapEntries e = entries();
  sl_xdp_prefix_key connected{};
  connected.prefixlen = 8 + 24;
  connected.family = SL_FAMILY_V4;
  std::memcpy(connected.addr, ip("10.10.0.0").data(), 4);  // host bits off
  const sl_xdp_nexthop* hop = find(e.nexthops, connected);
  ASSERT_NE(hop, nullptr);
  EXPECT_EQ(hop->port, 0);
  EXPECT_EQ(hop->via_gateway, 0);
  sl_xdp_prefix_key any{};
  any.prefixlen = 8;
  any.family = SL_FAMILY_V4;
  const sl_xdp_nexthop* route = find(e.nexthops, any);
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->via_gateway, 1);
  EXPECT_EQ(route->port, 0);  // the gateway's connected subnet
  EXPECT_EQ(std::memcmp(route->gateway, ip("10.10.0.254").data(), 4), 0);
  const sl_xdp_neighbor* neighbor = find(e.neighbors, addr_key(ip("10.20.0.2")));
  ASSERT_NE(neighbor, nullptr);
  EXPECT_EQ(neighbor->port, 1);
  EXPECT_EQ(neighbor->mac[5], 0x02);
}

TEST_F(MapEntriesTest, ServicesKeyedInNetworkOrderWithTheirFlags) {
  const MapEntries e = entries();
  ASSERT_EQ(e.services.size(), 3u);
  sl_xdp_service_key key{};
  std::memcpy(key.addr, ip("10.10.0.100").data(), 4);
  key.port = static_cast<std::uint16_t>((80 >> 8) | (80 << 8));
  key.protocol = pipeline::kProtoTcp;
  key.family = SL_FAMILY_V4;
  const sl_xdp_service* rr = find(e.services, key);
  ASSERT_NE(rr, nullptr);
  EXPECT_EQ(rr->id, 0);
  EXPECT_EQ(rr->scheduler, SL_SCHED_RR);
  EXPECT_EQ(rr->flags, SL_SVC_PROXY | SL_SVC_WITH_DATA | SL_SVC_HAS_SNAT_V4);
  EXPECT_EQ(rr->eligible, 1);  // the disabled backend gets no new flows
  ASSERT_EQ(e.templates.size(), 1u);
  EXPECT_EQ(e.templates[0].first, 0u);
  EXPECT_EQ(e.templates[0].second.version, 2);
}

TEST_F(MapEntriesTest, SynProxyKeyInTheConfigAndModesOnTcpServicesOnly) {
  MapEntryOptions options;
  options.ifindexes = ifindexes_;
  options.syn_cookie_key = sl_syn_cookie_key{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  const std::vector<std::uint8_t> modes = {SL_SP_MODE_ON, SL_SP_MODE_AUTO, SL_SP_MODE_ON};
  options.syn_proxy_modes = modes;
  const MapEntries e = map_entries(*tables_, options);
  EXPECT_EQ(e.config.syn_cookie_key.k0, 0x0123456789abcdefULL);
  EXPECT_EQ(e.config.syn_cookie_key.k1, 0xfedcba9876543210ULL);
  ASSERT_EQ(e.services.size(), 3u);
  for (const auto& [key, value] : e.services) {
    const std::uint8_t want = value.id == 0 ? SL_SP_MODE_ON : value.id == 1 ? SL_SP_MODE_AUTO : SL_SP_MODE_OFF;
    EXPECT_EQ(value.syn_proxy, want) << "service " << value.id;  // 2 is UDP: never
  }
}

TEST_F(MapEntriesTest, WeightedRoundRobinRepeatsByReducedWeight) {
  const MapEntries e = entries();
  std::vector<std::uint8_t> last_bytes;
  for (const auto& [index, backend] : e.backends) {
    if (index / SL_XDP_MAX_BACKENDS == 1) last_bytes.push_back(backend.addr[3]);
  }
  EXPECT_EQ(last_bytes, (std::vector<std::uint8_t>{2, 3, 3}));  // weights 2 and 4: 1 and 2 copies
}

TEST_F(MapEntriesTest, MaglevServicesGetTheirTableAndEveryBackend) {
  const MapEntries e = entries();
  ASSERT_EQ(e.maglev.size(), 1u);
  EXPECT_EQ(e.maglev[0].slot, 0u);
  ASSERT_EQ(e.maglev[0].entries.size(), SL_XDP_MAGLEV_SIZE);
  for (const std::uint16_t position : e.maglev[0].entries) EXPECT_LT(position, 3);
  int in_block = 0;
  for (const auto& [index, backend] : e.backends) in_block += index / SL_XDP_MAX_BACKENDS == 2;
  EXPECT_EQ(in_block, 3);
}

}  // namespace
}  // namespace sluice::xdp
