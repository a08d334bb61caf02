"""The operator console against live traffic (spec cli-console.md, "Console"; issue: a held
connection shows up in `show conntrack json` as ESTABLISHED with the right client, VIP, local
and backend; backend enable/disable/weight take effect for new flows at once while existing
flows continue; the console survives garbage, long lines and abrupt disconnects).
"""
import json
import socket
import subprocess

from labtools import (BACKENDS, CLIENT4, PY, VIP4, LabTestCase, client, console, console_json,
                      needs_sluice, ns, wait_until)

HOLD = r"""
import socket, sys
s = socket.socket()
s.bind(("", int(sys.argv[1])))
s.connect((sys.argv[2], 80))
print("connected", flush=True)
sys.stdin.read()            # hold the connection until the test closes our stdin
"""


class HeldConnection:
    """A client connection to VIP:80 that stays open (nginx waits for the request)."""

    def __init__(self, local_port, vip=VIP4):
        self.local_port = local_port
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", "sl-client", PY, "-c", HOLD, str(local_port), vip],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def __enter__(self):
        line = self.process.stdout.readline().strip()
        if line != "connected":
            raise AssertionError(f"the held connection did not connect: {line!r}")
        return self

    def __exit__(self, *exc):
        self.process.stdin.close()
        self.process.wait(timeout=10)


def flows_of(client_port):
    return [f for f in console_json("show conntrack web json")
            if f["client"] == f"{CLIENT4}:{client_port}"]


@needs_sluice
class ConsoleShowsLiveState(LabTestCase):
    def test_held_connection_is_established_in_show_conntrack(self):
        with HeldConnection(46001):
            flows = wait_until(lambda: [f for f in flows_of(46001)
                                        if f["state"] == "ESTABLISHED" and f["pp"] == "acked"], 5)
            self.assertEqual(len(flows), 1, console("show conntrack web")[0])
            [flow] = flows
            self.assertEqual(flow["proto"], "tcp")
            self.assertEqual(flow["vip"], f"{VIP4}:80")
            local_address, local_port = flow["local"].rsplit(":", 1)
            self.assertEqual(local_address, "10.20.0.1")
            self.assertTrue(1024 <= int(local_port) <= 64511, flow)
            backend_address, backend_port = flow["backend"].rsplit(":", 1)
            self.assertIn(backend_address, BACKENDS)
            self.assertEqual(backend_port, "8080")
            # The human table says the same, and the service's counts include it.
            table = console("show conntrack web")[0]
            self.assertIn(f"{CLIENT4}:46001", table)
            [web] = [s for s in console_json("show services json") if s["name"] == "web"]
            self.assertGreaterEqual(web["active"], 1)
            backends = console_json("show backends web json")
            self.assertEqual({b["address"] for b in backends}, {f"{b}:8080" for b in BACKENDS})
            [ours] = [b for b in backends if b["address"] == flow["backend"]]
            self.assertGreaterEqual(ours["active"], 1)
            self.assertGreaterEqual(ours["total"], ours["active"])

    def test_show_commands_answer_one_json_line_each(self):
        answers = console("show version json", "show interfaces json", "show services json",
                          "show backends json", "show stats json", "show neighbors json",
                          "show routes json", "show conntrack limit 5 json")
        for answer in answers:
            self.assertEqual(answer.count("\n"), 1, answer)
            json.loads(answer)
        stats = json.loads(answers[4])
        for key in ("rx_packets", "tx_packets", "dropped", "flows_created", "flows_active",
                    "pp_inserted", "pp_resent"):
            self.assertIn(key, stats)
        neighbors = json.loads(answers[5])
        self.assertTrue(any(n["address"] == CLIENT4 for n in neighbors), neighbors)
        routes = json.loads(answers[6])
        self.assertIn("10.20.0.0/24", [r["prefix"] for r in routes])

    def test_flush_drops_a_live_flow(self):
        with HeldConnection(46002):
            self.assertTrue(wait_until(lambda: flows_of(46002), 5))
            [answer] = console("conntrack flush web")
            self.assertRegex(answer, r"^flushed [1-9][0-9]* flow\(s\)\n$")
            self.assertEqual(flows_of(46002), [])
        self.assertEqual(console("conntrack flush nope")[0], "error: no service named 'nope'\n")


