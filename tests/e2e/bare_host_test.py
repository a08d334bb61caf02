#!/usr/bin/env python3
"""dpdk mode on a bare host: `sluice run` with net_af_packet ports on a freshly made pair of
namespaces that nobody prepared (no nft rules, no sysctls, offloads as the kernel made them),
as a new operator would run it. sluice itself keeps the kernel off its ports (docs/dpdk.md,
"The kernel stand-off") and puts everything back when it stops.

  client ns  --veth--  appliance ns (sluice run, af_packet)  --veth--  backend ns (nginx)
  10.10.0.2/24         front 10.10.0.1/24 | back 10.20.0.1/24          10.20.0.2/24

Checks: a PROXY v2 HTTP request reaches nginx (`proxy_protocol`) with the client's own address
and port, a 32 MiB download arrives byte-identical, the health check sees the backend up;
while sluice runs the kernel's stance on its ports is the stand-off's, and after SIGTERM every
value is the one the host had before. Then SIGKILL: the stand-off stays, the next run adopts
it, carries traffic, and its clean stop restores the values of before the first run.

Needs root. SLUICE_BIN=build/sluice python3 tests/e2e/bare_host_test.py
Namespaces are named bh<pid>-*, removed at the end whatever happens.
"""
import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import textwrap
import time
import unittest
from pathlib import Path

from appliance_process import ApplianceProcess, in_ns, sh

SLUICE_BIN = os.environ.get("SLUICE_BIN", "")
TAG = f"{os.getpid() % 100000}"
NS_APP, NS_CLIENT, NS_BACKEND = (f"bh{TAG}-{role}" for role in ("app", "cli", "be"))
FRONT_APP, FRONT_CLIENT = f"bf{TAG}a", f"bf{TAG}c"
BACK_APP, BACK_BACKEND = f"bb{TAG}a", f"bb{TAG}b"
VIP = "10.10.0.100"
CONSOLE_PORT = 7071
BULK_BYTES = 32 * 1024 * 1024
STARTUP_TIMEOUT_S = 30
CONSOLE = Path(__file__).resolve().parent / "lab" / "console_client.py"


def kernel_stance(device):
    """What the stand-off changes on a device, as the host shows it."""
    features = sh(*in_ns(NS_APP, "ethtool", "-k", device)).stdout
    wanted = ("rx-checksumming", "tx-checksumming", "tcp-segmentation-offload",
              "generic-segmentation-offload", "generic-receive-offload",
              "large-receive-offload")
    stance = {}
    for line in features.splitlines():
        name, _, value = line.strip().partition(":")
        if name in wanted:
            stance[name] = value.split()[0] if value.split() else ""
    stance["disable_ipv6"] = sh(*in_ns(NS_APP, "sysctl", "-n",
                                       f"net.ipv6.conf.{device}.disable_ipv6")).stdout.strip()
    return stance


def host_stance():
    return {dev: kernel_stance(dev) for dev in (FRONT_APP, BACK_APP)}


def standoff_table():
    """The stand-off's nft table in the appliance namespace, or None."""
    listing = sh(*in_ns(NS_APP, "nft", "list", "table", "netdev", "sluice_standoff"),
                 check=False)
    return listing.stdout if listing.returncode == 0 else None


def nginx_conf(workdir):
    return textwrap.dedent(f"""\
        user root;
        worker_processes 1;
        daemon off;
        pid {workdir}/nginx.pid;
        error_log {workdir}/nginx-error.log warn;
        events {{ worker_connections 256; }}
        http {{
          access_log off;
          client_body_temp_path {workdir}/body;
          proxy_temp_path {workdir}/proxy;
          fastcgi_temp_path {workdir}/fastcgi;
          uwsgi_temp_path {workdir}/uwsgi;
          scgi_temp_path {workdir}/scgi;
          server {{
            listen 10.20.0.2:8080 proxy_protocol;
            location = / {{
              default_type text/plain;
              return 200 "$proxy_protocol_addr:$proxy_protocol_port\\n";
            }}
            location = /bulk {{ root {workdir}/www; default_type application/octet-stream; }}
          }}
        }}
        """)


