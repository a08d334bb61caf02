#!/usr/bin/python3
"""docs/dashboard/sluice.json against the /metrics page it charts.

Starts the test server (serve_fake_snapshot.cpp: the real renderer over the unit tests' fake
snapshot and one health target), parses the page with Prometheus' own parser, and checks that
every series a panel's PromQL names is on the page, that the labels it groups by or shows in
a legend are labels of those series, and that every family of the page has a panel: a renamed
or new metric fails here rather than leaving a blank panel in Grafana.
"""
import json
import os
import re
import subprocess
import unittest
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

DASHBOARD = Path(__file__).resolve().parents[3] / "docs" / "dashboard" / "sluice.json"
# Labels Prometheus adds when it scrapes, not on the page.
SCRAPE_LABELS = {"instance", "job"}
METRIC = re.compile(r"\bsluice_[a-z0-9_]+\b")


def page_series():
    """{sample name: set of label names} of the fake snapshot's /metrics page."""
    server = subprocess.Popen([os.environ["SLUICE_METRICS_SERVER"]], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        port = server.stdout.readline().split()[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as answer:
            body = answer.read().decode()
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    series = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            series.setdefault(sample.name, set()).update(sample.labels)
    return series


def queries(dashboard):
    """(panel title, PromQL) for every target and every templating query."""
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            yield panel["title"], target["expr"], target.get("legendFormat", "")
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            yield f"variable {variable['name']}", variable["query"]["query"], ""


class DashboardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.series = page_series()
        cls.dashboard = json.loads(DASHBOARD.read_text())

    def test_the_page_has_the_families_the_test_relies_on(self):
        self.assertGreaterEqual(len(self.series), 30)
        self.assertIn("sluice_health_check_up", self.series)

    def test_every_metric_a_panel_names_is_on_the_page(self):
        for title, expr, _ in queries(self.dashboard):
            names = METRIC.findall(expr)
            self.assertTrue(names, f"{title}: no sluice metric in {expr!r}")
            for name in names:
                self.assertIn(name, self.series, f"{title}: {name} is not on /metrics")

    def test_grouping_and_legend_labels_exist_on_the_series(self):
        for title, expr, legend in queries(self.dashboard):
            labels = set().union(*(self.series[n] for n in METRIC.findall(expr)))
            labels |= SCRAPE_LABELS
            used = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", legend))
            for group in re.findall(r"\bby\s*\(([^)]*)\)", expr):
                used |= {word.strip() for word in group.split(",") if word.strip()}
            used |= set(re.findall(r"(\w+)\s*=~", expr))
            self.assertLessEqual(used, labels, f"{title}: {expr!r} / {legend!r}")

    def test_every_family_on_the_page_has_a_panel(self):
        charted = set()
        for _, expr, _ in queries(self.dashboard):
            charted.update(METRIC.findall(expr))
        self.assertEqual(set(self.series) - charted, set())

    def test_panels_are_grafana_panels(self):
        ids = [panel["id"] for panel in self.dashboard["panels"]]
        self.assertEqual(len(ids), len(set(ids)))
        for panel in self.dashboard["panels"]:
            self.assertIn(panel["type"], ("row", "stat", "timeseries", "table"))
            self.assertEqual(set(panel["gridPos"]), {"x", "y", "w", "h"})
            self.assertLessEqual(panel["gridPos"]["x"] + panel["gridPos"]["w"], 24)
            if panel["type"] != "row":
                self.assertEqual(panel["datasource"]["uid"], "${datasource}")
                self.assertTrue(panel["targets"], panel["title"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
