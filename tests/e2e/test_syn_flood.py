"""A SYN flood from spoofed sources while a real client connects (issue 14, bounded embryonic
state: docs/conntrack-limits.md).

`hping3 --flood --rand-source -S` in sl-client sends SYNs to the VIP from random IPv4 sources
for FLOOD_SECONDS; at the same time a second process in sl-client opens real HTTP connections
with curl, PARALLEL at a time. Each spoofed SYN costs sluice a flow, a SNAT port and a SYN to
a backend, whose SYN-ACK goes back towards a source that never answers: the flows stay
embryonic. The test asserts what must hold whatever the flood's rate:
  - every real connection that completes carries its own address in the PROXY header (nginx
    answers GET / with $proxy_protocol_addr:$proxy_protocol_port: the client's address and the
    port curl used), and at least one completes while the flood runs;
  - the appliance is alive after the flood (a new connection and the console answer);
  - sluice: the flood's flows are gone within the configured timeout: the SYN timeout under
    pressure (tcp_syn_pressure_timeout_s) when the flood wrapped each worker's embryonic ring,
    tcp_syn_timeout_s otherwise; nothing embryonic is left, and the reclaims were counted.
The share of real connections that succeeded and the flood's rate are the benchmark's business
(tests/bench/syn_flood_bench, docs/performance.md), not asserted here.

The spoofed sources need a route back: the test adds `0.0.0.0/0 via 10.10.0.2` to the
appliance's configuration with `reload` for its duration (the client namespace, not forwarding,
drops the SYN-ACKs, as the internet would lose them) and removes it afterwards. The lab's
configuration keeps the [conntrack] defaults (max_embryonic 16384, pressure timeout 3 s).

Two variants (docs/syn-proxy.md), the `web` service's `syn_proxy` set with the same `reload`
(it reloads live):
  - "off": the bounded embryonic state alone, as above. The lab's default is "auto", which would
    engage at half of max_embryonic during the flood and mix the two behaviours.
  - "on": every SYN is answered with a cookie and nothing is kept: the real connections
    complete through their cookies and carry their own address in the PROXY header,
    syn_cookies_sent grows and syn_cookies_validated by at least the completed connections, and
    the flood creates no flow (conntrack holds only the real connections').
"""
import re
import subprocess
import time

from labtools import (CLIENT4, IS_BASELINE, SLUICE_CONFIG, VIP4, LabTestCase, console,
                      console_json, needs_sluice, ns, wait_until)

FLOOD_SECONDS = 10
# Long enough for two SYN retransmissions (1 s, 3 s): the flood costs a real client some.
CURL_MAX_TIME_S = 5
PARALLEL = 8
ROUTE = '\n[[routes]]\nprefix = "0.0.0.0/0"\nvia = "10.10.0.2"\n'
# What the lab's configuration says (configs/lab.toml [conntrack]), read from the file the
# appliance runs so a changed value cannot make the test wait for the wrong time.
DEFAULTS = {"max_embryonic": 16384, "tcp_syn_timeout_s": 30, "tcp_syn_pressure_timeout_s": 3}
# The control thread sweeps every second (xdp mode: flows expire there or on lookup, and the
# sweep is also what publishes the embryonic gauge); with a hundred thousand flows in the table
# one sweep takes a while on this 2-vCPU lab.
SWEEP_SLACK_S = 5
# Flows neither the flood's nor the real connections' (the suite's own, a health probe's).
OTHER_FLOWS = 8
SYN_PROXY_COUNTERS = ("syn_cookies_sent", "syn_cookies_validated", "syn_cookies_failed")


def conntrack_setting(text, key):
    match = re.search(rf"^\s*{key}\s*=\s*(\d+)", text, re.MULTILINE)
    return int(match.group(1)) if match else DEFAULTS[key]


def curl_loop_script(seconds, parallel):
    """A shell script for sl-client: `parallel` loops of curl GET / until `seconds` pass; one
    line per connection, written at once (one echo): '<body> <http_code> <local_port>', the
    body empty when the connection failed."""
    one = (f"out=$(curl -s --max-time {CURL_MAX_TIME_S} -w ' %{{http_code}} %{{local_port}}' "
           f"http://{VIP4}/); echo $out")
    loop = f"while [ $(date +%s) -lt $end ]; do {one}; done"
    return f"end=$(( $(date +%s) + {seconds} )); " + " & ".join([f"( {loop} )"] * parallel) + " & wait"


