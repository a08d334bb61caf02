#include "control/metrics/render.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "control/metrics/exposition.hpp"
#include "control/metrics/render_health.hpp"
#include "dataplane/packet/drop_reason.hpp"
#include "dataplane/pipeline/counters.hpp"
#include "tests/unit/metrics/fake_snapshot.hpp"

namespace sluice::metrics {
namespace {

// The page cut into families: "name" -> every line from its "# HELP" to the next family.
std::vector<std::pair<std::string, std::string>> families(const std::string& page) {
  std::vector<std::pair<std::string, std::string>> result;
  std::istringstream lines(page);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# HELP ", 0) == 0) {
      result.emplace_back(line.substr(7, line.find(' ', 7) - 7), "");
    }
    EXPECT_FALSE(result.empty()) << "sample before any HELP: " << line;
    if (!result.empty()) result.back().second += line + "\n";
  }
  return result;
}

std::string family_text(const std::string& page, std::string_view name) {
  for (const auto& [family, text] : families(page)) {
    if (family == name) return text;
  }
  return {};
}

TEST(Exposition, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(escape_help("a\\b\"c\nd"), "a\\\\b\"c\\nd");
  Exposition out;
  out.family("x_total", MetricType::kCounter, "Line one\nline two.");
  out.sample({{"name", "say \"hi\""}, {"path", "C:\\"}}, 7);
  out.sample({}, 18446744073709551615ULL);
  EXPECT_EQ(out.text(),
            "# HELP x_total Line one\\nline two.\n"
            "# TYPE x_total counter\n"
            "x_total{name=\"say \\\"hi\\\"\",path=\"C:\\\\\"} 7\n"
            "x_total 18446744073709551615\n");
}

TEST(Exposition, AFamilyWithoutSamplesIsNotWritten) {
  Exposition out;
  out.family("empty", MetricType::kGauge, "Nothing.");
  out.family("full", MetricType::kGauge, "One.");
  out.sample({}, 1);
  EXPECT_EQ(out.text(), "# HELP full One.\n# TYPE full gauge\nfull 1\n");
}

class RenderTest : public ::testing::Test {
 protected:
  MetricsSnapshot snapshot_ = testing::fake_snapshot();
  std::string page_ = render_metrics(snapshot_);
};

TEST_F(RenderTest, EveryFamilyInOrder) {
  std::vector<std::string> names;
  for (const auto& [name, text] : families(page_)) names.push_back(name);
  const std::vector<std::string> expected{
      "sluice_build_info",
      "sluice_rx_packets_total",
      "sluice_rx_bytes_total",
      "sluice_tx_packets_total",
      "sluice_tx_bytes_total",
      "sluice_dropped_packets_total",
      "sluice_flows_created_total",
      "sluice_flows_expired_total",
      "sluice_flows_active",
      "sluice_proxy_headers_inserted_total",
      "sluice_proxy_headers_resent_total",
      "sluice_proxy_header_flows_reset_total",
      "sluice_snat_exhausted_total",
      "sluice_arp_replies_total",
      "sluice_nd_replies_total",
      "sluice_icmp_echo_replies_total",
      "sluice_icmp_errors_sent_total",
      "sluice_flows_flushed_total",
      "sluice_host_rx_packets_total",
      "sluice_host_tx_packets_total",
      "sluice_embryonic_flows",
      "sluice_embryonic_reclaimed_total",
      "sluice_syn_cookies_sent_total",
      "sluice_syn_cookies_validated_total",
      "sluice_syn_cookies_failed_total",
      "sluice_syn_proxy_data_stripped_total",
      "sluice_drops_total",
      "sluice_tcp_insertion_drops_total",
      "sluice_interface_rx_packets_total",
      "sluice_interface_rx_bytes_total",
      "sluice_interface_tx_packets_total",
      "sluice_interface_tx_bytes_total",
      "sluice_interface_drops_total",
      "sluice_interface_up",
      "sluice_service_info",
      "sluice_service_backends",
      "sluice_service_backends_up",
      "sluice_service_active_flows",
      "sluice_backend_up",
      "sluice_backend_disabled",
      "sluice_backend_weight",
      "sluice_backend_active_flows",
      "sluice_backend_flows_total",
  };
  EXPECT_EQ(names, expected);
}

