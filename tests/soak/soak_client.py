"""The soak's traffic generators, run inside sl-client (tests/soak/test_soak.py starts one
process per kind). Each runs until --seconds have passed, checks every answer, and prints one
JSON document of counts at the end (also on SIGTERM).

  soak_client.py short HOST PORT --seconds S [--concurrency C]
      new connection per request (HTTP/1.0 GET /); the body must name this client and port
      (what nginx read from the PROXY header)
  soak_client.py keepalive HOST PORT --seconds S [--connections N] [--interval S]
      N HTTP/1.1 keep-alive connections opened once, a GET on each every interval; a
      connection that ends or fails is counted as lost (and not reopened)
  soak_client.py banner HOST PORT --seconds S
      server-speaks-first: connect, send nothing, the banner must name this client and port
  soak_client.py udp HOST PORT --seconds S [--rate N]
      N datagrams a second from one socket per second; each reply must name the client
"""
import argparse
import json
import signal
import socket
import sys
import threading
import time

stop = threading.Event()


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def shown(host, port):
    """ADDR:PORT as the UDP receiver writes it (tests/e2e/lab/pp2.py: IPv6 in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def nginx_shown(host, port):
    """What nginx answers: "$proxy_protocol_addr:$proxy_protocol_port", no brackets."""
    return f"{host}:{port}"


def add_error(stats, text, lock):
    with lock:
        stats["failed"] += 1
        if len(stats["errors"]) < 10:
            stats["errors"].append(text)


def read_response(sock, buf):
    """One HTTP/1.1 response (Content-Length framed) from sock; returns (head, body, rest)."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the response head")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside the response body")
        rest += chunk
    return head, rest[:length], rest[length:]


def header(head, name):
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip().decode()
    return None


def run_short(args, stats, lock):
    me = args.client
    def worker():
        while not stop.is_set():
            with lock:
                stats["attempted"] += 1
            sock = socket.socket(family_of(args.host), socket.SOCK_STREAM)
            sock.settimeout(args.timeout)
            started, phase, port = time.monotonic(), "connect", None
            try:
                sock.connect((args.host, args.port))
                port = sock.getsockname()[1]
                phase = "response"
                sock.sendall(b"GET / HTTP/1.0\r\nHost: lab\r\n\r\n")
                data = b""
                while True:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                want = nginx_shown(me, port)
                if not head.startswith(b"HTTP/1.1 200") or body.decode().strip() != want:
                    add_error(stats, f"port {port}: {head[:40]!r} body {body[:60]!r} != {want}", lock)
                    continue
                with lock:
                    stats["completed"] += 1
                    backend = header(head, b"x-backend") or "?"
                    stats["backends"][backend] = stats["backends"].get(backend, 0) + 1
            except OSError as error:
                try:
                    port = port or sock.getsockname()[1]  # the port the SYN left from
                except OSError:
                    pass
                add_error(stats, f"port {port} {type(error).__name__} during {phase} after "
                                 f"{time.monotonic() - started:.1f}s: {error}", lock)
            finally:
                sock.close()
    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def run_keepalive(args, stats, lock):
    conns = []

    def request(c):
        c["sock"].sendall(b"GET / HTTP/1.1\r\nHost: lab\r\n\r\n")
        head, body, c["buf"] = read_response(c["sock"], c["buf"])
        want = nginx_shown(args.client, c["port"])
        if body.decode().strip() != want:
            raise ValueError(f"body {body[:60]!r} != {want}")
        c["requests"] += 1
        stats["requests"] += 1
        c["backend"] = header(head, b"x-backend")

    def open_one():
        stats["attempted"] += 1
        try:
            sock = socket.create_connection((args.host, args.port), timeout=args.timeout)
            c = {"sock": sock, "port": sock.getsockname()[1], "buf": b"", "requests": 0,
                 "backend": None, "lost": None}
        except OSError as error:
            add_error(stats, f"connect: {error}", lock)
            return
        conns.append(c)
        stats["completed"] += 1
        try:
            request(c)
        except (OSError, ValueError) as error:
            c["lost"] = f"at its first request: {type(error).__name__}: {error}"
            add_error(stats, f"port {c['port']} lost {c['lost']}", lock)

    stats["requests"] = 0
    for _ in range(args.connections):
        open_one()
    # --want: more connections (up to 4 times as many) until every named backend holds one,
    # so that a backend the soak disables has keep-alive flows that must survive it.
    wanted = set(filter(None, args.want.split(",")))
    while wanted - {c["backend"] for c in conns} and len(conns) < 4 * args.connections:
        open_one()
    while not stop.is_set() and any(c["lost"] is None for c in conns):
        for c in conns:
            if c["lost"] is not None:
                continue
            try:
                request(c)
            except (OSError, ValueError) as error:
                c["lost"] = f"after {c['requests']} requests: {type(error).__name__}: {error}"
                add_error(stats, f"port {c['port']} lost {c['lost']}", lock)
        stop.wait(args.interval)
    stats["connections"] = [{k: c[k] for k in ("port", "requests", "backend", "lost")} for c in conns]
    stats["lost"] = sum(1 for c in conns if c["lost"] is not None)
    for c in conns:
        c["sock"].close()  # a clean FIN: the flows must then expire from the appliance


