#!/usr/bin/env python3
"""`sluice check --config FILE` from the outside: exit codes, stdout summary lines, stderr
diagnostics (spec: cli-console.md and config.md; user guide: docs/configuration.md).

The binary comes from the environment: SLUICE_BIN=build/sluice python3 tests/cli/check_cli_test.py
"""
import os
import subprocess
import tempfile
import textwrap
import unittest
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parents[2]
CONFIGS = SOURCE_DIR / "configs"

INTERFACES = textwrap.dedent("""\
    [[interfaces]]
    name = "front"
    dpdk = "net_af_packet0,iface=lb-front"
    addresses = ["10.10.0.1/24", "fd10::1/64"]

    [[interfaces]]
    name = "back"
    dpdk = "net_af_packet1,iface=lb-back"
    addresses = ["10.20.0.1/24", "fd20::1/64"]
    """)


SLUICE_BIN = os.environ.get("SLUICE_BIN", "")


def setUpModule():
    # Fail rather than skip: a test run that silently checks nothing must not look green.
    if not SLUICE_BIN or not os.access(SLUICE_BIN, os.X_OK):
        raise RuntimeError(f"SLUICE_BIN must name the sluice binary (got {SLUICE_BIN!r})")


def run_sluice(*args):
    return subprocess.run([SLUICE_BIN, *args], capture_output=True, text=True, timeout=30)


class CheckCommandTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, name, text):
        path = Path(self.tmp.name) / name
        path.write_text(text)
        return str(path)

    def test_lab_config_prints_one_line_per_service(self):
        result = run_sluice("check", "--config", str(CONFIGS / "lab.toml"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "")
        self.assertEqual(result.stdout.splitlines(), [
            "web  tcp 10.10.0.100:80  maglev  2 backends  proxy v2 on-connect "
            "tlvs=crc32c,unique-id,authority  health http /  snat 10.20.0.1",
            "web6  tcp [fd10::100]:80  maglev  2 backends  proxy v2 on-connect "
            "tlvs=crc32c,unique-id,authority  health none  snat 10.20.0.1",
            "web-v6pool  tcp 10.10.0.100:81  maglev  2 backends  proxy v2 on-connect "
            "tlvs=crc32c,unique-id,authority  health none  snat fd20::1",
            "web6-v6pool  tcp [fd10::100]:81  maglev  2 backends  proxy v2 on-connect "
            "tlvs=crc32c,unique-id,authority  health none  snat fd20::1",
            "banner  tcp 10.10.0.100:25  rr  1 backend  proxy v2 on-connect "
            "tlvs=crc32c,unique-id,authority,0xe0  health none  snat 10.20.0.1",
            "dns  udp 10.10.0.100:53  source-hash  1 backend  proxy v2 every-datagram  "
            "health none  snat 10.20.0.1",
            "dns6  udp [fd10::100]:53  source-hash  1 backend  proxy v2 every-datagram  "
            "health none  snat 10.20.0.1",
            "web-data  tcp 10.10.0.100:82  maglev  2 backends  proxy v2 with-data "
            "tlvs=crc32c  health none  snat 10.20.0.1",
            "web-v1  tcp 10.10.0.100:83  rr  2 backends  proxy v1 on-connect  health none  "
            "snat 10.20.0.1",
        ])

    def test_every_shipped_example_is_valid(self):
        examples = sorted(CONFIGS.glob("*.toml"))
        self.assertGreaterEqual(len(examples), 3)
        for example in examples:
            with self.subTest(example=example.name):
                result = run_sluice("check", "--config", str(example))
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertTrue(result.stdout.strip(), "no service lines")

    def test_all_errors_reported_with_positions_exit_2(self):
        path = self.write("bad.toml", textwrap.dedent("""\
            [dpdk]
            workers = 0
            [[services]]
            name = "web"
            vip = "10.10.0.100"
            port = 80
            snat = ["10.20.0.9"]
            [services.proxy_protocol]
            version = 1
            tlvs = ["crc32c"]
            [[services.backends]]
            address = "10.20.0.2"
            port = 8080
            [[services.backends]]
            address = "10.20.0.2"
            port = 8080
            """) + INTERFACES)
        result = run_sluice("check", "--config", path)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stdout, "")
        self.assertEqual(result.stderr.splitlines(), [
            f"{path}:2:11: error: dpdk.workers: must be between 1 and 128, got 0",
            f"{path}:7:9: error: services[0].snat[0]: 10.20.0.9 is not an address of any "
            "interface",
            f"{path}:10:8: error: services[0].proxy_protocol.tlvs: TLVs need version 2; the "
            "version 1 text header has none",
            f"{path}:15:11: error: services[0].backends[1]: duplicate backend 10.20.0.2:8080 "
            "(also services[0].backends[0])",
        ])

    def test_duplicate_service_and_unknown_key(self):
        service = textwrap.dedent("""\
            [[services]]
            name = "web"
            vip = "10.10.0.100"
            port = 80
            [[services.backends]]
            address = "10.20.0.2"
            port = 8080
            """)
        # `colour` lands in the last table opened: the second service's backend (line 15).
        path = self.write("dup.toml", service + service + "colour = 1\n" + INTERFACES)
        result = run_sluice("check", "--config", path)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr.splitlines(), [
            f"{path}:9:8: error: services[1].name: duplicate service name \"web\" "
            "(also services[0])",
            f"{path}:10:7: error: services[1]: tcp 10.10.0.100:80 is already the listener of "
            "services[0]",
            f"{path}:15:1: error: services[1].backends[0].colour: unknown key",
        ])

    def test_toml_syntax_error(self):
        path = self.write("syntax.toml", "[dpdk]\nworkers = = 1\n")
        result = run_sluice("check", "--config", path)
        self.assertEqual(result.returncode, 2)
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith(f"{path}:2:11: error: "), lines[0])

    def test_missing_file(self):
        path = str(Path(self.tmp.name) / "absent.toml")
        result = run_sluice("check", "--config", path)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr.splitlines(), [
            f"{path}: error: cannot read the configuration: No such file or directory"])

    def test_directory_is_not_a_config(self):
        result = run_sluice("check", "--config", self.tmp.name)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr.splitlines(), [
            f"{self.tmp.name}: error: cannot read the configuration: is a directory"])

    def test_config_option_is_required_and_mode_is_not_an_option(self):
        self.assertEqual(run_sluice("check").returncode, 2)
        result = run_sluice("check", "--config", str(CONFIGS / "lab.toml"), "--mode", "xdp")
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stdout, "")

    def test_help(self):
        result = run_sluice("check", "--help")
        self.assertEqual(result.returncode, 0)
        self.assertIn("--config", result.stdout)


if __name__ == "__main__":
    unittest.main()
