// The control-plane hand-over on the worker's side (docs/reload.md): new table snapshots under
// live flows, service ids kept or retired by tables_from_config, backend state changes, flow
// listing and flushing, and the per-backend flow counts the console shows.
#include <gtest/gtest.h>

#include "control/config/load.hpp"
#include "control/datapath/tables_from_config.hpp"
#include "dataplane/packet/parser.hpp"
#include "dataplane/pipeline/worker.hpp"
#include "tests/unit/packet/frame_builder.hpp"
#include "tests/unit/pipeline/test_io.hpp"

namespace sluice::testing {
namespace {

namespace pt = packet::testing;

constexpr const char* kFrontMac = "02:00:00:00:01:01";
constexpr const char* kBackMac = "02:00:00:00:02:01";
constexpr const char* kClientMac = "02:00:00:00:01:02";
constexpr pipeline::PortId kFront = 0;
constexpr pipeline::PortId kBack = 1;

// Static neighbours everywhere: no resolution in the way. `web_vip` and `extra` vary per test.
std::string config_text(const std::string& web_vip, const std::string& extra = "") {
  return R"(
[[interfaces]]
name = "front"
dpdk = "net_ring0"
addresses = ["10.10.0.1/24"]
[[interfaces]]
name = "back"
dpdk = "net_ring1"
addresses = ["10.20.0.1/24"]
[[neighbors]]
address = "10.10.0.2"
mac = "02:00:00:00:01:02"
interface = "front"
[[neighbors]]
address = "10.20.0.2"
mac = "02:00:00:00:02:02"
interface = "back"
[[neighbors]]
address = "10.20.0.3"
mac = "02:00:00:00:02:03"
interface = "back"
[[services]]
name = "web"
vip = ")" + web_vip + R"("
port = 80
scheduler = "rr"
[[services.backends]]
address = "10.20.0.2"
port = 8080
[[services.backends]]
address = "10.20.0.3"
port = 8080
[[services]]
name = "api"
vip = "10.10.0.100"
port = 443
scheduler = "rr"
[[services.backends]]
address = "10.20.0.2"
port = 8443
)" + extra;
}

std::shared_ptr<const pipeline::Tables> build(const std::string& text,
                                              const pipeline::Tables* previous = nullptr,
                                              const datapath::BackendStates* states = nullptr) {
  auto loaded = config::parse_config(text, "worker_control_test.toml");
  if (!loaded.ok()) {
    ADD_FAILURE() << loaded.diagnostics().front().to_string();
    return nullptr;
  }
  const std::vector<net::MacAddress> macs{pt::mac(kFrontMac), pt::mac(kBackMac)};
  return datapath::tables_from_config(*loaded.config(), macs, previous, states);
}

pt::Bytes client_segment(const char* vip, std::uint16_t vip_port, std::uint16_t client_port,
                         std::uint8_t flags) {
  pt::EthernetSpec l2{pt::mac(kFrontMac), pt::mac(kClientMac), {}, {}};
  pt::Ipv4Spec l3;
  l3.src = pt::ip("10.10.0.2");
  l3.dst = pt::ip(vip);
  pt::TcpSpec tcp;
  tcp.src_port = client_port;
  tcp.dst_port = vip_port;
  tcp.seq = flags == 0x02 ? 5000 : 5001;
  tcp.flags = flags;
  return pt::build_frame(l2, l3, tcp);
}

struct Harness {
  TestIo io;
  pipeline::Worker worker;
  explicit Harness(std::shared_ptr<const pipeline::Tables> tables)
      : worker(std::move(tables), io, pipeline::WorkerOptions{}) {}

  std::string feed(const pt::Bytes& bytes, std::int64_t now = 0) {
    pipeline::Frame frame = io.make_frame(bytes);
    const pipeline::Verdict verdict = worker.process(frame, kFront, now);
    if (verdict.action == pipeline::Action::kForward) io.transmit(verdict.port, frame);
    if (verdict.action == pipeline::Action::kDrop) io.release(frame);
    return pipeline::verdict_name(verdict);
  }
  // Where the last forwarded frame went: its destination address:port.
  std::string last_destination() {
    const auto sent = io.take_sent();
    if (sent.empty()) return "nothing sent";
    const auto& bytes = sent.back().bytes;
    const auto parsed = packet::parse_frame(bytes.data(), bytes.size());
    if (!parsed.ok()) return "unparsable";
    const auto address = net::IpAddress::from_bytes(net::Family::kIpv4, bytes.data() + 30);
    return net::Endpoint{address, pt::be16(bytes, parsed.frame().l4_offset + 2)}.to_string();
  }
};

TEST(TablesFromConfig, ConntrackSnatPortRangeReachesTheLimits) {
  const auto defaults = build(config_text("10.10.0.100"));
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->limits().snat_port_first, pipeline::Limits{}.snat_port_first);
  EXPECT_EQ(defaults->limits().snat_port_last, pipeline::Limits{}.snat_port_last);
  const auto tiny = build(config_text("10.10.0.100", "[conntrack]\nsnat_port_first = 2000\nsnat_port_last = 2063\n"));
  ASSERT_TRUE(tiny);
  EXPECT_EQ(tiny->limits().snat_port_first, 2000);
  EXPECT_EQ(tiny->limits().snat_port_last, 2063);
}

