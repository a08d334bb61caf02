#!/usr/bin/python3
"""Health probes against real servers that require a PROXY header.

nginx (`listen ... proxy_protocol`) and HAProxy (`bind ... accept-proxy`) on loopback: a probe
that starts with the PROXY v2 LOCAL header must find them healthy, and the same probe without
the header must not (they refuse a connection that lacks it). Runs health_probe_once
(probe_once.cpp) for each case. Both servers are installed by scripts/bootstrap.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

PROBE = os.environ["SLUICE_HEALTH_PROBE"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, process):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def probe(kind, port, path, proxy):
    out = subprocess.run([PROBE, kind, "127.0.0.1", str(port), path,
                          "proxy" if proxy else "plain"],
                         capture_output=True, text=True, timeout=30, check=True)
    return out.stdout.strip()


class RealBackendsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sluice-health-")
        self.processes = []

    def tearDown(self):
        for process in self.processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, argv, port):
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.processes.append(process)
        wait_listening(port, process)

    def test_nginx_with_proxy_protocol(self):
        self.assertTrue(shutil.which("nginx"), "nginx is missing: run scripts/bootstrap")
        port = free_port()
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log;
events {{}}
http {{
  access_log off;
  client_body_temp_path {self.dir};
  proxy_temp_path {self.dir};
  fastcgi_temp_path {self.dir};
  uwsgi_temp_path {self.dir};
  scgi_temp_path {self.dir};
  server {{
    listen 127.0.0.1:{port} proxy_protocol;
    location = /healthz {{ return 200 "ok\\n"; }}
    location = /moved {{ return 302 /healthz; }}
    location / {{ return 503; }}
  }}
}}
""")
        self.start(["nginx", "-p", self.dir, "-c", conf, "-g", "daemon off;"], port)
        self.assertEqual(probe("http", port, "/healthz", True), "up HTTP 200")
        self.assertEqual(probe("http", port, "/moved", True), "up HTTP 302")
        self.assertEqual(probe("http", port, "/other", True), "down HTTP 503")
        # Without the header nginx answers nothing ("broken header") and closes.
        self.assertTrue(probe("http", port, "/healthz", False).startswith("down "))

    def test_haproxy_with_accept_proxy(self):
        self.assertTrue(shutil.which("haproxy"), "haproxy is missing: run scripts/bootstrap")
        port = free_port()
        conf = os.path.join(self.dir, "haproxy.cfg")
        with open(conf, "w") as f:
            f.write(f"""
defaults
  mode http
  timeout connect 2s
  timeout client 2s
  timeout server 2s
frontend health
  bind 127.0.0.1:{port} accept-proxy
  http-request return status 200 content-type text/plain string ok if {{ path /healthz }}
  http-request return status 500 content-type text/plain string no
""")
        self.start(["haproxy", "-db", "-f", conf], port)
        self.assertEqual(probe("http", port, "/healthz", True), "up HTTP 200")
        self.assertEqual(probe("http", port, "/x", True), "down HTTP 500")
        self.assertTrue(probe("http", port, "/healthz", False).startswith("down "))
        self.assertEqual(probe("tcp", port, "/", True), "up connected")


if __name__ == "__main__":
    unittest.main()