def run_banner(args, stats, lock):
    while not stop.is_set():
        stats["attempted"] += 1
        sock = socket.socket(family_of(args.host), socket.SOCK_STREAM)
        sock.settimeout(args.timeout)
        try:
            sock.connect((args.host, args.port))
            port = sock.getsockname()[1]
            data = b""
            while b"\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
            want = f"220 banner ready (client {shown(args.client, port)})\r\n"
            if data.decode(errors="replace") != want:
                add_error(stats, f"banner {data[:80]!r} != {want!r}", lock)
            else:
                stats["completed"] += 1
        except OSError as error:
            add_error(stats, f"{type(error).__name__}: {error}", lock)
        finally:
            sock.close()
        stop.wait(args.interval)


def run_udp(args, stats, lock):
    stats["datagrams"] = stats["answered"] = stats["unanswered"] = 0
    while not stop.is_set():
        started = time.monotonic()
        stats["attempted"] += 1  # one socket (one UDP flow) per second
        sock = socket.socket(family_of(args.host), socket.SOCK_DGRAM)
        sock.settimeout(args.timeout)
        try:
            sock.connect((args.host, args.port))
            port = sock.getsockname()[1]
            good = True
            for i in range(args.rate):
                payload = f"soak-{port}-{i}"
                stats["datagrams"] += 1
                sock.send(payload.encode())
                try:
                    reply = sock.recv(65535).decode(errors="replace")
                except socket.timeout:
                    stats["unanswered"] += 1
                    if len(stats.setdefault("unanswered_payloads", [])) < 50:
                        stats["unanswered_payloads"].append(payload)
                    good = False
                    continue
                if reply != f"{shown(args.client, port)} {payload}":
                    stats.setdefault("wrong", []).append(f"reply {reply!r} to {payload}")
                    good = False
                else:
                    stats["answered"] += 1
            if good:
                stats["completed"] += 1
            else:
                add_error(stats, f"flow {port}: a datagram unanswered or answered wrongly", lock)
        except OSError as error:
            add_error(stats, f"{type(error).__name__}: {error}", lock)
        finally:
            sock.close()
        stop.wait(max(0.0, 1.0 - (time.monotonic() - started)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["short", "keepalive", "banner", "udp"])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--client", required=True, help="the client address backends must see")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--want", default="", help="keepalive: backends (X-Backend) to cover")
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--rate", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    stats = {"kind": args.kind, "target": shown(args.host, args.port), "attempted": 0,
             "completed": 0, "failed": 0, "errors": [], "backends": {}}
    lock = threading.Lock()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    timer = threading.Timer(args.seconds, stop.set)
    timer.daemon = True
    timer.start()
    {"short": run_short, "keepalive": run_keepalive, "banner": run_banner, "udp": run_udp}[args.kind](
        args, stats, lock)
    json.dump(stats, sys.stdout)
    print()


if __name__ == "__main__":
    main()
