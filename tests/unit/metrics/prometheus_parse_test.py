#!/usr/bin/python3
"""The /metrics page as Prometheus' own Python parser reads it.

Starts the test server (serve_fake_snapshot.cpp: the metrics server over the unit tests'
fake snapshot), fetches /metrics over HTTP and parses it with
prometheus_client.parser.text_string_to_metric_families (Debian: python3-prometheus-client).
"""
import os
import subprocess
import unittest
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


class PrometheusParseTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = subprocess.Popen([os.environ["SLUICE_METRICS_SERVER"]],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = cls.server.stdout.readline().split()
        assert line[0] == "port", line
        cls.base = f"http://127.0.0.1:{line[1]}"

    @classmethod
    def tearDownClass(cls):
        cls.server.stdin.close()
        cls.server.wait(timeout=30)

    def fetch(self, path="/metrics", method="GET"):
        request = urllib.request.Request(self.base + path, method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode("utf-8")

    def families(self):
        status, headers, body = self.fetch()
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
        return {family.name: family for family in text_string_to_metric_families(body)}

    def test_every_family_parses_with_its_type(self):
        families = self.families()
        self.assertGreaterEqual(len(families), 30)
        for name, family in families.items():
            self.assertTrue(name.startswith("sluice_"), name)
            self.assertIn(family.type, ("counter", "gauge"), name)
            self.assertTrue(family.documentation, name)
            self.assertTrue(family.samples, name)
        # The parser files counters under their name without "_total"; samples keep it.
        self.assertEqual(families["sluice_rx_packets"].type, "counter")
        self.assertEqual(families["sluice_flows_active"].type, "gauge")

    def samples(self, family):
        return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
                for sample in family.samples}

    def test_values_and_labels(self):
        families = self.families()
        rx = self.samples(families["sluice_rx_packets"])
        self.assertEqual(rx, {("sluice_rx_packets_total", (("worker", "0"),)): 100.0,
                              ("sluice_rx_packets_total", (("worker", "1"),)): 20.0})
        drops = self.samples(families["sluice_drops"])
        key = ("sluice_drops_total",
               (("reason", "truncated_tcp"), ("stage", "parse"), ("worker", "1")))
        self.assertEqual(drops[key], 2.0)
        info = families["sluice_build_info"].samples[0]
        self.assertEqual(info.labels, {"version": "0.1.0", "build": "debugoptimized gcc 12.2.0",
                                       "mode": "dpdk"})
        self.assertEqual(info.value, 1.0)
        up = self.samples(families["sluice_backend_up"])
        self.assertEqual(up[("sluice_backend_up",
                             (("backend", "[2001:db8:1::5]:53"), ("service", "dns")))], 1.0)
        self.assertEqual(up[("sluice_backend_up",
                             (("backend", "10.1.0.2:8080"), ("service", "web")))], 0.0)
        failures = self.samples(families["sluice_health_check_failures"])
        self.assertEqual(failures, {("sluice_health_check_failures_total",
                                     (("backend", "10.1.0.2:8080"), ("service", "web"))): 3.0})
        # Unknown flow counts are absent, not 0.
        active = self.samples(families["sluice_service_active_flows"])
        self.assertEqual(list(active.values()), [4.0])

    def test_head_and_errors(self):
        status, headers, body = self.fetch(method="HEAD")
        self.assertEqual(status, 200)
        self.assertEqual(body, "")
        self.assertGreater(int(headers["Content-Length"]), 0)
        with self.assertRaises(urllib.error.HTTPError) as caught:
            self.fetch("/")
        self.assertEqual(caught.exception.code, 404)
        with self.assertRaises(urllib.error.HTTPError) as caught:
            self.fetch(method="POST")
        self.assertEqual(caught.exception.code, 405)
        self.assertEqual(caught.exception.headers["Allow"], "GET, HEAD")


if __name__ == "__main__":
    unittest.main()