@needs_sluice
class BackendAdministration(LabTestCase):
    def backends_seen(self, count=12):
        results = client("http", VIP4, 80, "--count", count, "--concurrency", 4)
        self.assertEqual([r["error"] for r in results], [None] * count)
        return {r["backend"] for r in results}

    def test_disable_takes_a_backend_out_for_new_flows_only(self):
        with HeldConnection(46003):
            self.assertTrue(wait_until(lambda: flows_of(46003), 5))
            [held] = flows_of(46003)
            backend = held["backend"]
            other = (BACKENDS - {backend.rsplit(":", 1)[0]}).pop()
            try:
                self.assertIn("disabled", console(f"backend disable web {backend}")[0])
                states = {b["address"]: b["state"] for b in console_json("show backends web json")}
                self.assertEqual(states[backend], "disabled")
                self.assertEqual(self.backends_seen(), {other})
                # The held flow continues on its disabled backend.
                self.assertEqual(len(flows_of(46003)), 1)
                self.assertEqual(flows_of(46003)[0]["backend"], backend)
            finally:
                console(f"backend enable web {backend}")
        self.assertEqual(self.backends_seen(24), BACKENDS)

    def test_weight_zero_drains_and_weights_come_back(self):
        try:
            self.assertIn("draining", console("backend weight web 10.20.0.3:8080 0")[0])
            self.assertEqual(self.backends_seen(), {"10.20.0.2"})
            weights = {b["address"]: b["weight"] for b in console_json("show backends web json")}
            self.assertEqual(weights["10.20.0.3:8080"], 0)
        finally:
            console("backend weight web 10.20.0.3:8080 1")
        self.assertEqual(self.backends_seen(24), BACKENDS)

    def test_bad_backend_commands_are_errors_and_change_nothing(self):
        answers = console("backend disable web 10.20.0.99:8080", "backend disable nope 10.20.0.2:8080",
                          "backend weight web 10.20.0.2:8080 5000", "backend disable web garbage")
        for answer in answers:
            self.assertTrue(answer.startswith("error: "), answer)
        self.assertEqual({b["state"] for b in console_json("show backends web json")}, {"up"})


@needs_sluice
class ConsoleRobustness(LabTestCase):
    def raw_session(self, payload, read_timeout=3):
        """Sends raw bytes after the greeting; returns what the console answered."""
        script = r"""
import socket, sys
s = socket.create_connection(("127.0.0.1", 7070), timeout=5)
data = b""
while not data.endswith(b"sluice> "):
    data += s.recv(4096)
s.sendall(bytes.fromhex(sys.argv[1]))
s.settimeout(float(sys.argv[2]))
out = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
except socket.timeout:
    pass
sys.stdout.write(out.decode(errors="replace"))
"""
        return ns("sl-lb", PY, "-c", script, payload.hex(), str(read_timeout)).stdout

    def test_long_line_binary_and_telnet_bytes(self):
        answer = self.raw_session(b"x" * 5000 + b"\n" + b"show version\n")
        self.assertIn("error: ", answer)
        self.assertIn("sluice ", answer, "the session goes on after a refused line")
        answer = self.raw_session(b"\x00\x01\x02\xfe\n")
        self.assertIn("error: ", answer)
        # Telnet negotiation (IAC DO ECHO, IAC WILL SGA) is ignored, the command runs.
        answer = self.raw_session(b"\xff\xfd\x01\xff\xfb\x03show version\n")
        self.assertIn("mode: ", answer)

    def test_abrupt_disconnects_leave_the_console_serving(self):
        for _ in range(5):
            script = ("import socket; s=socket.create_connection(('127.0.0.1',7070));"
                      "s.sendall(b'show conn'); s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,"
                      " b'\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00'); s.close()")
            ns("sl-lb", PY, "-c", script)
        self.assertIn("mode: ", console("show version")[0])
