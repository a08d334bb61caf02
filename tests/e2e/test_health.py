"""Health checks in the lab (docs/health.md): `web` probes its nginx backends with HTTP checks
that start with a PROXY v2 LOCAL header (configs/lab.toml: interval 500 ms, timeout 300 ms,
fall 2, rise 2). In dpdk mode the probes leave through the datapath (the host path). The
issue's acceptance: a dead backend goes down within interval*fall and gets no new flows, and
comes back after rise.
"""
import subprocess
import time

from labtools import (BACKENDS, VIP4, LabTestCase, client, console_json, needs_sluice, ns,
                      wait_until)

INTERVAL, TIMEOUT, FALL, RISE = 0.5, 0.3, 2, 2
DEAD = "10.20.0.3"

KILL_RULES = f"""
table inet e2e_dead_backend {{
  chain input {{
    type filter hook input priority 0; policy accept;
    ip daddr {DEAD} tcp dport 8080 reject with tcp reset
  }}
}}
"""


def backend_states():
    return {b["address"]: b["state"] for b in console_json("show backends web json")}


@needs_sluice
class HealthChecks(LabTestCase):
    def tearDown(self):
        ns("sl-backend", "nft", "delete", "table", "inet", "e2e_dead_backend", check=False)
        super().tearDown()

    def test_dead_backend_goes_down_gets_no_flows_and_comes_back(self):
        self.assertTrue(wait_until(lambda: set(backend_states().values()) == {"up"}, 5),
                        backend_states())
        subprocess.run(["ip", "netns", "exec", "sl-backend", "nft", "-f", "-"], input=KILL_RULES,
                       text=True, check=True)
        killed = time.monotonic()
        down = wait_until(lambda: backend_states()[f"{DEAD}:8080"] == "down", 10, interval=0.05)
        took = time.monotonic() - killed
        self.assertTrue(down, backend_states())
        # Down after `fall` failed checks: at most fall intervals plus one check's timeout, and
        # a poll's worth of slack (the bound is the spec's behaviour, not a performance figure).
        self.assertLess(took, INTERVAL * FALL + TIMEOUT + 0.5, f"down after {took:.2f}s")
        print(f"\n  down {took:.2f}s after the backend died (interval*fall = {INTERVAL * FALL}s)")
        [web] = [s for s in console_json("show services json") if s["name"] == "web"]
        self.assertEqual(web["backends_up"], 1)

        results = client("http", VIP4, 80, "--count", 12, "--concurrency", 4)
        self.assertEqual([r["error"] for r in results], [None] * 12)
        self.assertEqual({r["backend"] for r in results}, BACKENDS - {DEAD})

        ns("sl-backend", "nft", "delete", "table", "inet", "e2e_dead_backend")
        revived = time.monotonic()
        up = wait_until(lambda: backend_states()[f"{DEAD}:8080"] == "up", 10, interval=0.05)
        took = time.monotonic() - revived
        self.assertTrue(up, backend_states())
        self.assertLess(took, INTERVAL * RISE + TIMEOUT + 0.5, f"up after {took:.2f}s")
        results = client("http", VIP4, 80, "--count", 24, "--concurrency", 4)
        self.assertEqual({r["backend"] for r in results}, BACKENDS)