TEST_F(RenderTest, NamesFollowPrometheusConventions) {
  // The text format's metric name syntax: [a-zA-Z_:][a-zA-Z0-9_:]*
  const auto valid_name = [](const std::string& name) {
    const auto letter = [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    };
    if (name.empty() || !letter(name.front())) return false;
    return std::all_of(name.begin(), name.end(),
                       [&](char c) { return letter(c) || (c >= '0' && c <= '9'); });
  };
  std::set<std::string> seen;
  for (const auto& [name, text] : families(page_)) {
    EXPECT_TRUE(valid_name(name)) << name;
    EXPECT_EQ(name.rfind("sluice_", 0), 0U) << name;
    EXPECT_TRUE(seen.insert(name).second) << "duplicate family " << name;
    const bool counter = text.find("\n# TYPE " + name + " counter\n") != std::string::npos;
    const bool gauge = text.find("\n# TYPE " + name + " gauge\n") != std::string::npos;
    EXPECT_TRUE(counter != gauge) << name;
    // Counters end in _total and only counters do; base units only (bytes, not kilobytes).
    EXPECT_EQ(counter, name.ends_with("_total")) << name;
    EXPECT_EQ(name.find("kilo"), std::string::npos) << name;
    EXPECT_EQ(name.find("milli"), std::string::npos) << name;
  }
}

TEST_F(RenderTest, BuildInfo) {
  EXPECT_EQ(
      family_text(page_, "sluice_build_info"),
      "# HELP sluice_build_info Always 1; the labels give the version, build and datapath mode.\n"
      "# TYPE sluice_build_info gauge\n"
      "sluice_build_info{version=\"0.1.0\",build=\"debugoptimized gcc 12.2.0\",mode=\"dpdk\"} 1\n");
}

TEST_F(RenderTest, WorkerCountersPerWorker) {
  EXPECT_EQ(family_text(page_, "sluice_rx_packets_total"),
            "# HELP sluice_rx_packets_total Frames received by a datapath worker.\n"
            "# TYPE sluice_rx_packets_total counter\n"
            "sluice_rx_packets_total{worker=\"0\"} 100\n"
            "sluice_rx_packets_total{worker=\"1\"} 20\n");
  EXPECT_EQ(family_text(page_, "sluice_rx_bytes_total"),
            "# HELP sluice_rx_bytes_total Bytes received by a datapath worker.\n"
            "# TYPE sluice_rx_bytes_total counter\n"
            "sluice_rx_bytes_total{worker=\"0\"} 6400\n"
            "sluice_rx_bytes_total{worker=\"1\"} 0\n");
  EXPECT_EQ(family_text(page_, "sluice_flows_active"),
            "# HELP sluice_flows_active Flows in the worker's conntrack table.\n"
            "# TYPE sluice_flows_active gauge\n"
            "sluice_flows_active{worker=\"0\"} 3\n"
            "sluice_flows_active{worker=\"1\"} 1\n");
  EXPECT_EQ(family_text(page_, "sluice_proxy_header_flows_reset_total"),
            "# HELP sluice_proxy_header_flows_reset_total TCP flows reset because their PROXY "
            "header never got through.\n"
            "# TYPE sluice_proxy_header_flows_reset_total counter\n"
            "sluice_proxy_header_flows_reset_total{worker=\"0\"} 0\n"
            "sluice_proxy_header_flows_reset_total{worker=\"1\"} 1\n");
  EXPECT_EQ(family_text(page_, "sluice_arp_replies_total"),
            "# HELP sluice_arp_replies_total ARP replies sent for own addresses.\n"
            "# TYPE sluice_arp_replies_total counter\n"
            "sluice_arp_replies_total{worker=\"0\"} 0\n"
            "sluice_arp_replies_total{worker=\"1\"} 5\n");
}

TEST_F(RenderTest, DropsByStageAndReason) {
  const std::string text = family_text(page_, "sluice_drops_total");
  EXPECT_EQ(text.rfind("# HELP sluice_drops_total Frames dropped, by stage and reason (names as "
                       "in `show stats`).\n# TYPE sluice_drops_total counter\n",
                       0),
            0U);
  EXPECT_NE(
      text.find("\nsluice_drops_total{worker=\"0\",stage=\"pipeline\",reason=\"not_for_us\"} 10\n"),
      std::string::npos);
  EXPECT_NE(
      text.find("\nsluice_drops_total{worker=\"1\",stage=\"parse\",reason=\"truncated_tcp\"} 2\n"),
      std::string::npos);
  EXPECT_NE(
      text.find("\nsluice_drops_total{worker=\"1\",stage=\"pipeline\",reason=\"not_for_us\"} 0\n"),
      std::string::npos);
  EXPECT_EQ(text.find("reason=\"none\""), std::string::npos);  // kNone is not a drop
  // Every known reason, zero or not, for every worker: rate() needs the series to exist.
  const auto samples = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) - 2;
  EXPECT_EQ(samples, 2 * (packet::kDropReasonCount - 1 + pipeline::kPipelineDropCount));

  const std::string insertion = family_text(page_, "sluice_tcp_insertion_drops_total");
  EXPECT_NE(insertion.find(
                "\nsluice_tcp_insertion_drops_total{worker=\"1\",reason=\"client_syn_ack\"} 3\n"),
            std::string::npos);
  EXPECT_NE(insertion.find("\nsluice_tcp_insertion_drops_total{worker=\"0\",reason=\"backend_not_"
                           "synchronized\"} 0\n"),
            std::string::npos);
  EXPECT_EQ(insertion.find("unknown"), std::string::npos);
  EXPECT_EQ(static_cast<std::size_t>(std::count(insertion.begin(), insertion.end(), '\n')) - 2,
            2U * 10U);
}