def with_syn_proxy(config, mode, service="web"):
    """The configuration with `syn_proxy = mode` in the [[services]] table named `service`
    (right after its name, before any sub-table such as [services.proxy_protocol])."""
    line = f'name = "{service}"\n'
    assert config.count(line) == 1, f"no single service {service!r} in the configuration"
    return config.replace(line, line + f'syn_proxy = "{mode}"\n')


def parse_curl_lines(text):
    """(http code, local port, body) per connection."""
    results = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3:
            results.append((parts[1], parts[2], parts[0]))
        elif len(parts) == 2:
            results.append((parts[0], parts[1], ""))
    return results


class SynFlood(LabTestCase):
    def setUp(self):
        super().setUp()
        if not IS_BASELINE:
            with open(SLUICE_CONFIG) as f:
                self.original_config = f.read()

    def configure(self, syn_proxy):
        """The route for the spoofed sources and the web service's syn_proxy, live (reload)."""
        if IS_BASELINE:
            return
        with open(SLUICE_CONFIG, "w") as f:
            f.write(with_syn_proxy(self.original_config, syn_proxy) + ROUTE)
        [answer] = console("reload")
        self.assertTrue(answer.startswith("reloaded"), answer)

    def tearDown(self):
        if not IS_BASELINE:
            with open(SLUICE_CONFIG, "w") as f:
                f.write(self.original_config)
            console("reload")
        super().tearDown()

    def stats(self):
        return console_json("show stats json")

    def flood_with_real_clients(self):
        """The flood and the curl loops; every completed connection carries its own address,
        at least one completes, and a fresh connection afterwards does too. Returns the stats
        before and at the end of the flood (None on the baseline), the curl results, the
        completed ones and a summary line."""
        before = None if IS_BASELINE else self.stats()
        flood = subprocess.Popen(
            ["ip", "netns", "exec", "sl-client", "timeout", "-s", "INT", str(FLOOD_SECONDS),
             "hping3", "--flood", "--rand-source", "-S", "-p", "80", VIP4],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            time.sleep(0.5)  # the flood is on before the first real connection
            loop = ns("sl-client", "sh", "-c", curl_loop_script(FLOOD_SECONDS - 1, PARALLEL),
                      timeout=FLOOD_SECONDS + 2 * CURL_MAX_TIME_S + 10, check=False)
        finally:
            flood_out, _ = flood.communicate(timeout=FLOOD_SECONDS + 10)
        sent = re.search(r"(\d+) packets transmitted", flood_out)
        self.assertIsNotNone(sent, f"hping3 did not run: {flood_out}")
        during = None if IS_BASELINE else self.stats()

        results = parse_curl_lines(loop.stdout)
        completed = [r for r in results if r[0] == "200"]
        for code, port, body in completed:
            self.assertClientSeen(body, CLIENT4, port)
        self.assertGreater(len(completed), 0,
                           f"no real connection completed during the flood: {results[:10]}")

        # Alive: a fresh connection, and (sluice) the console.
        after = ns("sl-client", "curl", "-s", "--max-time", "5", "-w", " %{local_port}",
                   f"http://{VIP4}/", check=False, timeout=15)
        body, _, port = after.stdout.strip().rpartition(" ")
        self.assertClientSeen(body.strip(), CLIENT4, port)
        summary = (f"syn flood: {sent.group(1)} SYNs sent in {FLOOD_SECONDS} s; real connections "
                   f"{len(completed)}/{len(results)} completed")
        return before, during, results, completed, summary

    def test_real_clients_get_their_own_address_through_a_spoofed_syn_flood(self):
        self.configure(syn_proxy="off")
        before, during, results, completed, summary = self.flood_with_real_clients()
        if IS_BASELINE:
            print(summary)
            return

        # The flood's flows go within the configured timeout.
        syn_timeout = conntrack_setting(self.original_config, "tcp_syn_timeout_s")
        pressure_timeout = min(conntrack_setting(self.original_config, "tcp_syn_pressure_timeout_s"),
                               syn_timeout)
        cap = conntrack_setting(self.original_config, "max_embryonic")
        created = during["flows_created"] - before["flows_created"]
        # A flow created before its worker came under pressure keeps tcp_syn_timeout_s; it is
        # gone sooner only when newer flows reclaimed it. Each worker (xdp: CPU) that created
        # flows and wrapped its ring twice holds only flows created under pressure.
        per_worker = [w["flows_created"] - b["flows_created"]
                      for w, b in zip(during["workers"], before["workers"])]
        wrapped = all(n == 0 or n >= 2 * cap for n in per_worker)
        deadline = (pressure_timeout if wrapped else syn_timeout) + SWEEP_SLACK_S
        # What may stay: the flows there before, and the real connections' own (closing ones
        # keep tcp_closing_timeout_s), one per curl.
        allowed_flows = before["flows_active"] + len(results) + 1 + OTHER_FLOWS

        def drained_now():
            now = self.stats()
            return now["embryonic_active"] == 0 and now["flows_active"] <= allowed_flows

        started = time.monotonic()
        drained = wait_until(drained_now, deadline, interval=0.5)
        final = self.stats()
        left = [] if drained else console_json("show conntrack web limit 5 json")
        self.assertTrue(drained,
                        f"{final['flows_active']} flows ({final['embryonic_active']} embryonic, "
                        f"at most {allowed_flows} may stay) still there {deadline} s after the "
                        f"flood ({created} flows created, per worker {per_worker}, every ring wrapped: "
                        f"{wrapped}); {summary}; some of them: {left}")
        reclaimed = final["embryonic_reclaimed"] - before["embryonic_reclaimed"]
        if wrapped:
            self.assertGreater(reclaimed, 0, "the flood wrapped the ring but nothing was reclaimed")
        print(f"{summary}; {created} flows created (per worker {per_worker}), {reclaimed} embryonic reclaimed, "
              f"{during['embryonic_active']} embryonic at the end of the flood, gone in "
              f"{time.monotonic() - started:.1f} s (deadline {deadline} s)")

    @needs_sluice
    def test_syn_proxy_answers_the_flood_with_cookies(self):
        self.configure(syn_proxy="on")
        before, during, results, completed, summary = self.flood_with_real_clients()
        final = self.stats()  # after the fresh connection too
        for key in SYN_PROXY_COUNTERS:
            self.assertIn(key, final, f"show stats has no {key}")
        sent = final["syn_cookies_sent"] - before["syn_cookies_sent"]
        validated = final["syn_cookies_validated"] - before["syn_cookies_validated"]
        failed = final["syn_cookies_failed"] - before["syn_cookies_failed"]
        # Every SYN to web is answered with a cookie, the flood's and the real clients'.
        self.assertGreater(sent, 0, f"no cookie sent; {summary}")
        # Each completed connection (and the fresh one after the flood) was opened by a valid
        # cookie: on "on" no other way creates a flow for web.
        self.assertGreaterEqual(validated, len(completed) + 1,
                                f"{validated} cookies validated for {len(completed) + 1} completed "
                                f"connections; {summary}")
        # The flood creates no flow: what was created is the real connections' (one per curl
        # started, completed or not, and a retried handshake creates none twice) and the
        # fresh connection's, plus the suite's own.
        created = during["flows_created"] - before["flows_created"]
        self.assertLessEqual(created, len(results) + OTHER_FLOWS,
                             f"{created} flows created during the flood for {len(results)} real "
                             f"connections; {summary}")
        allowed_flows = before["flows_active"] + len(results) + 1 + OTHER_FLOWS
        for label, stats in (("at the end of the flood", during), ("after it", final)):
            self.assertLessEqual(stats["flows_active"], allowed_flows,
                                 f"{stats['flows_active']} flows {label} (at most {allowed_flows}: "
                                 f"the flood must create none); {summary}")
            self.assertLessEqual(stats["embryonic_active"], PARALLEL + OTHER_FLOWS,
                                 f"{stats['embryonic_active']} embryonic flows {label}; {summary}")
        print(f"{summary}; syn proxy: {sent} cookies sent, {validated} validated, {failed} failed, "
              f"{created} flows created, {during['flows_active']} active at the end of the flood")
