"""The soak (issue 15; docs/reliability.md "Soak", "Reload under load"): mixed traffic through
the appliance for SOAK_SECONDS while the configuration is reloaded every SOAK_RELOAD_EVERY
seconds, then the bounds. Run by scripts/soak (tests/e2e/run with E2E_TESTS_DIR=tests/soak and
configs/lab.toml + tests/soak/soak.toml as the appliance's config), in dpdk and xdp mode.

Traffic, all at once (tests/soak/soak_client.py in sl-client, curl for the transfers):
  short HTTP/1.0 connections to web (IPv4), web6, web-data (header with the data), web-v1
  (PROXY v1) and churn; keep-alive connections to web and web6 for the whole run; the banner
  service (server speaks first, HAProxy accept-proxy checks every header); UDP to dns and
  dns6 (one flow a second, each datagram answered with the client the header named); 32 MiB
  downloads and uploads through web-v6pool (:81) under 1 % random loss on both links, sha256
  checked; and 1 % of the PROXY header segments (client-port flows only, not health probes)
  dropped on the way to the backends, so header resends happen throughout.

Reloads, alternately console `reload` and SIGHUP after rewriting the file: service extra-N
added and extra-(N-1) removed each time (and probed at once), web's and churn's weights
changed, a backend added to and removed from churn, web's 10.20.0.2:8080 disabled and enabled
on the console (its keep-alive flows must continue), and churn's 10.20.0.2:8090 (a second nginx
of sl-backend) killed and restarted so its health check goes down and up.

Bounds (each a failure when violated): every short, banner and UDP exchange of the unchanged
services answered correctly (the client and port the backend read from the header), no
keep-alive connection lost, every transfer byte-identical, every reload accepted and the
appliance alive throughout, no header given up, RSS growth after the warm-up within
RSS_GROWTH_BOUND_MIB, and no flow left once the traffic stopped and the timeouts passed.
"""
import json
import os
import signal
import subprocess
import threading
import time

from labtools import (CLIENT4, CLIENT6, LAB_RUN, PROXY_SIGNATURE_HEX, PY, ROOT, SLUICE_CONFIG,
                      VIP4, VIP6, LabTestCase, Nft, client, console, console_json, ns,
                      sha256_file)

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
RELOAD_EVERY = float(os.environ.get("SOAK_RELOAD_EVERY", "5"))
APPLIANCE_PID = int(os.environ.get("APPLIANCE_PID") or 0)
SUMMARY_DIR = os.environ.get("E2E_LOG_DIR", "/tmp/sluice-e2e")
APPLIANCE = os.environ.get("APPLIANCE", "?")
SOAK_CLIENT = os.path.join(ROOT, "tests", "soak", "soak_client.py")
BULK = os.path.join(LAB_RUN, "www", "bulk")
LOSS_PERCENT = 1
# RSS may grow while the traffic first touches the pools (mbufs, the flow table's pages); from
# the end of the warm-up to the end of the run it may grow by at most this much. A leak of one
# allocation per flow (hundreds of thousands of flows in 10 minutes) exceeds it many times.
RSS_GROWTH_BOUND_MIB = 16
WARMUP_SECONDS = min(60.0, SOAK_SECONDS / 5)
FLAPPY = ("10.20.0.2", 8090)
WEB_BACKEND_3 = 'address = "10.20.0.3"\nport = 8080\n'
CHURN_FLAPPY = 'address = "10.20.0.2"\nport = 8090\n'
DISABLED = "10.20.0.2:8080"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def stats():
    return console_json("show stats json")


def nic_drops():
    """Frames the appliance's ports lost before it read them (ring overruns: NIC missed, rx
    errors, no mbuf; `show interfaces` drops), summed over the interfaces."""
    return sum(i["drops"] for i in console_json("show interfaces json"))


