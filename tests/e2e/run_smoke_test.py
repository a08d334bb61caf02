#!/usr/bin/env python3
"""`sluice run` in dpdk mode, for real: EAL with --no-huge, net_af_packet ports on veth pairs
in private network namespaces, a client and a backend namespace around them.

  client ns  --veth--  appliance ns (sluice run, af_packet)  --veth--  backend ns
  10.10.0.2/24         front 10.10.0.1/24 | back 10.20.0.1/24          10.20.0.2/24

Proves start-up, ARP + ICMP echo answered for the VIP, a TCP connection through full-NAT
(the backend sees the SNAT address), SIGHUP with an invalid file keeps running, SIGTERM
exits 0 within seconds, and the exit codes for config errors (2), --mode xdp (1) and a port
that cannot be found (1).

Needs root (namespaces, AF_PACKET). SLUICE_BIN=build/sluice python3 tests/e2e/run_smoke_test.py
Namespaces are named dpe2e-<pid>-*, removed at the end whatever happens.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
from pathlib import Path

from appliance_process import ApplianceProcess, in_ns, sh

SLUICE_BIN = os.environ.get("SLUICE_BIN", "")
TAG = f"{os.getpid() % 100000}"
NS_APP, NS_CLIENT, NS_BACKEND = (f"dpe2e-{TAG}-{role}" for role in ("app", "cli", "be"))
FRONT_APP, FRONT_CLIENT = f"df{TAG}a", f"df{TAG}c"
BACK_APP, BACK_BACKEND = f"db{TAG}a", f"db{TAG}b"
VIP = "10.10.0.100"
STARTUP_TIMEOUT_S = 30

# A ping without the ping binary: ICMP echo over a raw socket, verifies the echoed payload.
PING = textwrap.dedent("""\
    import os, socket, struct, sys
    def csum(b):
        b += b'\\0' * (len(b) % 2)
        s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
        s = (s >> 16) + (s & 0xffff); s += s >> 16
        return ~s & 0xffff
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(2.0)
    ident, payload = os.getpid() & 0xffff, b'sluice-e2e'
    for seq in range(1, 4):
        head = struct.pack('!BBHHH', 8, 0, 0, ident, seq)
        s.sendto(struct.pack('!BBHHH', 8, 0, csum(head + payload), ident, seq) + payload,
                 (sys.argv[1], 0))
        try:
            while True:
                data, _ = s.recvfrom(2048)
                ihl = (data[0] & 15) * 4
                kind, _, _, i, q = struct.unpack('!BBHHH', data[ihl:ihl + 8])
                if kind == 0 and i == ident and q == seq and data[ihl + 8:] == payload:
                    print('reply', seq)
                    sys.exit(0)
        except socket.timeout:
            continue
    sys.exit(1)
    """)

# ICMPv6 echo over a raw socket (the kernel fills in the ICMPv6 checksum).
PING6 = textwrap.dedent("""\
    import os, socket, struct, sys
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.settimeout(2.0)
    ident, payload = os.getpid() & 0xffff, b'sluice-e2e-v6'
    for seq in range(1, 4):
        s.sendto(struct.pack('!BBHHH', 128, 0, 0, ident, seq) + payload, (sys.argv[1], 0))
        try:
            while True:
                data, _ = s.recvfrom(2048)
                kind, _, _, i, q = struct.unpack('!BBHHH', data[:8])
                if kind == 129 and i == ident and q == seq and data[8:] == payload:
                    print('reply', seq)
                    sys.exit(0)
        except socket.timeout:
            continue
    sys.exit(1)
    """)

# An IPv6 backend: accepts argv[1] connections, answers each with the peer address it saw.
BACKEND6 = textwrap.dedent("""\
    import socket, sys
    srv = socket.socket(socket.AF_INET6); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('fd20::2', 8082)); srv.listen(16); srv.settimeout(30)
    for _ in range(int(sys.argv[1])):
        conn, peer = srv.accept()
        data = conn.recv(100)
        conn.sendall(('peer=%s data=%s' % (peer[0], data.decode())).encode())
        conn.close()
    """)

# The backend: accepts one connection, answers with the peer address it saw.
BACKEND = textwrap.dedent("""\
    import socket
    srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('10.20.0.2', 8080)); srv.listen(4); srv.settimeout(30)
    conn, peer = srv.accept()
    data = conn.recv(100)
    conn.sendall(('peer=%s data=%s' % (peer[0], data.decode())).encode())
    conn.close()
    """)

CLIENT = textwrap.dedent("""\
    import socket, sys
    c = socket.create_connection((sys.argv[1], 80), timeout=5)
    c.sendall(b'hello'); print(c.recv(200).decode()); c.close()
    """)


# The PROXY backend (port argv[2]): for each of argv[1] connections, reads the v2 header (16 bytes + length) and the
# client's 5 bytes, answers with their hex.
PROXY_BACKEND = textwrap.dedent("""\
    import socket, sys
    srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('10.20.0.2', int(sys.argv[2]))); srv.listen(16); srv.settimeout(30)
    for _ in range(int(sys.argv[1])):
        conn, peer = srv.accept()
        conn.settimeout(5)
        data = b''
        while len(data) < 16 or len(data) < 16 + int.from_bytes(data[14:16], 'big') + 5:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        conn.sendall(data.hex().encode())
        conn.close()
    """)


def config_text(file_prefix, app_front=None, extra="", backend_port=8080):
    return textwrap.dedent(f"""\
        [appliance]
        log_level = "debug"
        [dpdk]
        workers = 1
        idle_sleep_us = 50
        eal_args = ["--no-huge", "-m", "512", "--no-shconf", "--no-pci", "-l", "0-1",
                    "--file-prefix={file_prefix}"]
        [console]
        listen = ""
        [conntrack]
        max_entries = 65536
        [[interfaces]]
        name = "front"
        dpdk = "net_af_packet0,iface={app_front or FRONT_APP}"
        kernel = "{FRONT_APP}"
        addresses = ["10.10.0.1/24"]
        [[interfaces]]
        name = "back"
        dpdk = "net_af_packet1,iface={BACK_APP}"
        kernel = "{BACK_APP}"
        addresses = ["10.20.0.1/24"]
        [[services]]
        name = "web"
        vip = "{VIP}"
        port = 80
        [[services.backends]]
        address = "10.20.0.2"
        port = {backend_port}
        """) + extra


def build_lab():
    for ns in (NS_APP, NS_CLIENT, NS_BACKEND):
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
    sh("ip", "link", "add", FRONT_APP, "netns", NS_APP, "type", "veth", "peer", "name",
       FRONT_CLIENT, "netns", NS_CLIENT)
    sh("ip", "link", "add", BACK_APP, "netns", NS_APP, "type", "veth", "peer", "name",
       BACK_BACKEND, "netns", NS_BACKEND)
    # The appliance's namespace gets its links (up) and nothing else: sluice keeps the kernel
    # off its af_packet ports and sets their offloads itself (docs/dpdk.md "The kernel
    # stand-off"); the lab only builds the other hosts.
    for dev in (FRONT_APP, BACK_APP):
        sh("ip", "-n", NS_APP, "link", "set", dev, "up")
    for ns, dev, address, address6 in ((NS_CLIENT, FRONT_CLIENT, "10.10.0.2/24", "fd10::2/64"),
                                       (NS_BACKEND, BACK_BACKEND, "10.20.0.2/24", "fd20::2/64")):
        sh("ip", "-n", ns, "addr", "add", address, "dev", dev)
        sh("ip", "-n", ns, "addr", "add", address6, "dev", dev, "nodad")
        sh("ip", "-n", ns, "link", "set", dev, "up")
        sh(*in_ns(ns, "ethtool", "-K", dev, "tx", "off"), check=False)


def remove_lab():
    for ns in (NS_APP, NS_CLIENT, NS_BACKEND):
        sh("ip", "netns", "del", ns, check=False)


def require_lab():
    """Fails (never skips: CI runs as root with what scripts/bootstrap installs) when the
    machine lacks what the lab needs."""
    missing = [] if os.geteuid() == 0 else ["root"]
    if shutil.which("ip") is None:
        missing.append("ip (iproute2)")
    require_sluice(missing)


def require_sluice(missing=None):
    missing = list(missing or [])
    if not SLUICE_BIN or not Path(SLUICE_BIN).exists():
        missing.append(f"SLUICE_BIN ({SLUICE_BIN or 'unset'})")
    if missing:
        raise RuntimeError("run-smoke cannot run, missing: " + ", ".join(missing))


class Appliance(ApplianceProcess):
    """One `sluice run` in the appliance namespace (appliance_process.py)."""

    def __init__(self, workdir, text, name="sluice"):
        super().__init__(NS_APP, SLUICE_BIN, workdir, text, name)


class RunSmokeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_lab()
        remove_lab()
        build_lab()

    @classmethod
    def tearDownClass(cls):
        remove_lab()

    def setUp(self):
        self.workdir = tempfile.TemporaryDirectory()
        self.addCleanup(self.workdir.cleanup)

    def start(self, text, name="sluice"):
        appliance = Appliance(self.workdir.name, text, name)
        self.addCleanup(appliance.kill)
        return appliance

    def test_packets_flow_and_sigterm_stops_cleanly(self):
        app = self.start(config_text(f"sluice-e2e-{TAG}"))
        self.assertTrue(app.wait_for("sluice running", STARTUP_TIMEOUT_S), app.log())

        ping = sh(*in_ns(NS_CLIENT, sys.executable, "-c", PING, VIP), check=False)
        self.assertEqual(ping.returncode, 0, f"no echo reply from the VIP\n{app.log()}")
        neigh = sh(*in_ns(NS_CLIENT, "ip", "neigh", "show", VIP)).stdout
        self.assertIn("lladdr", neigh)  # the appliance answered ARP for the VIP

        backend = subprocess.Popen(in_ns(NS_BACKEND, sys.executable, "-c", BACKEND),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: backend.poll() is None and backend.kill() or backend.communicate())
        time.sleep(0.5)
        client = sh(*in_ns(NS_CLIENT, sys.executable, "-c", CLIENT, VIP), check=False)
        self.assertEqual(client.returncode, 0, client.stderr + app.log())
        # Full-NAT: the backend saw the SNAT address (the back interface's), not the client.
        self.assertEqual(client.stdout.strip(), "peer=10.20.0.1 data=hello")
        backend.communicate(timeout=10)

        # SIGHUP with an invalid file: diagnostics logged, still running.
        good = app.config.read_text()
        app.config.write_text(good.replace("port = 80", "port = 99999"))
        app.process.send_signal(signal.SIGHUP)
        self.assertTrue(app.wait_for("reload refused", 10), app.log())
        self.assertIn("error:", app.log())
        self.assertIsNone(app.process.poll())
        # SIGHUP with the same valid file: applied, and nothing differs.
        app.config.write_text(good)
        app.process.send_signal(signal.SIGHUP)
        self.assertTrue(app.wait_for("reload: no change", 10), app.log())

        started = time.monotonic()
        code = app.stop(signal.SIGTERM)
        elapsed = time.monotonic() - started
        log = app.log()
        self.assertEqual(code, 0, log)
        self.assertLess(elapsed, 5.0)
        self.assertIn("stopped: rx ", log)
        self.assertNotIn("Invalid port_id", log)

    def test_two_workers_proxy_v2_and_reply_steering(self):
        # Two worker lcores on this 2-CPU box: lcores 1 and 2 share CPU 1 (idle_sleep keeps it
        # polite). af_packet fans each veth out to 2 queue pairs, so a backend reply often lands
        # on the worker that does not own its SNAT port and must be handed over.
        # Its own backend port: the backend still holds the first test's connections in
        # TIME_WAIT, and a fresh sluice hands out the same first SNAT ports, so the same 4-tuple
        # would be refused about half the time (see docs/dpdk.md, "Known issues").
        text = config_text(f"sluice-e2e-w2-{TAG}", backend_port=8081)
        text = text.replace("workers = 1", "workers = 2")
        text = text.replace('"-l", "0-1"', '"--lcores=0@0,1@1,2@1"')
        text += textwrap.dedent("""\
            [services.proxy_protocol]
            version = 2
            tlvs = ["crc32c", "unique-id"]
            """)
        app = self.start(text)
        self.assertTrue(app.wait_for("sluice running: 2 worker(s)", STARTUP_TIMEOUT_S), app.log())
        connections = 12
        backend = subprocess.Popen(
            in_ns(NS_BACKEND, sys.executable, "-c", PROXY_BACKEND, str(connections), "8081"),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: backend.poll() is None and backend.kill() or backend.communicate())
        time.sleep(0.5)
        for _ in range(connections):
            client = sh(*in_ns(NS_CLIENT, sys.executable, "-c", CLIENT, VIP), check=False)
            if client.returncode != 0:
                app.stop(signal.SIGTERM)  # the final lines carry the drop reasons
                self.fail(client.stderr + app.log())
            answer = client.stdout.strip()
            self.assertTrue(answer.endswith("68656c6c6f"), answer)  # "hello" after the header
            decoded = sh(SLUICE_BIN, "pp2", "decode", answer[:-len("68656c6c6f")], check=False)
            self.assertEqual(decoded.returncode, 0, decoded.stderr)
            header = json.loads(decoded.stdout)
            self.assertEqual((header["version"], header["command"], header["family"]),
                             (2, "PROXY", "INET"))
            self.assertEqual((header["src"], header["dst"], header["dst_port"]),
                             ("10.10.0.2", VIP, 80))
            self.assertEqual(header["crc32c"], "ok")
            self.assertEqual([tlv["type"] for tlv in header["tlvs"]], [5, 3])  # UNIQUE_ID, CRC32C
        backend.communicate(timeout=10)
        self.assertEqual(app.stop(signal.SIGTERM), 0, app.log())
        summary = [line for line in app.log().splitlines() if "stopped: rx" in line]
        self.assertEqual(len(summary), 1, app.log())
        self.assertRegex(summary[0], rf"pp_inserted {connections} ")

    def test_ipv6_neighbor_discovery_echo_and_full_nat_with_two_workers(self):
        text = config_text(f"sluice-e2e-v6-{TAG}").replace("workers = 1", "workers = 2")
        text = text.replace('"-l", "0-1"', '"--lcores=0@0,1@1,2@1"')
        text = text.replace('addresses = ["10.10.0.1/24"]', 'addresses = ["10.10.0.1/24", "fd10::1/64"]')
        text = text.replace('addresses = ["10.20.0.1/24"]', 'addresses = ["10.20.0.1/24", "fd20::1/64"]')
        text += textwrap.dedent("""\
            [[services]]
            name = "web6"
            vip = "fd10::100"
            port = 80
            [[services.backends]]
            address = "fd20::2"
            port = 8082
            """)
        app = self.start(text)
        self.assertTrue(app.wait_for("sluice running: 2 worker(s)", STARTUP_TIMEOUT_S), app.log())
        ping = sh(*in_ns(NS_CLIENT, sys.executable, "-c", PING6, "fd10::100"), check=False)
        self.assertEqual(ping.returncode, 0, f"no ICMPv6 echo reply from the VIP\n{app.log()}")
        connections = 6
        backend = subprocess.Popen(
            in_ns(NS_BACKEND, sys.executable, "-c", BACKEND6, str(connections)),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: backend.poll() is None and backend.kill() or backend.communicate())
        time.sleep(0.5)
        for _ in range(connections):
            client = sh(*in_ns(NS_CLIENT, sys.executable, "-c", CLIENT, "fd10::100"), check=False)
            if client.returncode != 0:
                app.stop(signal.SIGTERM)
                self.fail(client.stderr + app.log())
            # The backend saw the back interface's IPv6 address (the default SNAT).
            self.assertEqual(client.stdout.strip(), "peer=fd20::1 data=hello")
        backend.communicate(timeout=10)
        self.assertEqual(app.stop(signal.SIGTERM), 0, app.log())
        self.assertRegex(app.log(), r"stopped: rx \d+ tx \d+ .*flows 6 ")

    def test_sigint_also_stops_cleanly(self):
        app = self.start(config_text(f"sluice-e2e-int-{TAG}"))
        self.assertTrue(app.wait_for("sluice running", STARTUP_TIMEOUT_S), app.log())
        self.assertEqual(app.stop(signal.SIGINT), 0, app.log())
        self.assertIn("signal SIGINT: stopping", app.log())

    def test_missing_kernel_interface_is_a_runtime_failure(self):
        app = self.start(config_text(f"sluice-e2e-bad-{TAG}", app_front="no-such-if0"))
        code = app.process.wait(timeout=STARTUP_TIMEOUT_S)
        self.assertEqual(code, 1, app.log())
        self.assertIn("cannot start the DPDK datapath", app.log())

    def test_too_few_lcores_is_a_runtime_failure(self):
        text = config_text(f"sluice-e2e-lc-{TAG}").replace("workers = 1", "workers = 2")
        app = self.start(text)
        code = app.process.wait(timeout=STARTUP_TIMEOUT_S)
        self.assertEqual(code, 1, app.log())
        self.assertIn("dpdk.workers = 2 but EAL offers 1 worker lcore", app.log())


class RunExitCodeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_sluice()

    def run_sluice(self, text, *extra):
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write(text)
        self.addCleanup(os.unlink, f.name)
        return subprocess.run([SLUICE_BIN, "run", "--config", f.name, *extra],
                              capture_output=True, text=True, timeout=30)

    def test_config_error_exits_2_with_diagnostics(self):
        result = self.run_sluice(config_text("x").replace("port = 80", "port = 99999"))
        self.assertEqual(result.returncode, 2)
        self.assertRegex(result.stderr, r"\.toml:\d+:\d+: error: ")

    def test_xdp_mode_without_its_kernel_devices_exits_1(self):
        # xdp mode attaches to each interface's kernel device; one that does not exist is a
        # start-up failure (exit 1) naming it (docs/xdp.md).
        result = self.run_sluice(config_text("x"), "--mode", "xdp")
        self.assertEqual(result.returncode, 1)
        # The kernel stance is set before the program attaches: it is the first to find out.
        self.assertRegex(result.stderr,
                         r"cannot start the XDP datapath: (kernel stand-off: )?interface front")

    def test_bad_mode_is_a_usage_error(self):
        result = self.run_sluice(config_text("x"), "--mode", "bpf")
        self.assertEqual(result.returncode, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