TEST_F(RenderTest, Interfaces) {
  EXPECT_EQ(family_text(page_, "sluice_interface_rx_bytes_total"),
            "# HELP sluice_interface_rx_bytes_total Bytes received by the NIC.\n"
            "# TYPE sluice_interface_rx_bytes_total counter\n"
            "sluice_interface_rx_bytes_total{interface=\"front\"} 9000\n"
            "sluice_interface_rx_bytes_total{interface=\"back\"} 0\n");
  EXPECT_EQ(family_text(page_, "sluice_interface_drops_total"),
            "# HELP sluice_interface_drops_total Frames lost at the NIC: missed, receive and "
            "transmit errors, no buffer.\n"
            "# TYPE sluice_interface_drops_total counter\n"
            "sluice_interface_drops_total{interface=\"front\"} 3\n"
            "sluice_interface_drops_total{interface=\"back\"} 0\n");
  EXPECT_EQ(family_text(page_, "sluice_interface_up"),
            "# HELP sluice_interface_up 1 when the link is up, else 0.\n"
            "# TYPE sluice_interface_up gauge\n"
            "sluice_interface_up{interface=\"front\"} 1\n"
            "sluice_interface_up{interface=\"back\"} 0\n");
}

TEST_F(RenderTest, ServicesAndBackendsExactly) {
  std::string services_and_backends;
  bool in = false;
  for (const auto& [name, text] : families(page_)) {
    in = in || name == "sluice_service_info";
    if (in) services_and_backends += text;
  }
  EXPECT_EQ(
      services_and_backends,
      "# HELP sluice_service_info Always 1; the labels describe the service as configured.\n"
      "# TYPE sluice_service_info gauge\n"
      "sluice_service_info{service=\"web\",vip=\"192.0.2.10:80\",protocol=\"tcp\",scheduler="
      "\"maglev\",proxy_protocol=\"v2\"} 1\n"
      "sluice_service_info{service=\"dns\",vip=\"[2001:db8::53]:53\",protocol=\"udp\",scheduler="
      "\"rr\",proxy_protocol=\"none\"} 1\n"
      "# HELP sluice_service_backends Backends configured.\n"
      "# TYPE sluice_service_backends gauge\n"
      "sluice_service_backends{service=\"web\"} 3\n"
      "sluice_service_backends{service=\"dns\"} 1\n"
      "# HELP sluice_service_backends_up Backends that may receive new flows (healthy and "
      "enabled).\n"
      "# TYPE sluice_service_backends_up gauge\n"
      "sluice_service_backends_up{service=\"web\"} 1\n"
      "sluice_service_backends_up{service=\"dns\"} 1\n"
      "# HELP sluice_service_active_flows Flows of the service now open.\n"
      "# TYPE sluice_service_active_flows gauge\n"
      "sluice_service_active_flows{service=\"web\"} 4\n"
      "# HELP sluice_backend_up 1 when the backend is in state up (healthy and enabled), else 0.\n"
      "# TYPE sluice_backend_up gauge\n"
      "sluice_backend_up{service=\"web\",backend=\"10.1.0.1:8080\"} 1\n"
      "sluice_backend_up{service=\"web\",backend=\"10.1.0.2:8080\"} 0\n"
      "sluice_backend_up{service=\"web\",backend=\"10.1.0.3:8080\"} 0\n"
      "sluice_backend_up{service=\"dns\",backend=\"[2001:db8:1::5]:53\"} 1\n"
      "# HELP sluice_backend_disabled 1 when an operator disabled the backend (console), else 0.\n"
      "# TYPE sluice_backend_disabled gauge\n"
      "sluice_backend_disabled{service=\"web\",backend=\"10.1.0.1:8080\"} 0\n"
      "sluice_backend_disabled{service=\"web\",backend=\"10.1.0.2:8080\"} 0\n"
      "sluice_backend_disabled{service=\"web\",backend=\"10.1.0.3:8080\"} 1\n"
      "sluice_backend_disabled{service=\"dns\",backend=\"[2001:db8:1::5]:53\"} 0\n"
      "# HELP sluice_backend_weight Scheduling weight; 0 drains the backend (no new flows).\n"
      "# TYPE sluice_backend_weight gauge\n"
      "sluice_backend_weight{service=\"web\",backend=\"10.1.0.1:8080\"} 1\n"
      "sluice_backend_weight{service=\"web\",backend=\"10.1.0.2:8080\"} 2\n"
      "sluice_backend_weight{service=\"web\",backend=\"10.1.0.3:8080\"} 0\n"
      "sluice_backend_weight{service=\"dns\",backend=\"[2001:db8:1::5]:53\"} 3\n"
      "# HELP sluice_backend_active_flows Flows to the backend now open.\n"
      "# TYPE sluice_backend_active_flows gauge\n"
      "sluice_backend_active_flows{service=\"web\",backend=\"10.1.0.1:8080\"} 3\n"
      "sluice_backend_active_flows{service=\"web\",backend=\"10.1.0.2:8080\"} 0\n"
      "sluice_backend_active_flows{service=\"web\",backend=\"10.1.0.3:8080\"} 1\n"
      "# HELP sluice_backend_flows_total Flows sent to the backend since start.\n"
      "# TYPE sluice_backend_flows_total counter\n"
      "sluice_backend_flows_total{service=\"web\",backend=\"10.1.0.1:8080\"} 5\n"
      "sluice_backend_flows_total{service=\"web\",backend=\"10.1.0.2:8080\"} 7\n"
      "sluice_backend_flows_total{service=\"web\",backend=\"10.1.0.3:8080\"} 2\n");
}

