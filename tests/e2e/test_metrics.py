"""/metrics in the lab (spec config.md [metrics]; docs/metrics.md): served on
127.0.0.1:9100 in sl-lb, parsed with prometheus_client's text-format parser, with the datapath
counters, per-backend state and flow gauges.
"""
from prometheus_client.parser import text_string_to_metric_families

from labtools import VIP4, LabTestCase, client, needs_sluice, ns


def scrape():
    """(Content-Type, body) of one GET /metrics."""
    body = ns("sl-lb", "curl", "-sS", "--fail", "http://127.0.0.1:9100/metrics").stdout
    content_type = ns("sl-lb", "curl", "-sS", "--fail", "-o", "/dev/null", "-w",
                      "%{content_type}", "http://127.0.0.1:9100/metrics").stdout
    return content_type, body


@needs_sluice
class Metrics(LabTestCase):
    def test_metrics_parse_and_follow_traffic(self):
        client("http", VIP4, 80, "--count", 4)
        head, body = scrape()
        self.assertIn("text/plain; version=0.0.4", head)
        families = {f.name: f for f in text_string_to_metric_families(body)}
        # prometheus_client strips _total from counter family names.
        for name in ("sluice_rx_packets", "sluice_flows_created", "sluice_flows_active",
                     "sluice_proxy_headers_inserted", "sluice_backend_up",
                     "sluice_backend_active_flows", "sluice_backend_flows",
                     "sluice_service_backends_up", "sluice_health_check_up", "sluice_build_info"):
            self.assertIn(name, families, sorted(families))
        created = sum(s.value for s in families["sluice_flows_created"].samples
                      if s.name == "sluice_flows_created_total")
        self.assertGreaterEqual(created, 4)
        web_backends = [s for s in families["sluice_backend_up"].samples
                        if s.labels.get("service") == "web"]
        self.assertEqual(len(web_backends), 2, web_backends)
        self.assertEqual({s.value for s in web_backends}, {1.0})
        totals = [s for s in families["sluice_backend_flows"].samples
                  if s.labels.get("service") == "web"]
        self.assertGreaterEqual(sum(s.value for s in totals), 4)

    def test_other_paths_and_methods_are_refused(self):
        out = ns("sl-lb", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                 "http://127.0.0.1:9100/nope", check=False)
        self.assertEqual(out.stdout, "404")
        out = ns("sl-lb", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                 "http://127.0.0.1:9100/metrics", check=False)
        self.assertEqual(out.stdout, "405")