TEST(TablesFromConfigReload, UnchangedServicesKeepTheirIdsChangedOnesAreRetired) {
  const auto first = build(config_text("10.10.0.100"));
  ASSERT_TRUE(first);
  // web moves to another VIP, api stays, dns is new.
  const auto second = build(config_text("10.10.0.101", R"(
[[services]]
name = "dns"
vip = "10.10.0.100"
port = 53
protocol = "udp"
[[services.backends]]
address = "10.20.0.2"
port = 53
)"),
                            first.get());
  ASSERT_TRUE(second);
  ASSERT_EQ(second->services().size(), 4u);
  EXPECT_EQ(second->service(0).name, "web");
  EXPECT_TRUE(second->service(0).retired);
  EXPECT_EQ(second->service(1).name, "api");
  EXPECT_FALSE(second->service(1).retired);
  EXPECT_EQ(second->service(2).name, "web");
  EXPECT_FALSE(second->service(2).retired);
  EXPECT_EQ(second->service(3).name, "dns");
  EXPECT_EQ(datapath::live_service_id(*second, "web"), pipeline::ServiceId{2});
  EXPECT_FALSE(second->find_service(pipeline::kProtoTcp, pt::ip("10.10.0.100"), 80));
  EXPECT_EQ(second->find_service(pipeline::kProtoTcp, pt::ip("10.10.0.101"), 80),
            pipeline::ServiceId{2});
  // api's backends keep their slots across the snapshot (least-conn counts stay right).
  EXPECT_EQ(second->service(1).backends->backend(sched::BackendIndex{0}).slot,
            first->service(1).backends->backend(sched::BackendIndex{0}).slot);
  // A reload that removes web again: its newest id is retired, nothing is renumbered.
  const auto third = build(config_text("10.10.0.101"), second.get());
  ASSERT_EQ(third->services().size(), 4u);
  EXPECT_FALSE(third->service(2).retired);
  EXPECT_TRUE(third->service(3).retired);
  EXPECT_EQ(third->service(3).name, "dns");
}

TEST(WorkerAdoptTables, LiveFlowsOfARetiredServiceFinishNewFlowsFollowTheNewTables) {
  const auto first = build(config_text("10.10.0.100"));
  Harness h(first);
  EXPECT_EQ(h.feed(client_segment("10.10.0.100", 80, 40000, 0x02)), "forward");
  h.io.take_sent();

  const auto second = build(config_text("10.10.0.101"), first.get());
  const auto old = h.worker.adopt_tables(second);
  EXPECT_EQ(old, first) << "the old snapshot comes back to the caller";
  EXPECT_EQ(&h.worker.tables(), second.get());

  // The established flow still forwards through its retired service...
  EXPECT_EQ(h.feed(client_segment("10.10.0.100", 80, 40000, 0x10)), "forward");
  // ...but a new client of the old VIP finds no service, and the new VIP works.
  EXPECT_EQ(h.feed(client_segment("10.10.0.100", 80, 40001, 0x02)), "drop:no_service");
  EXPECT_EQ(h.feed(client_segment("10.10.0.101", 80, 40002, 0x02)), "forward");
  const auto counts = h.worker.flow_counts();
  ASSERT_EQ(counts.size(), 3u);
  EXPECT_EQ(counts[0].active, 1u);  // the retired web
  EXPECT_EQ(counts[2].active, 1u);  // the new web
}

TEST(WorkerAdoptTables, ADisabledBackendGetsNoNewFlowsItsFlowsContinue) {
  const std::string text = config_text("10.10.0.100");
  const auto first = build(text);
  Harness h(first);
  EXPECT_EQ(h.feed(client_segment("10.10.0.100", 80, 40000, 0x02)), "forward");
  EXPECT_EQ(h.last_destination(), "10.20.0.2:8080");

  datapath::BackendStates states;
  states.at("web", net::Endpoint{pt::ip("10.20.0.2"), 8080}).admin_enabled = false;
  h.worker.adopt_tables(build(text, first.get(), &states));
  for (std::uint16_t port = 40001; port < 40005; ++port) {
    EXPECT_EQ(h.feed(client_segment("10.10.0.100", 80, port, 0x02)), "forward");
    EXPECT_EQ(h.last_destination(), "10.20.0.3:8080");
  }
  EXPECT_EQ(h.feed(client_segment("10.10.0.100", 80, 40000, 0x10)), "forward");
  EXPECT_EQ(h.last_destination(), "10.20.0.2:8080") << "the existing flow keeps its backend";

  const auto counts = h.worker.flow_counts();
  ASSERT_EQ(counts[0].backends.size(), 2u);
  EXPECT_EQ(counts[0].backends[0].active, 1u);
  EXPECT_EQ(counts[0].backends[0].total, 1u);
  EXPECT_EQ(counts[0].backends[1].active, 4u);
  EXPECT_EQ(counts[0].active, 5u);
}