TEST_F(RenderTest, WithoutPerWorkerCountersTheTotalHasNoWorkerLabel) {
  snapshot_.stats.workers.clear();
  snapshot_.stats.total.rx_packets = 42;
  const std::string page = render_metrics(snapshot_);
  EXPECT_EQ(family_text(page, "sluice_rx_packets_total"),
            "# HELP sluice_rx_packets_total Frames received by a datapath worker.\n"
            "# TYPE sluice_rx_packets_total counter\n"
            "sluice_rx_packets_total 42\n");
  EXPECT_NE(page.find("\nsluice_drops_total{stage=\"pipeline\",reason=\"not_for_us\"} 10\n"),
            std::string::npos);
}

TEST_F(RenderTest, UnknownFlowCountsAreLeftOutEverywhere) {
  // The dns service and its backend have nullopt flow counts: no series at all, never a 0.
  EXPECT_EQ(page_.find("sluice_service_active_flows{service=\"dns\"}"), std::string::npos);
  EXPECT_EQ(page_.find("sluice_backend_active_flows{service=\"dns\""), std::string::npos);
  EXPECT_EQ(page_.find("sluice_backend_flows_total{service=\"dns\""), std::string::npos);
}

TEST(RenderHealth, OneSeriesPerTargetAndNothingWithoutTargets) {
  EXPECT_EQ(render_health_metrics({}), "");
  health::TargetStatus up;
  up.service = "web";
  up.backend = {net::IpAddress::v4({10, 1, 0, 1}), 8080};
  up.checks = 12;
  up.failures = 1;
  health::TargetStatus down = up;
  down.backend.port = 8081;
  down.up = false;
  down.checks = 5;
  down.failures = 5;
  EXPECT_EQ(render_health_metrics({up, down}),
            "# HELP sluice_health_check_up The health checks' verdict: 1 up, 0 down (whatever the "
            "admin state).\n"
            "# TYPE sluice_health_check_up gauge\n"
            "sluice_health_check_up{service=\"web\",backend=\"10.1.0.1:8080\"} 1\n"
            "sluice_health_check_up{service=\"web\",backend=\"10.1.0.1:8081\"} 0\n"
            "# HELP sluice_health_checks_total Health probes completed.\n"
            "# TYPE sluice_health_checks_total counter\n"
            "sluice_health_checks_total{service=\"web\",backend=\"10.1.0.1:8080\"} 12\n"
            "sluice_health_checks_total{service=\"web\",backend=\"10.1.0.1:8081\"} 5\n"
            "# HELP sluice_health_check_failures_total Health probes that failed (refused, timed "
            "out, bad HTTP status, ...).\n"
            "# TYPE sluice_health_check_failures_total counter\n"
            "sluice_health_check_failures_total{service=\"web\",backend=\"10.1.0.1:8080\"} 1\n"
            "sluice_health_check_failures_total{service=\"web\",backend=\"10.1.0.1:8081\"} 5\n");
}

}  // namespace
}  // namespace sluice::metrics