def reached_receiver(payloads):
    """Which of these payloads the lab's UDP receiver logged (with a parsed PROXY header)."""
    if not payloads:
        return {}
    seen = set()
    with open(os.path.join(LAB_RUN, "udp-receiver.jsonl"), errors="replace") as f:
        for line in f:
            for p in payloads:
                if f'"{p}"' in line:
                    seen.add(p)
    return {p: p in seen for p in payloads}


def log_levels(path):
    """(lines of level error or critical, health DOWN lines per service:backend) of a sluice log."""
    serious, down = [], {}
    if not path or not os.path.exists(path):
        return None, {}
    with open(path, errors="replace") as f:
        for line in f:
            fields = line.split(" ", 2)
            if len(fields) == 3 and fields[1] in ("error", "critical"):
                serious.append(line.strip()[:300])
            if " is DOWN after " in line:
                key = line.split("health: ", 1)[1].split(" is DOWN")[0]
                down[key] = down.get(key, 0) + 1
    return serious, down


class Flappy:
    """A second nginx in sl-backend on 10.20.0.2:8090 (churn's first backend): killed with its
    flows and restarted by the reload loop. Its pid file lets `scripts/lab down` stop it."""

    def __init__(self):
        with open(os.path.join(LAB_RUN, "nginx.conf")) as f:
            text = f.read()
        lines = []
        for line in text.splitlines():
            if line.strip().startswith("listen "):
                if "10.20.0.2:8080" in line:
                    lines.append("    listen 10.20.0.2:8090 proxy_protocol;")
                continue
            lines.append(line)
        text = "\n".join(lines).replace("nginx.pidfile", "nginx-flappy.pidfile")
        text = text.replace("nginx-error.log", "nginx-flappy-error.log")
        text = text.replace("nginx-access.log", "nginx-flappy-access.log")
        text = text.replace("nginx-pp.log", "nginx-flappy-pp.log")
        self.conf = os.path.join(LAB_RUN, "nginx-flappy.conf")
        with open(self.conf, "w") as f:
            f.write(text + "\n")
        self.process = None
        self.kills = self.starts = 0

    def start(self):
        self.process = subprocess.Popen(["ip", "netns", "exec", "sl-backend", "nginx", "-c", self.conf],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        with open(os.path.join(LAB_RUN, "soak-nginx.pid"), "w") as f:
            f.write(f"{self.process.pid}\n")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            out = ns("sl-backend", "ss", "-Hlnt", "sport = :8090").stdout
            if out.strip():
                self.starts += 1
                return
            time.sleep(0.1)
        raise RuntimeError("the second nginx did not listen on :8090")

    def kill(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # master and worker: their flows go too
            self.process.wait()
            self.kills += 1
        self.process = None

    def running(self):
        return self.process is not None


def spawn(kind, host, port, seconds, client_address, *extra):
    return subprocess.Popen(["ip", "netns", "exec", "sl-client", PY, SOAK_CLIENT, kind, host,
                             str(port), "--seconds", str(seconds), "--client", client_address,
                             *map(str, extra)], stdout=subprocess.PIPE, text=True)


class Transfers(threading.Thread):
    """32 MiB down and up at the same time, again and again, through web-v6pool (:81)."""

    def __init__(self, seconds):
        super().__init__(daemon=True)
        self.deadline = time.monotonic() + seconds
        self.downloads = self.uploads = self.corrupted = self.failed = 0
        self.bytes_verified = 0
        self.errors = []
        self.source = os.path.join(LAB_RUN, "soak-up-src")
        subprocess.run(["head", "-c", str(32 << 20), "/dev/urandom"], check=True,
                       stdout=open(self.source, "wb"), timeout=60)
        self.source_sha = sha256_file(self.source)
        self.bulk_sha = sha256_file(BULK)

    def run(self):
        n = 0
        while time.monotonic() < self.deadline:
            n += 1
            dl = os.path.join(LAB_RUN, "soak-dl")
            up_name = f"soak-up-{n}"
            curl = ["ip", "netns", "exec", "sl-client", "curl", "-sS", "--fail", "-m", "300"]
            down = subprocess.Popen(curl + ["-o", dl, f"http://{VIP4}:81/bulk"],
                                    stderr=subprocess.PIPE, text=True)
            up = subprocess.Popen(curl + ["-T", self.source, f"http://{VIP4}:81/upload/{up_name}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for name, process in (("download", down), ("upload", up)):
                _, err = process.communicate(timeout=330)
                if process.returncode != 0:
                    self.failed += 1
                    self.errors.append(f"{name} {n}: curl {process.returncode} {err.strip()}")
            self.check(dl, self.bulk_sha, "download", n)
            uploaded = os.path.join(LAB_RUN, "uploads", up_name)
            self.check(uploaded, self.source_sha, "upload", n)
            for path in (dl, uploaded):
                if os.path.exists(path):
                    os.unlink(path)

    def check(self, path, want, name, n):
        if not os.path.exists(path):
            return  # counted as failed above
        if sha256_file(path) == want:
            self.bytes_verified += os.path.getsize(path)
            if name == "download":
                self.downloads += 1
            else:
                self.uploads += 1
        else:
            self.corrupted += 1
            self.errors.append(f"{name} {n}: sha256 differs")


class Soak(LabTestCase):
    def test_soak(self):
        self.assertTrue(APPLIANCE_PID, "needs the appliance's pid (APPLIANCE_PID)")
        report = {"appliance": APPLIANCE, "seconds": SOAK_SECONDS, "reload_every": RELOAD_EVERY,
                  "failures": []}
        fail = report["failures"].append
        with open(SLUICE_CONFIG) as f:
            base = f.read()
        self.assertIn(WEB_BACKEND_3, base)
        self.assertIn(CHURN_FLAPPY, base, "scripts/soak appends tests/soak/soak.toml")
        flappy = Flappy()
        flappy.start()
        # Both churn backends up before the traffic starts.
        self.assertTrue(self.wait_backend("churn", "10.20.0.2:8090", "up", 15), "churn not up")
        before = stats()
        nic_before = nic_drops()
        report["rss_kib"] = {"start": rss_kib(APPLIANCE_PID)}

        transfers = Transfers(SOAK_SECONDS)
        seconds = SOAK_SECONDS
        clients = [
            spawn("short", VIP4, 80, seconds, CLIENT4, "--concurrency", 3),
            spawn("short", VIP6, 80, seconds, CLIENT6, "--concurrency", 1),
            spawn("short", VIP4, 82, seconds, CLIENT4, "--concurrency", 1),
            spawn("short", VIP4, 83, seconds, CLIENT4, "--concurrency", 1),
            spawn("short", VIP4, 90, seconds, CLIENT4, "--concurrency", 1, "--timeout", 3),
            spawn("keepalive", VIP4, 80, seconds, CLIENT4, "--connections", 6,
                  "--want", "10.20.0.2,10.20.0.3"),
            spawn("keepalive", VIP6, 80, seconds, CLIENT6, "--connections", 2),
            spawn("banner", VIP4, 25, seconds, CLIENT4, "--interval", 0.05),
            spawn("udp", VIP4, 53, seconds, CLIENT4, "--rate", 10, "--timeout", 5),
            spawn("udp", VIP6, 53, seconds, CLIENT6, "--rate", 5, "--timeout", 5),
        ]
        # 1 % loss for the transfers (web-v6pool: :81 on the client link, IPv6 :8080 on the
        # backend link), and 1 % of the header segments of client flows (source ports below
        # the health probes' range) towards every backend.
        loss = f"numgen random mod 100 < {LOSS_PERCENT} counter drop"
        header = (f"tcp dport {{ 8080, 8090, 2525 }} tcp sport 1024-64511 "
                  f"@ih,0,96 0x{PROXY_SIGNATURE_HEX} {loss}")
        front = Nft("sl-client", "sl_soak", [("ingress", "cl-eth0", [f"tcp sport 81 {loss}"]),
                                             ("egress", "cl-eth0", [f"tcp dport 81 {loss}"])])
        back = Nft("sl-backend", "sl_soak", [
            ("ingress", "be-eth0", [f"meta protocol ip6 tcp dport 8080 {loss}", header]),
            ("egress", "be-eth0", [f"meta protocol ip6 tcp sport 8080 {loss}"])])
        results = []
        with front, back:
            transfers.start()
            started = time.monotonic()
            reloads = self.churn(base, flappy, started, report, fail)
            transfers.join(timeout=400)
            for process in clients:
                try:
                    out, _ = process.communicate(timeout=60)
                except subprocess.TimeoutExpired:
                    process.terminate()
                    out, _ = process.communicate(timeout=30)
                results.append(json.loads(out) if out.strip() else {"kind": "?", "failed": 1,
                                                                    "errors": ["no output"]})
            front_drops, back_drops = front.counters(), back.counters()
        report["elapsed_s"] = round(time.monotonic() - started, 1)
        report["reloads"] = reloads
        report["rss_kib"]["end"] = rss_kib(APPLIANCE_PID)
        flappy.kill()
        try:
            os.unlink(os.path.join(LAB_RUN, "soak-nginx.pid"))
        except FileNotFoundError:
            pass
        with open(SLUICE_CONFIG, "w") as f:  # the file sluice started with
            f.write(base)

        # Flows left once the traffic stopped and the timeouts passed.
        after = stats()
        report["flows_at_stop"] = after["flows_active"]
        drained_at = time.monotonic()
        left = after["flows_active"]
        while left and time.monotonic() - drained_at < 60 + 20:  # the longest timeout + sweeps
            time.sleep(1)
            left = stats()["flows_active"]
        report["flows_left"] = left
        report["drain_s"] = round(time.monotonic() - drained_at, 1)
        if left:
            fail(f"{left} flows left after {report['drain_s']} s: "
                 + console("show conntrack limit 20")[0][:2000])
        final = stats()
        counters = {k: final[k] - before.get(k, 0) for k in
                    ("flows_created", "flows_expired", "pp_inserted", "pp_resent", "pp_given_up",
                     "snat_exhausted", "dropped")}
        report["counters"] = counters
        report["nic_drops"] = nic_drops() - nic_before
        serious, down = log_levels(os.environ.get("SLUICE_LOG"))
        report["log_serious"], report["health_down"] = serious, down
        report["drops"] = {k: v for k, v in final["drops"].items() if v}
        report["loss_drops"] = {"client_link": sum(front_drops), "transfers_backend_link": back_drops[0]
                                + back_drops[2], "header_segments": back_drops[1]}
        report["transfers"] = {"downloads": transfers.downloads, "uploads": transfers.uploads,
                               "failed": transfers.failed, "corrupted": transfers.corrupted,
                               "bytes_verified": transfers.bytes_verified,
                               "errors": transfers.errors[:10]}
        report["clients"] = results

        # The bounds.
        for r in results:
            kind, target = r["kind"], r.get("target", "?")
            if target.endswith(":90"):
                continue  # churn: its backend is killed on purpose (reported, not bounded)
            if kind == "udp":
                # Every reply right; a datagram may go unanswered only when the appliance's
                # ports lost frames (ring overruns of a starved CPU), never beyond that count.
                if r.get("wrong") or r["completed"] == 0:
                    fail(f"udp {target}: {r['completed']}/{r['attempted']} flows, wrong replies "
                         f"{r.get('wrong', [])[:3]}")
                continue
            if r["failed"] or r["completed"] == 0:
                fail(f"{kind} {target}: {r['completed']}/{r['attempted']} completed, "
                     f"{r['failed']} failed: {r['errors'][:3]}")
            if kind == "keepalive" and r.get("lost"):
                fail(f"keep-alive {target}: {r['lost']} connection(s) lost: {r['connections']}")
            if kind == "keepalive" and target == f"{VIP4}:80" and not any(
                    c["backend"] == DISABLED.split(":")[0] for c in r.get("connections", [])):
                fail(f"no keep-alive connection of web on {DISABLED}, the backend the soak "
                     "disables: its drain was not tested")
        if transfers.failed or transfers.corrupted or not transfers.downloads or not transfers.uploads:
            fail(f"transfers: {report['transfers']}")
        if sum(front_drops) + report["loss_drops"]["transfers_backend_link"] == 0:
            fail("the 1 % loss rules dropped nothing")
        # UDP has no retransmission: a datagram lost anywhere (a ring or socket buffer of this
        # starved 2-core host) stays unanswered. Bound: at most 1 % of them; the summary says
        # whether each one reached the receiver (lost on the way back) or not.
        unanswered = sum(r.get("unanswered", 0) for r in results if r["kind"] == "udp")
        datagrams = sum(r.get("datagrams", 0) for r in results if r["kind"] == "udp")
        report["udp"] = {"datagrams": datagrams, "unanswered": unanswered,
                         "unanswered_reached_receiver": reached_receiver(
                             [p for r in results for p in r.get("unanswered_payloads", [])])}
        if unanswered * 100 > datagrams:
            fail(f"{unanswered} of {datagrams} UDP datagrams unanswered (bound: 1 %)")
        if serious is None:
            fail("no appliance log (SLUICE_LOG)")
        elif serious:
            fail(f"{len(serious)} error lines in the appliance log: {serious[:3]}")
        if counters["pp_given_up"]:
            fail(f"{counters['pp_given_up']} PROXY headers given up")
        if counters["snat_exhausted"]:
            fail(f"{counters['snat_exhausted']} flows refused for want of a SNAT port")
        if counters["pp_resent"] < report["loss_drops"]["header_segments"]:
            fail(f"{report['loss_drops']['header_segments']} header segments dropped but only "
                 f"{counters['pp_resent']} resent")
        growth = report["rss_kib"]["end"] - report["rss_kib"].get("warm", report["rss_kib"]["start"])
        if growth > RSS_GROWTH_BOUND_MIB * 1024:
            fail(f"RSS grew by {growth} KiB after the warm-up (bound {RSS_GROWTH_BOUND_MIB} MiB)")
        try:
            os.kill(APPLIANCE_PID, 0)
        except ProcessLookupError:
            fail("the appliance died")
        self.write_summary(report)
        self.assertEqual(report["failures"], [])

    def wait_backend(self, service, address, state, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for b in console_json(f"show backends {service} json"):
                if b["address"] == address and b["state"] == state:
                    return True
            time.sleep(0.2)
        return False

    def churn(self, base, flappy, started, report, fail):
        """The reload loop until SOAK_SECONDS have passed; returns its counts."""
        counts = {"total": 0, "console": 0, "sighup": 0, "refused": 0, "extra_probes_ok": 0,
                  "extra_probes_failed": 0, "disables": 0, "enables": 0, "nginx_kills": 0,
                  "nginx_starts": 0, "health_down_seen": 0, "health_up_seen": 0}
        step = 0
        flip_pending = None  # ("down"|"up", since)
        while time.monotonic() - started < SOAK_SECONDS - 1:
            if not report["rss_kib"].get("warm") and time.monotonic() - started >= WARMUP_SECONDS:
                report["rss_kib"]["warm"] = rss_kib(APPLIANCE_PID)
            time.sleep(max(0.0, started + (step + 1) * RELOAD_EVERY - time.monotonic()))
            step += 1
            try:
                os.kill(APPLIANCE_PID, 0)
            except ProcessLookupError:
                fail(f"the appliance died before reload {step}")
                return counts
            text = base.replace(WEB_BACKEND_3, WEB_BACKEND_3 + f"weight = {1 + step % 3}\n", 1)
            text = text.replace(CHURN_FLAPPY, CHURN_FLAPPY + f"weight = {1 + (step + 1) % 4}\n", 1)
            extra_port = 9100 + step % 100
            addition = ""
            if step % 2 == 0:  # churn gets a third backend every other reload
                addition += '\n[[services.backends]]\naddress = "10.20.0.2"\nport = 8080\n'
            addition += (f'\n[[services]]\nname = "extra-{step}"\nvip = "{VIP4}"\n'
                         f'port = {extra_port}\nscheduler = "rr"\n[services.proxy_protocol]\n'
                         'version = 2\n[[services.backends]]\naddress = "10.20.0.3"\nport = 8080\n')
            self.assertIn("\n[conntrack]", text)
            text = text.replace("\n[conntrack]", addition + "\n[conntrack]", 1)
            with open(SLUICE_CONFIG + ".new", "w") as f:
                f.write(text)
            os.replace(SLUICE_CONFIG + ".new", SLUICE_CONFIG)
            counts["total"] += 1
            if step % 2:
                counts["console"] += 1
                [answer] = console("reload")
                if not answer.startswith("reloaded "):
                    counts["refused"] += 1
                    fail(f"reload {step}: {answer[:300]}")
                    continue
            else:
                counts["sighup"] += 1
                os.kill(APPLIANCE_PID, signal.SIGHUP)
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    names = [s["name"] for s in console_json("show services json")]
                    if f"extra-{step}" in names and f"extra-{step - 1}" not in names:
                        break
                    time.sleep(0.1)
                else:
                    counts["refused"] += 1
                    fail(f"SIGHUP reload {step} not applied within 10 s")
                    continue
            # The service added by this reload takes flows at once.
            [probe] = client("http", VIP4, extra_port, "--timeout", 10)
            if probe["error"] is None and probe["body"] == f"{CLIENT4}:{probe['local_port']}":
                counts["extra_probes_ok"] += 1
            else:
                counts["extra_probes_failed"] += 1
                fail(f"extra-{step} probe: {probe}")
            # web's 10.20.0.2:8080 drained and back; its keep-alive flows must go on.
            if step % 4 == 1:
                [answer] = console(f"backend disable web {DISABLED}")
                counts["disables"] += "disabled" in answer
            elif step % 4 == 3:
                [answer] = console(f"backend enable web {DISABLED}")
                counts["enables"] += "enabled" in answer
            # churn's first backend: killed, then (once seen down) restarted.
            state = {b["address"]: b["state"] for b in console_json("show backends churn json")}
            flappy_state = state.get("10.20.0.2:8090")
            if flip_pending and flip_pending == flappy_state:
                counts[f"health_{flappy_state}_seen"] += 1
                flip_pending = None
            if flip_pending is None and step % 3 == 0:
                if flappy.running():
                    flappy.kill()
                    counts["nginx_kills"] += 1
                    flip_pending = "down"
                else:
                    flappy.start()
                    counts["nginx_starts"] += 1
                    flip_pending = "up"
        if not flappy.running():
            flappy.start()
        return counts

    def write_summary(self, report):
        c, t, r = report["counters"], report["transfers"], report["reloads"]
        rss = report["rss_kib"]
        lines = [f"soak {report['appliance']}: {report['elapsed_s']} s of traffic "
                 f"({report['seconds']:.0f} s asked), reload every {report['reload_every']:g} s",
                 f"{'traffic':<10} {'target':<18} {'attempted':>9} {'completed':>9} {'failed':>6}  notes"]
        attempted = completed = 0
        for x in report["clients"]:
            note = ""
            if x["kind"] == "keepalive":
                note = f"{x.get('requests', 0)} requests, {x.get('lost', '?')} lost, backends " + \
                       ",".join(sorted(str(cn['backend']) for cn in x.get("connections", [])))
            elif x["kind"] == "udp":
                note = f"{x.get('datagrams', 0)} datagrams, {x.get('unanswered', 0)} unanswered"
            elif x.get("target", "").endswith(":90"):
                note = "churn: backend killed on purpose, not bounded"
            attempted += x["attempted"]
            completed += x["completed"]
            lines.append(f"{x['kind']:<10} {x.get('target', '?'):<18} {x['attempted']:>9} "
                         f"{x['completed']:>9} {x['failed']:>6}  {note}")
        lines.append(f"{'transfers':<10} {VIP4 + ':81':<18} {t['downloads'] + t['uploads'] + t['failed']:>9} "
                     f"{t['downloads'] + t['uploads']:>9} {t['failed']:>6}  32 MiB each, "
                     f"{t['downloads']} down {t['uploads']} up, {t['corrupted']} corrupted")
        attempted += t["downloads"] + t["uploads"] + t["failed"]
        completed += t["downloads"] + t["uploads"]
        lines += [
            f"connections/flows: {attempted} attempted, {completed} completed "
            f"(UDP: one flow a second; keep-alive: one per connection)",
            f"bytes verified by sha256: {t['bytes_verified']} ({t['bytes_verified'] / 2**20:.0f} MiB), "
            f"{t['corrupted']} corrupted",
            f"loss rules dropped: client link {report['loss_drops']['client_link']}, backend link "
            f"{report['loss_drops']['transfers_backend_link']} (1 % of the transfers' frames), "
            f"header segments {report['loss_drops']['header_segments']}",
            f"appliance: flows created {c['flows_created']}, headers inserted {c['pp_inserted']}, "
            f"resent {c['pp_resent']}, given up {c['pp_given_up']}, snat exhausted "
            f"{c['snat_exhausted']}, dropped frames {c['dropped']}",
            f"drops by reason (whole run): {report['drops']}; frames lost by the ports before "
            f"sluice read them: {report['nic_drops']}",
            f"UDP: {report['udp']['datagrams']} datagrams, {report['udp']['unanswered']} unanswered "
            f"(bound 1 %; reached the receiver: {report['udp']['unanswered_reached_receiver'] or '-'})",
            f"health DOWN transitions (log): {report['health_down'] or 'none'}; error lines in "
            f"the log: {len(report['log_serious'] or [])}",
            f"RSS: start {rss['start'] / 1024:.1f} MiB, after warm-up ({WARMUP_SECONDS:.0f} s) "
            f"{rss.get('warm', rss['start']) / 1024:.1f} MiB, end {rss['end'] / 1024:.1f} MiB "
            f"(bound: +{RSS_GROWTH_BOUND_MIB} MiB after the warm-up)",
            f"flows: {report['flows_at_stop']} when the traffic stopped, {report['flows_left']} "
            f"left after {report['drain_s']} s",
            f"reloads: {r['total']} ({r['console']} console, {r['sighup']} SIGHUP, {r['refused']} "
            f"refused), new service probed {r['extra_probes_ok']} ok / {r['extra_probes_failed']} "
            f"failed, backend disable {r['disables']} enable {r['enables']}, nginx killed "
            f"{r['nginx_kills']} restarted {r['nginx_starts']}, health seen down "
            f"{r['health_down_seen']} up {r['health_up_seen']}",
            "bounds: " + ("all held" if not report["failures"] else
                          f"{len(report['failures'])} violated: " + " | ".join(report["failures"])),
        ]
        text = "\n".join(lines) + "\n"
        print("\n" + text)
        os.makedirs(SUMMARY_DIR, exist_ok=True)
        with open(os.path.join(SUMMARY_DIR, f"soak-{APPLIANCE}.txt"), "w") as f:
            f.write(text)
        with open(os.path.join(SUMMARY_DIR, f"soak-{APPLIANCE}.json"), "w") as f:
            json.dump(report, f, indent=1)
