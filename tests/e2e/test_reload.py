"""Live reload (console `reload`; SIGHUP runs the same code, tests/e2e/run_smoke_test.py):
a good file applies the difference without dropping established flows, a bad one changes
nothing and says why (docs/reload.md). The issue's acceptance: a reload during a long download
adds a service and changes a weight while the download completes intact.
"""
import os
import subprocess

from labtools import (CLIENT4, LAB_RUN, SLUICE_CONFIG, VIP4, LabTestCase, client, console,
                      console_json, needs_sluice, sha256_file)

BULK = os.path.join(LAB_RUN, "www", "bulk")

NEW_SERVICE = """
[[services]]
name = "web-reload"
vip = "10.10.0.100"
port = 8088
scheduler = "rr"
[services.proxy_protocol]
version = 2
[[services.backends]]
address = "10.20.0.2"
port = 8080
"""

WEB_BACKEND_3 = 'address = "10.20.0.3"\nport = 8080\n'


@needs_sluice
class Reload(LabTestCase):
    def setUp(self):
        super().setUp()
        with open(SLUICE_CONFIG) as f:
            self.original = f.read()

    def tearDown(self):
        with open(SLUICE_CONFIG, "w") as f:
            f.write(self.original)
        console("reload")
        super().tearDown()

    def write_config(self, text):
        with open(SLUICE_CONFIG, "w") as f:
            f.write(text)

    def test_reload_during_a_download_adds_a_service_and_changes_a_weight(self):
        self.assertIn(WEB_BACKEND_3, self.original)
        path = os.path.join(LAB_RUN, "dl-reload")
        # About 8 s for 32 MiB: the reload lands in the middle of the transfer.
        download = subprocess.Popen(
            ["ip", "netns", "exec", "sl-client", "curl", "-sS", "--fail", "--limit-rate", "4M",
             "-m", "80", "-o", path, f"http://{VIP4}/bulk"])
        try:
            with open(BULK, "rb"):
                pass
            # Give the transfer time to start and establish its flow.
            import time
            time.sleep(1.5)
            self.write_config(self.original.replace(WEB_BACKEND_3, WEB_BACKEND_3 + "weight = 3\n", 1)
                              + NEW_SERVICE)
            [answer] = console("reload")
            self.assertTrue(answer.startswith("reloaded "), answer)
            self.assertIn("service web-reload: added", answer)
            self.assertIn("service web: backends or scheduling changed", answer)
            weights = {b["address"]: b["weight"] for b in console_json("show backends web json")}
            self.assertEqual(weights["10.20.0.3:8080"], 3)
            [result] = client("http", VIP4, 8088)
            self.assertIsNone(result["error"])
            self.assertClientSeen(result["body"], CLIENT4, result["local_port"])
            self.assertEqual(download.poll(), None, "the download should still be running")
        finally:
            status = download.wait(timeout=90)
        self.assertEqual(status, 0, "the download failed across the reload")
        self.assertEqual(sha256_file(path), sha256_file(BULK))

    def test_removed_service_stops_taking_flows(self):
        self.write_config(self.original + NEW_SERVICE)
        self.assertIn("added", console("reload")[0])
        self.write_config(self.original)
        self.assertIn("service web-reload: removed", console("reload")[0])
        [result] = client("http", VIP4, 8088, "--timeout", 1.5)
        self.assertIsNotNone(result["error"])
        self.assertNotIn("web-reload", [s["name"] for s in console_json("show services json")])

    def test_bad_file_is_refused_and_changes_nothing(self):
        before = console_json("show services json")
        self.write_config(self.original.replace("port = 8080", "port = 99999", 1))
        [answer] = console("reload")
        self.assertTrue(answer.startswith("error: "), answer)
        self.assertIn("invalid, nothing changed", answer)
        self.assertIn("must be between 1 and 65535", answer)
        self.assertEqual(console_json("show services json"), before)
        [result] = client("http", VIP4, 80)
        self.assertIsNone(result["error"])

    def test_interface_changes_need_a_restart(self):
        self.write_config(self.original.replace('addresses = ["10.20.0.1/24", "fd20::1/64"]',
                                                'addresses = ["10.20.0.1/24", "fd20::1/64"]\nmtu = 1400',
                                                1))
        [answer] = console("reload")
        self.assertTrue(answer.startswith("error: "), answer)
        self.assertIn("needs a restart", answer)
