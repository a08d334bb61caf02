#!/usr/bin/python3
"""The Debian package as an operator gets it (docs/packaging.md).

Builds it with scripts/package (PACKAGE_NO_BUILD=1: the binary meson test just built), then:
  * the archive: the files an appliance package must have, the conffile, Depends derived by
    dpkg-shlibdeps (libdpdk, libbpf, spdlog, ...) and satisfiable on this host (apt-get
    --simulate), maintainer scripts that parse;
  * installs it with dpkg into a scratch root (--root, chrootless scripts, --force-depends
    because that root's own database has no libraries: they are this host's), and runs the
    installed /usr/sbin/sluice: --version, `check --config` on the installed
    /etc/sluice/sluice.toml and on every installed example; renders both man pages;
  * the unit: `systemd-analyze verify` and the lines the appliance relies on. PID 1 on the
    CI machine is not systemd, so the unit is not started here; tests/e2e/notify_test.py
    plays systemd's part for Type=notify with the unit's capabilities;
  * purges it: files and conffile gone.

Needs root (dpkg --root writes a dpkg database). Fails, never skips, without it.
"""
import os
import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = Path(os.environ.get("SLUICE_BUILD_DIR", ROOT / "build"))


def run(*args, check=True, **kwargs):
    return subprocess.run(list(args), check=check, capture_output=True, text=True, **kwargs)


def dpkg(root, *args):
    # Chrootless: the scratch root has no /bin/sh of its own; the scripts see DPKG_ROOT.
    return run("dpkg", f"--root={root}", "--force-script-chrootless", "--force-depends",
               "--log=/dev/null", *args)


class PackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise AssertionError("package_test needs root (dpkg --root); CI runs as root")
        built = run(str(ROOT / "scripts" / "package"), check=False,
                    env=dict(os.environ, BUILD_DIR=str(BUILD_DIR), PACKAGE_NO_BUILD="1"))
        if built.returncode != 0:
            raise AssertionError(f"scripts/package failed:\n{built.stdout}\n{built.stderr}")
        cls.deb = Path(built.stdout.strip().splitlines()[-1])
        assert cls.deb.is_file(), built.stdout
        cls.scratch = tempfile.TemporaryDirectory(prefix="sluice-package-")
        cls.root = Path(cls.scratch.name) / "root"
        for sub in ("var/lib/dpkg/info", "var/lib/dpkg/updates"):
            (cls.root / sub).mkdir(parents=True)
        (cls.root / "var/lib/dpkg/status").touch()
        cls.installed = dpkg(cls.root, "--install", str(cls.deb))

    @classmethod
    def tearDownClass(cls):
        cls.scratch.cleanup()

    def field(self, name):
        return run("dpkg-deb", "--field", str(self.deb), name).stdout.strip()

    def test_archive_holds_an_appliance(self):
        listing = run("dpkg-deb", "--contents", str(self.deb)).stdout
        for path in ("./usr/sbin/sluice", "./etc/sluice/sluice.toml",
                     "./lib/systemd/system/sluice.service", "./usr/share/man/man8/sluice.8.gz",
                     "./usr/share/man/man5/sluice.toml.5.gz",
                     "./usr/share/doc/sluice/examples/dpdk-example.toml",
                     "./usr/share/doc/sluice/examples/xdp-example.toml",
                     "./usr/share/doc/sluice/examples/lab.toml",
                     "./usr/share/doc/sluice/dashboard/sluice.json",
                     "./usr/share/doc/sluice/copyright"):
            self.assertRegex(listing, rf"root/root .* {re.escape(path)}\n", path)
        self.assertRegex(listing, r"-rwxr-xr-x root/root .* \./usr/sbin/sluice\n")
        self.assertEqual(run("dpkg-deb", "--ctrl-tarfile", str(self.deb)).returncode, 0)
        control = Path(self.scratch.name) / "control"
        run("dpkg-deb", "--control", str(self.deb), str(control))
        self.assertEqual((control / "conffiles").read_text(), "/etc/sluice/sluice.toml\n")
        for script in ("postinst", "prerm", "postrm"):
            self.assertTrue(os.access(control / script, os.X_OK), script)
            run("sh", "-n", str(control / script))
        self.assertEqual(self.field("Package"), "sluice")
        self.assertEqual(self.field("Version"), "0.1.0-1")

    def test_depends_are_the_runtime_libraries_and_resolve_here(self):
        depends = self.field("Depends")
        # From dpkg-shlibdeps on the binary, not a hand-kept list.
        for library in ("libc6", "libstdc++6", "libspdlog1.10-fmt9", "libfmt9", "libbpf1",
                        "libtomlplusplus3", "librte-eal23", "librte-ethdev23",
                        # EAL plugins, which dpkg-shlibdeps cannot see (scripts/package)
                        "librte-mempool-ring23", "librte-net-af-packet23"):
            self.assertRegex(depends, rf"(^|, ){re.escape(library)}( |,|$)", depends)
        for tool in ("iproute2", "nftables", "ethtool"):
            self.assertIn(tool, depends)
        simulated = run("apt-get", "--simulate", "--no-install-recommends", "install",
                        str(self.deb), check=False)
        self.assertEqual(simulated.returncode, 0, simulated.stdout + simulated.stderr)
        self.assertRegex(simulated.stdout, r"Inst sluice ")
        self.assertNotRegex(simulated.stdout, r"Inst (?!sluice )", "a dependency is missing")

    def test_installed_with_dpkg(self):
        self.assertEqual(self.installed.returncode, 0, self.installed.stderr)
        status = run("dpkg", f"--root={self.root}", "--status", "sluice").stdout
        self.assertIn("Status: install ok installed", status)
        self.assertRegex(status, r"Conffiles:\n /etc/sluice/sluice.toml [0-9a-f]{32}")

    def test_installed_binary_runs(self):
        sluice = str(self.root / "usr/sbin/sluice")
        version = run(sluice, "--version")
        self.assertEqual(version.stdout.strip(), "0.1.0")
        unresolved = [line for line in run("ldd", sluice).stdout.splitlines()
                      if "not found" in line]
        self.assertEqual(unresolved, [])

    def test_installed_config_and_examples_pass_check(self):
        sluice = str(self.root / "usr/sbin/sluice")
        config = self.root / "etc/sluice/sluice.toml"
        checked = run(sluice, "check", "--config", str(config), check=False)
        self.assertEqual(checked.returncode, 0, checked.stderr)
        self.assertRegex(checked.stdout, r"^https  tcp 192\.0\.2\.100:443  maglev")
        self.assertTrue(config.read_text().startswith("# /etc/sluice/sluice.toml"))
        examples = sorted((self.root / "usr/share/doc/sluice/examples").glob("*.toml"))
        self.assertEqual([e.name for e in examples],
                         ["dpdk-example.toml", "lab.toml", "xdp-example.toml"])
        for example in examples:
            result = run(sluice, "check", "--config", str(example), check=False)
            self.assertEqual(result.returncode, 0, f"{example.name}: {result.stderr}")

    def test_man_pages_render_what_the_docs_say(self):
        pages = {"man8/sluice.8.gz": ("SLUICE(8)", "sluice check", "show conntrack",
                                      "backend weight SERVICE ADDR:PORT N", "FILES"),
                 "man5/sluice.toml.5.gz": ("SLUICE.TOML(5)", "[[services]]",
                                           "kernel_standoff", "FILE:LINE:COL")}
        for page, wanted in pages.items():
            rendered = run("man", "--local-file", str(self.root / "usr/share/man" / page),
                           env=dict(os.environ, MANWIDTH="100", MAN_KEEP_FORMATTING="0"))
            text = re.sub(r".\x08", "", rendered.stdout)
            for phrase in wanted:
                self.assertIn(phrase, text, f"{page}: {phrase}")

    def test_unit_verifies_and_says_what_the_appliance_needs(self):
        unit = self.root / "lib/systemd/system/sluice.service"
        text = unit.read_text()
        for line in ("Type=notify", "NotifyAccess=main",
                     "ExecStartPre=/usr/sbin/sluice check --config /etc/sluice/sluice.toml",
                     "ExecStart=/usr/sbin/sluice run --config /etc/sluice/sluice.toml",
                     "ExecReload=/bin/kill -HUP $MAINPID", "Restart=on-failure",
                     "RestartPreventExitStatus=2", "StandardError=journal",
                     "LimitMEMLOCK=infinity", "WantedBy=multi-user.target"):
            self.assertIn(f"\n{line}\n", text, line)
        bounding = re.search(r"\nCapabilityBoundingSet=(.*)\n", text).group(1).split()
        ambient = re.search(r"\nAmbientCapabilities=(.*)\n", text).group(1).split()
        self.assertEqual(bounding, ambient)
        self.assertIn("CAP_NET_ADMIN", bounding)
        self.assertNotIn("CAP_SYS_ADMIN", bounding)  # not full root
        verify = shutil.which("systemd-analyze")
        self.assertIsNotNone(verify, "systemd-analyze (package systemd, scripts/bootstrap)")
        # --root: the unit's binaries are looked up in the scratch root, where dpkg put them.
        # That root is no whole system: it gets what a Debian host has around the package, the
        # host's own units (sysinit.target, network-online.target ...) and /bin/kill of
        # ExecReload. Man pages are checked above (--man=no: `man` is not in that root).
        verify_root = Path(self.scratch.name) / "verify-root"
        shutil.copytree(self.root, verify_root, symlinks=True)
        for units in ("/lib/systemd/system", "/usr/lib/systemd/system"):
            if Path(units).is_dir() and not Path(units).is_symlink():
                shutil.copytree(units, verify_root / units.lstrip("/"), symlinks=True,
                                dirs_exist_ok=True)
        (verify_root / "bin").mkdir(exist_ok=True)
        shutil.copy2(os.path.realpath("/bin/kill"), verify_root / "bin/kill")
        checked = run(verify, "verify", f"--root={verify_root}", "--man=no",
                      "/lib/systemd/system/sluice.service", check=False)
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)
        # A line systemd cannot parse is only a warning ("ignoring"), exit status 0: none.
        self.assertEqual(checked.stdout + checked.stderr, "")

    def test_zz_purge_removes_everything(self):
        dpkg(self.root, "--purge", "sluice")
        self.assertFalse((self.root / "usr/sbin/sluice").exists())
        self.assertFalse((self.root / "etc/sluice").exists())
        self.assertFalse((self.root / "lib/systemd/system/sluice.service").exists())


if __name__ == "__main__":
    unittest.main(verbosity=2)