TEST(WorkerFlows, ListingResumesFromItsCursorAndFlushHonoursTheService) {
  Harness h(build(config_text("10.10.0.100")));
  for (std::uint16_t port = 40000; port < 40010; ++port) {
    ASSERT_EQ(h.feed(client_segment("10.10.0.100", 80, port, 0x02)), "forward");
  }
  ASSERT_EQ(h.feed(client_segment("10.10.0.100", 443, 41000, 0x02)), "forward");

  std::uint32_t cursor = 0;
  std::vector<pipeline::FlowRecord> seen;
  int rounds = 0;
  bool done = false;
  while (!done) {
    ++rounds;
    done = h.worker.visit_flows(cursor, 4, [&](const pipeline::Flow& flow) {
      seen.push_back(pipeline::flow_record(flow, h.worker.tables(), 5'000'000'000, 0));
      return true;
    });
  }
  EXPECT_EQ(seen.size(), 11u);
  EXPECT_GE(rounds, 3);
  EXPECT_EQ(seen.front().client.to_string(), "10.10.0.2:40000");
  EXPECT_EQ(seen.front().state, pipeline::TcpState::kSynSent);
  EXPECT_EQ(seen.front().header, pipeline::HeaderProgress::kNone);
  EXPECT_EQ(seen.front().age_ns, 5'000'000'000);

  // A visitor that says stop ends the walk at once.
  cursor = 0;
  int visited = 0;
  EXPECT_TRUE(h.worker.visit_flows(cursor, 100, [&](const pipeline::Flow&) {
    return ++visited < 2;
  }));
  EXPECT_EQ(visited, 2);

  cursor = 0;
  std::uint64_t flushed = 0;
  while (!h.worker.flush_flows(pipeline::ServiceId{1}, cursor, 3, flushed)) {
  }
  EXPECT_EQ(flushed, 1u);
  EXPECT_EQ(h.worker.flow_count(), 10u);
  cursor = 0;
  flushed = 0;
  while (!h.worker.flush_flows(std::nullopt, cursor, 3, flushed)) {
  }
  EXPECT_EQ(flushed, 10u);
  EXPECT_EQ(h.worker.flow_count(), 0u);
  EXPECT_EQ(h.worker.counters().flows_flushed, 11u);
  EXPECT_EQ(h.worker.counters().flows_active, 0u);
  // A flushed flow's next segment finds no flow: the default syn_proxy = "auto" sent no cookie,
  // so it is not checked as one (sl_sp_checks_ack, docs/syn-proxy.md).
  EXPECT_EQ(h.feed(client_segment("10.10.0.100", 80, 40000, 0x10)), "drop:unknown_tcp_flow");
}

}  // namespace
}  // namespace sluice::testing

namespace sluice::testing {
namespace {

// syn_proxy reloads live (docs/syn-proxy.md "Configuration"): the service keeps its id and its
// flows, and the next SYN follows the new value.
TEST(TablesFromConfigReload, SynProxyChangesLiveWithoutRetiringTheService) {
  const std::string before = config_text("10.10.0.100");
  std::string after = before;
  after.replace(after.find("name = \"web\"\n"), 13, "name = \"web\"\nsyn_proxy = \"on\"\n");
  const auto first = build(before);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->service(0).syn_proxy, pipeline::SynProxyMode::kAuto);
  const auto second = build(after, first.get());
  ASSERT_TRUE(second);
  ASSERT_EQ(second->services().size(), 2u) << "nothing retired, nothing added";
  EXPECT_FALSE(second->service(0).retired);
  EXPECT_EQ(second->service(0).syn_proxy, pipeline::SynProxyMode::kOn);

  Harness h(first);
  EXPECT_EQ(h.feed(client_segment("10.10.0.100", 80, 40000, 0x02)), "forward");  // auto, no pressure
  h.io.take_sent();
  h.worker.adopt_tables(second);
  EXPECT_EQ(h.feed(client_segment("10.10.0.100", 80, 40001, 0x02)), "consumed") << "answered with a cookie";
  const auto sent = h.io.take_sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].port, kFront);
  EXPECT_EQ(h.worker.counters().syn_cookies_sent, 1u);
  // The flow from before the reload still passes.
  EXPECT_EQ(h.feed(client_segment("10.10.0.100", 80, 40000, 0x02)), "forward");
  EXPECT_EQ(h.worker.flow_count(), 1u);
}

}  // namespace
}  // namespace sluice::testing
