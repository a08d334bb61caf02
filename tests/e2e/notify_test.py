#!/usr/bin/env python3
"""`sluice run` speaks systemd's notification protocol (control/runtime/sd_notify.hpp) with
the capabilities of the packaged unit, not full root.

PID 1 on a test machine need not be systemd (on the CI container it is not), so the unit is
not started here: this test plays systemd's part. It binds an AF_UNIX datagram socket, runs
`sluice run` with NOTIFY_SOCKET pointing at it, inside a namespace of its own and under
`setpriv` with exactly the CapabilityBoundingSet of packaging/debian/sluice.service, and
checks, in both datapaths:

  * READY=1 (with a STATUS= naming the console and metrics) arrives, after the datapath
    logged that it runs, and at that moment the appliance already answers: a ping from the
    client namespace is replied to by the datapath, the console answers `show version`;
  * SIGHUP gives RELOADING=1 with MONOTONIC_USEC, then READY=1 again (dpdk mode);
  * SIGTERM gives STOPPING=1 and exit 0;
  * with JOURNAL_STREAM naming its stderr, each log line starts with a syslog priority.

  client ns (nt<pid>-cli, 10.77.0.2/24)  --veth--  appliance ns (nt<pid>-app, 10.77.0.1/24)

Needs root (namespaces, AF_PACKET, XDP): fails, never skips, without it.
SLUICE_BIN=build/sluice python3 tests/e2e/notify_test.py
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
from pathlib import Path

from appliance_process import in_ns, sh
from run_smoke_test import PING

SLUICE_BIN = os.environ.get("SLUICE_BIN", "")
ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "packaging" / "debian" / "sluice.service"
TAG = f"{os.getpid() % 100000}"
NS_APP, NS_CLIENT = f"nt{TAG}-app", f"nt{TAG}-cli"
DEV_APP, DEV_CLIENT = f"nt{TAG}a", f"nt{TAG}c"
CONSOLE_PORT, METRICS_PORT = 7081, 9181
READY_TIMEOUT_S = 40
CONSOLE = ROOT / "tests" / "e2e" / "lab" / "console_client.py"


def unit_capabilities():
    """The unit's CapabilityBoundingSet, as setpriv names them: ["net_admin", ...]."""
    for line in UNIT.read_text().splitlines():
        if line.startswith("CapabilityBoundingSet="):
            return [cap.lower().removeprefix("cap_") for cap in line.split("=", 1)[1].split()]
    raise AssertionError(f"{UNIT} has no CapabilityBoundingSet")


# linux/capability.h numbers of the capabilities a unit may name here.
CAPABILITY_BITS = {"net_bind_service": 10, "net_admin": 12, "net_raw": 13, "ipc_lock": 14,
                   "sys_admin": 21, "sys_resource": 24, "perfmon": 38, "bpf": 39}


def config_text(mode):
    datapath = {
        "dpdk": textwrap.dedent(f"""\
            [dpdk]
            workers = 1
            idle_sleep_us = 50
            eal_args = ["--no-huge", "-m", "256", "--no-shconf", "--no-pci", "-l", "0-1",
                        "--file-prefix=nt{TAG}"]
            """),
        "xdp": '[xdp]\nattach = "generic"\n',
    }[mode]
    interface = (f'dpdk = "net_af_packet0,iface={DEV_APP}"\nkernel = "{DEV_APP}"'
                 if mode == "dpdk" else f'kernel = "{DEV_APP}"')
    return f"""[appliance]
mode = "{mode}"
{datapath}
[console]
listen = "127.0.0.1:{CONSOLE_PORT}"
[metrics]
listen = "127.0.0.1:{METRICS_PORT}"
[[interfaces]]
name = "front"
{interface}
addresses = ["10.77.0.1/24"]
[[services]]
name = "web"
vip = "10.77.0.100"
port = 80
[[services.backends]]
address = "10.77.0.3"
port = 8080
"""


class NotifySocket:
    """The service manager's end: an AF_UNIX datagram socket in a private directory."""

    def __init__(self, directory):
        self.path = str(Path(directory) / "notify.sock")
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(self.path)

    def next(self, timeout):
        """The next datagram as text, or None after `timeout` s."""
        self.socket.settimeout(timeout)
        try:
            return self.socket.recv(4096).decode()
        except socket.timeout:
            return None


def fields(message):
    return dict(line.split("=", 1) for line in message.splitlines())


class NotifyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Fails, not skips: CI runs as root and a skipped test would read as a pass.
        if os.geteuid() != 0:
            raise AssertionError("notify_test needs root (namespaces, AF_PACKET, XDP)")
        if not SLUICE_BIN or not Path(SLUICE_BIN).exists():
            raise AssertionError("SLUICE_BIN must name the built sluice binary")
        cls.capabilities = unit_capabilities()
        remove_namespaces()
        for ns in (NS_APP, NS_CLIENT):
            sh("ip", "netns", "add", ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "link", "add", DEV_APP, "netns", NS_APP, "type", "veth", "peer", "name",
           DEV_CLIENT, "netns", NS_CLIENT)
        sh("ip", "-n", NS_APP, "link", "set", DEV_APP, "up")
        sh("ip", "-n", NS_CLIENT, "addr", "add", "10.77.0.2/24", "dev", DEV_CLIENT)
        sh("ip", "-n", NS_CLIENT, "link", "set", DEV_CLIENT, "up")
        sh(*in_ns(NS_CLIENT, "ethtool", "-K", DEV_CLIENT, "tx", "off"))

    @classmethod
    def tearDownClass(cls):
        remove_namespaces()

    def setUp(self):
        self.workdir = tempfile.TemporaryDirectory(prefix="sluice-notify-")
        self.notify = NotifySocket(self.workdir.name)
        self.process = None

    def tearDown(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.notify.socket.close()
        self.workdir.cleanup()

    def start(self, mode, journal=False):
        work = Path(self.workdir.name)
        config = work / "sluice.toml"
        config.write_text(config_text(mode))
        self.log_path = work / "sluice.log"
        log = open(self.log_path, "w")
        env = dict(os.environ, NOTIFY_SOCKET=self.notify.path)
        if journal:  # what systemd sets when stderr is its journal stream
            status = os.fstat(log.fileno())
            env["JOURNAL_STREAM"] = f"{status.st_dev}:{status.st_ino}"
        bounding = ",".join(["-all"] + [f"+{cap}" for cap in self.capabilities])
        # The unit runs sluice as uid 0 with only these capabilities: the same here.
        command = in_ns(NS_APP, "setpriv", f"--bounding-set={bounding}", "--",
                        SLUICE_BIN, "run", "--config", str(config))
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()

    def log(self):
        return self.log_path.read_text()

    def expect(self, prefix, timeout=10):
        message = self.notify.next(timeout)
        self.assertIsNotNone(message, f"no notification, wanted {prefix!r}; log:\n{self.log()}")
        self.assertTrue(message.startswith(prefix), f"{message!r}, wanted {prefix!r}")
        return fields(message)

    def assert_up_at_ready(self, mode):
        ready = self.expect("READY=1", READY_TIMEOUT_S)
        # At READY=1 the appliance is up: the datapath logged so and answers, the listeners
        # are bound. No retry loop: a READY sent too early fails here.
        self.assertIn("sluice running", self.log())
        self.assertEqual(ready["STATUS"], f"serving 1 service(s), console 127.0.0.1:"
                         f"{CONSOLE_PORT}, metrics 127.0.0.1:{METRICS_PORT}")
        ping = sh(*in_ns(NS_CLIENT, sys.executable, "-c", PING, "10.77.0.1"), check=False)
        self.assertEqual(ping.returncode, 0, f"no echo reply at READY=1 ({mode}); log:\n"
                         f"{self.log()}")
        console = sh(*in_ns(NS_APP, sys.executable, str(CONSOLE), "--port", str(CONSOLE_PORT),
                            "show version"))
        self.assertIn(f"mode: {mode}", console.stdout)
        # ip netns exec and setpriv exec'd: the pid is sluice's, and it runs with the unit's
        # capabilities and no others (no CAP_SYS_ADMIN).
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        self.assertIn("Name:\tsluice", status)
        wanted = sum(1 << CAPABILITY_BITS[cap] for cap in self.capabilities)
        for field in ("CapBnd", "CapEff"):
            value = int(re.search(rf"{field}:\s*([0-9a-f]+)", status).group(1), 16)
            self.assertEqual(value, wanted, f"{field} {value:x}, wanted {wanted:x}")

    def stop_and_expect_stopping(self):
        self.process.send_signal(15)
        self.expect("STOPPING=1")
        self.assertEqual(self.process.wait(timeout=20), 0, self.log())
        self.assertIsNone(self.notify.next(0.5), "nothing after STOPPING=1")

    def test_dpdk_ready_reload_stop_with_the_unit_capabilities(self):
        self.start("dpdk")
        self.assert_up_at_ready("dpdk")
        self.process.send_signal(1)  # SIGHUP: systemctl reload's ExecReload
        reloading = self.expect("RELOADING=1")
        self.assertGreater(int(reloading["MONOTONIC_USEC"]), 0)
        self.expect("READY=1")
        self.stop_and_expect_stopping()

    def test_xdp_ready_and_stop_with_the_unit_capabilities(self):
        self.start("xdp")
        self.assert_up_at_ready("xdp")
        self.stop_and_expect_stopping()

    def test_journal_stream_lines_carry_their_priority(self):
        self.start("dpdk", journal=True)
        self.expect("READY=1", READY_TIMEOUT_S)
        self.stop_and_expect_stopping()
        lines = [line for line in self.log().splitlines() if line.startswith("<")]
        self.assertTrue(any(re.match(r"<6>sluice running", line) for line in lines), self.log())
        self.assertTrue(any(line.startswith("<6>signal SIGTERM: stopping") for line in lines))
        # No timestamp of sluice's own: the journal has one.
        self.assertFalse(any(re.match(r"<\d>\d{4}-\d\d-\d\dT", line) for line in lines))


def remove_namespaces():
    for ns in (NS_APP, NS_CLIENT):
        for pid in sh("ip", "netns", "pids", ns, check=False).stdout.split():
            sh("kill", "-KILL", pid, check=False)
        sh("ip", "netns", "del", ns, check=False)


if __name__ == "__main__":
    unittest.main(verbosity=2)