def config_text(file_prefix):
    return textwrap.dedent(f"""\
        [dpdk]
        workers = 1
        idle_sleep_us = 50
        eal_args = ["--no-huge", "-m", "512", "--no-shconf", "--no-pci", "-l", "0-1",
                    "--file-prefix={file_prefix}"]
        [console]
        listen = "127.0.0.1:{CONSOLE_PORT}"
        [[interfaces]]
        name = "front"
        dpdk = "net_af_packet0,iface={FRONT_APP}"
        addresses = ["10.10.0.1/24"]
        [[interfaces]]
        name = "back"
        dpdk = "net_af_packet1,iface={BACK_APP}"
        addresses = ["10.20.0.1/24"]
        [[services]]
        name = "web"
        vip = "{VIP}"
        port = 80
        [services.proxy_protocol]
        version = 2
        [services.health]
        kind = "tcp"
        interval_ms = 300
        timeout_ms = 200
        rise = 1
        fall = 2
        [[services.backends]]
        address = "10.20.0.2"
        port = 8080
        """)


def build_namespaces():
    """Links and the other hosts' addresses; the appliance namespace gets its links, up."""
    for ns in (NS_APP, NS_CLIENT, NS_BACKEND):
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
    sh("ip", "link", "add", FRONT_APP, "netns", NS_APP, "type", "veth", "peer", "name",
       FRONT_CLIENT, "netns", NS_CLIENT)
    sh("ip", "link", "add", BACK_APP, "netns", NS_APP, "type", "veth", "peer", "name",
       BACK_BACKEND, "netns", NS_BACKEND)
    for dev in (FRONT_APP, BACK_APP):
        sh("ip", "-n", NS_APP, "link", "set", dev, "up")
        # As a server NIC comes up: receive coalescing on (a veth has GRO off by default).
        # This makes the host harder, not easier: sluice must turn it off and back on.
        sh(*in_ns(NS_APP, "ethtool", "-K", dev, "gro", "on"))
    for ns, dev, address in ((NS_CLIENT, FRONT_CLIENT, "10.10.0.2/24"),
                             (NS_BACKEND, BACK_BACKEND, "10.20.0.2/24")):
        sh("ip", "-n", ns, "addr", "add", address, "dev", dev)
        sh("ip", "-n", ns, "link", "set", dev, "up")
        # A veth is no wire: without this the peer hands partial checksums and 64 KiB TSO
        # frames across. A real NIC finishes both before the wire (docs/lab.md).
        sh(*in_ns(ns, "ethtool", "-K", dev, "tx", "off", "tso", "off", "gso", "off"))
    sh("ip", "-n", NS_CLIENT, "route", "add", "default", "via", "10.10.0.1")


def remove_namespaces():
    for ns in (NS_APP, NS_CLIENT, NS_BACKEND):
        for pid in sh("ip", "netns", "pids", ns, check=False).stdout.split():
            sh("kill", "-KILL", pid, check=False)
        sh("ip", "netns", "del", ns, check=False)


def missing_requirements():
    """What this test needs and the machine lacks: the test fails on any of it (CI runs as
    root with every package scripts/bootstrap installs), never skips."""
    missing = [] if os.geteuid() == 0 else ["root"]
    missing += [tool for tool in ("ip", "nft", "nginx", "curl") if not shutil.which(tool)]
    if not SLUICE_BIN or not Path(SLUICE_BIN).exists():
        missing.append(f"SLUICE_BIN ({SLUICE_BIN or 'unset'})")
    return missing


class Appliance(ApplianceProcess):
    """One `sluice run` in the appliance namespace (appliance_process.py), with its console."""

    def __init__(self, workdir, name):
        super().__init__(NS_APP, SLUICE_BIN, workdir, config_text(f"bh-{TAG}-{name}"), name)

    def console(self, *commands):
        out = sh(*in_ns(NS_APP, "/usr/bin/python3", str(CONSOLE), "--port", str(CONSOLE_PORT),
                        *commands))
        return json.loads(out.stdout)

    def backend_state(self):
        answer = self.console("show backends web json")[0]
        return json.loads(answer.strip().splitlines()[-1])[0]["state"]


class BareHostTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = missing_requirements()
        if missing:
            raise RuntimeError("bare-host test cannot run, missing: " + ", ".join(missing))
        cls.workdir = tempfile.TemporaryDirectory(prefix="sluice-bare-host-")
        work = Path(cls.workdir.name)
        (work / "www").mkdir()
        cls.bulk = os.urandom(BULK_BYTES)
        (work / "www" / "bulk").write_bytes(cls.bulk)
        (work / "nginx.conf").write_text(nginx_conf(work))
        remove_namespaces()
        build_namespaces()
        cls.pristine = host_stance()  # what the kernel made: the values every stop restores
        cls.nginx = subprocess.Popen(
            in_ns(NS_BACKEND, "nginx", "-c", str(work / "nginx.conf")),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            if "10.20.0.2:8080" in sh(*in_ns(NS_BACKEND, "ss", "-Hlnt")).stdout:
                break
            time.sleep(0.1)

    @classmethod
    def tearDownClass(cls):
        cls.nginx.kill()
        cls.nginx.wait()
        remove_namespaces()
        cls.workdir.cleanup()

    def start(self, name):
        app = Appliance(self.workdir.name, name)
        self.addCleanup(app.kill)
        self.assertTrue(app.wait_for("sluice running", STARTUP_TIMEOUT_S), app.log())
        return app

    def curl(self, path, *extra, timeout=10):
        return sh(*in_ns(NS_CLIENT, "curl", "-sS", "--max-time", str(timeout),
                         "--retry", "3", "--retry-connrefused", *extra,
                         f"http://{VIP}{path}"), check=False)

    def assert_proxied_request(self, app):
        # curl prints its own local port after the body: nginx must have seen exactly that.
        answer = self.curl("/", "-w", "%{local_ip}:%{local_port}")
        self.assertEqual(answer.returncode, 0, answer.stderr + app.log())
        seen, _, own = answer.stdout.partition("\n")
        self.assertEqual(seen, own, f"nginx saw {seen!r}, the client is {own!r}")
        self.assertTrue(seen.startswith("10.10.0.2:"), seen)

    def assert_stood_off(self):
        table = standoff_table()
        self.assertIsNotNone(table, "no nft table netdev sluice_standoff while sluice runs")
        for dev in (FRONT_APP, BACK_APP):
            self.assertIn(f'device "{dev}"', table)
            stance = kernel_stance(dev)
            self.assertEqual(stance["disable_ipv6"], "1", dev)
            for feature in ("generic-receive-offload", "tcp-segmentation-offload",
                            "generic-segmentation-offload", "rx-checksumming"):
                self.assertEqual(stance[feature], "off", f"{dev} {feature}")

    def assert_restored(self):
        self.assertIsNone(standoff_table(), "the stand-off's table outlived sluice")
        self.assertEqual(host_stance(), self.pristine)

    def test_1_bare_namespaces_carry_proxy_traffic_and_are_restored(self):
        self.assertIsNone(standoff_table())
        self.assertEqual(self.pristine[FRONT_APP]["generic-receive-offload"], "on",
                         "the test must start from the kernel's defaults (GRO on)")
        app = self.start("first")
        self.assert_stood_off()
        self.assertIn("kernel stand-off on " + FRONT_APP, app.log())

        self.assert_proxied_request(app)
        download = subprocess.run(
            in_ns(NS_CLIENT, "curl", "-sS", "--max-time", "60", f"http://{VIP}/bulk"),
            capture_output=True)
        self.assertEqual(download.returncode, 0, download.stderr.decode() + app.log())
        self.assertEqual(len(download.stdout), BULK_BYTES)
        self.assertEqual(hashlib.sha256(download.stdout).hexdigest(),
                         hashlib.sha256(self.bulk).hexdigest())

        # The health check (through the host path: the kernel's own TCP) sees nginx up.
        deadline = time.monotonic() + 10
        state = None
        while time.monotonic() < deadline:
            state = app.backend_state()
            if state == "up":
                break
            time.sleep(0.3)
        self.assertEqual(state, "up", app.log())

        self.assertEqual(app.stop(signal.SIGTERM), 0, app.log())
        self.assertIn("kernel stand-off: " + FRONT_APP + " restored", app.log())
        self.assert_restored()

    def test_2_after_sigkill_the_next_run_starts_clean(self):
        first = self.start("first")
        self.assert_proxied_request(first)
        first.kill()  # SIGKILL: no destructor runs
        self.assertIsNotNone(standoff_table(), "SIGKILL cannot have removed the table")
        self.assertEqual(kernel_stance(FRONT_APP)["generic-receive-offload"], "off")

        second = self.start("second")
        self.assertIn("adopting it", second.log())
        self.assert_stood_off()
        self.assert_proxied_request(second)
        self.assertEqual(second.stop(signal.SIGTERM), 0, second.log())
        # The values of before the *first* run, not the ones the killed run left.
        self.assert_restored()


if __name__ == "__main__":
    unittest.main(verbosity=2)
