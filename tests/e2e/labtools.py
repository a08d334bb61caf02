"""Helpers for the end-to-end tests: run commands in the lab's namespaces, drive the client
tool, inject loss with nftables, capture with tshark. Appliance-agnostic: whatever sits in
sl-lb between lb-front and lb-back (sluice, or the kernel HAProxy baseline) is under test.
"""
import hashlib
import json
import os
import signal
import subprocess
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB_RUN = os.environ.get("LAB_RUN", "/run/sluice-lab")
PY = "/usr/bin/python3"
CLIENT_TOOL = os.path.join(ROOT, "tests", "e2e", "lab", "client_tool.py")
APPLIANCE = os.environ.get("APPLIANCE", "kernel-haproxy")
IS_BASELINE = APPLIANCE == "kernel-haproxy"

VIP4, VIP6 = "10.10.0.100", "fd10::100"
CLIENT4, CLIENT6 = "10.10.0.2", "fd10::2"
BACKENDS = {"10.20.0.2", "10.20.0.3"}
AUTHORITY = "lab.sluice"
PROXY_SIGNATURE_HEX = "0d0a0d0a000d0a515549540a"
TEST_TIMEOUT = int(os.environ.get("E2E_TEST_TIMEOUT", "90"))


def ns(namespace, *cmd, timeout=30, check=True, stdin=None):
    """Runs cmd inside a lab namespace; returns CompletedProcess (text)."""
    return subprocess.run(["ip", "netns", "exec", namespace, *cmd], capture_output=True,
                          text=True, timeout=timeout, check=check, stdin=stdin)


def client(*args, timeout=60):
    out = ns("sl-client", PY, CLIENT_TOOL, *map(str, args), timeout=timeout)
    return json.loads(out.stdout)


CONSOLE_CLIENT = os.path.join(ROOT, "tests", "e2e", "lab", "console_client.py")
# The configuration sluice runs in the lab (tests/e2e/run copies configs/lab.toml there), so
# reload tests can edit it.
SLUICE_CONFIG = os.environ.get("SLUICE_CONFIG", os.path.join(LAB_RUN, "sluice.toml"))
needs_sluice = unittest.skipIf(IS_BASELINE, "tests sluice's own console/control plane")


def console(*commands, timeout=30):
    """Runs console commands in one session; returns the text each one answered."""
    out = ns("sl-lb", PY, CONSOLE_CLIENT, *commands, timeout=timeout)
    return json.loads(out.stdout)


def console_json(command, timeout=30):
    """A `show ... json` command's one JSON document."""
    [answer] = console(command, timeout=timeout)
    return json.loads(answer)


def wait_until(predicate, timeout, interval=0.1):
    """Polls predicate() until it returns a true value (returned) or timeout seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Nft:
    """A netdev table in one namespace, removed on exit. Each chain is (hook, device, rules)."""

    def __init__(self, namespace, table, chains):
        self.namespace, self.table, self.chains = namespace, table, chains

    def __enter__(self):
        lines = [f"table netdev {self.table} {{"]
        for index, (hook, device, rules) in enumerate(self.chains):
            lines.append(f"  chain c{index} {{")
            lines.append(f"    type filter hook {hook} device {device} priority 0;")
            lines.extend(f"    {rule}" for rule in rules)
            lines.append("  }")
        lines.append("}")
        subprocess.run(["ip", "netns", "exec", self.namespace, "nft", "-f", "-"],
                       input="\n".join(lines) + "\n", text=True, check=True, timeout=10,
                       capture_output=True)
        return self

    def counters(self):
        """Packets counted by the table's `counter` statements, in rule order."""
        out = ns(self.namespace, "nft", "-j", "list", "table", "netdev", self.table).stdout
        packets = []
        for item in json.loads(out)["nftables"]:
            for expr in item.get("rule", {}).get("expr", []):
                if "counter" in expr:
                    packets.append(expr["counter"]["packets"])
        return packets

    def __exit__(self, *exc):
        ns(self.namespace, "nft", "delete", "table", "netdev", self.table, check=False)
        return False


def random_loss(percent, namespace, device):
    """Drops percent% of the frames in both directions at an endpoint's veth."""
    rule = f"numgen random mod 100 < {percent} counter drop"
    return Nft(namespace, "sl_loss", [("ingress", device, [rule]), ("egress", device, [rule])])


class Capture:
    """tshark on one interface of one namespace, written to a pcap under LAB_RUN."""

    def __init__(self, namespace, device, bpf, name):
        self.namespace, self.device, self.bpf = namespace, device, bpf
        self.path = os.path.join(LAB_RUN, f"{name}.pcapng")
        self.process = None

    def __enter__(self):
        self.stderr_path = self.path + ".stderr"
        stderr = open(self.stderr_path, "w")
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", self.namespace, "tshark", "-q", "-n", "-i", self.device,
             "-f", self.bpf, "-w", self.path], stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with open(self.stderr_path) as f:
                if "Capturing on" in f.read():
                    time.sleep(0.5)  # the message can precede the ring being attached
                    return self
            if self.process.poll() is not None:
                raise RuntimeError("tshark exited: " + open(self.stderr_path).read())
            time.sleep(0.1)
        raise TimeoutError("tshark did not start capturing")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            time.sleep(0.5)  # let the last frames reach the ring
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return False

    def fields(self, display_filter, *fields):
        """One dict per matching frame; values are lists (fields may repeat, e.g. TLVs)."""
        # Heuristics first: port 8080 would otherwise be dissected as HTTP.
        cmd = ["tshark", "-n", "-o", "tcp.try_heuristic_first:TRUE",
               "-o", "udp.try_heuristic_first:TRUE", "-r", self.path, "-Y", display_filter,
               "-T", "fields",
               "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=|"]
        for field in fields:
            cmd += ["-e", field]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True).stdout
        rows = []
        for line in out.splitlines():
            values = line.split("\t")
            rows.append({f: (v.split("|") if v else []) for f, v in zip(fields, values)})
        return rows


class _Timeout(Exception):
    pass


class LabTestCase(unittest.TestCase):
    """Every test gets a hard deadline (SIGALRM) on top of each command's own timeout."""

    def setUp(self):
        def on_alarm(signum, frame):
            raise _Timeout(f"test exceeded {TEST_TIMEOUT}s")
        signal.signal(signal.SIGALRM, on_alarm)
        signal.alarm(TEST_TIMEOUT)

    def tearDown(self):
        signal.alarm(0)

    def assertClientSeen(self, body, client_ip, client_port):
        self.assertEqual(body, f"{client_ip}:{client_port}",
                         "the backend was told a different client than the one that connected")
