"""The lab's client, run inside sl-client by the end-to-end tests; prints one JSON document.

  client_tool.py http HOST PORT [--count N] [--concurrency C] [--timeout S]
      N HTTP/1.0 GETs of "/", C at a time; per connection: the local (client) port, the body
      (what nginx was told: "$proxy_protocol_addr:$proxy_protocol_port") and X-Backend.
      [--local-port P [--pause S]]: all N from client port P, one after the other.
  client_tool.py banner HOST PORT [--timeout S]
      connects and sends NOTHING; reports the first line the server sends.
  client_tool.py udp HOST PORT PAYLOAD... [--timeout S]
      sends each payload from one socket and reports each reply.
"""
import argparse
import json
import os
import select
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def connect(host, port, timeout, local_port=0, result=None):
    """A connected socket; result["local_port"] is set even when the handshake fails."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if local_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", local_port))
        sock.settimeout(timeout)
        sock.setblocking(False)
        try:
            sock.connect((host, port))    # picks the local port at once
        except BlockingIOError:
            pass
        if result is not None:
            result["local_port"] = sock.getsockname()[1]
        sock.settimeout(timeout)
        _, writable, _ = select.select([], [sock], [], timeout)
        if not writable:
            raise TimeoutError("timed out")
        error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if error:
            raise OSError(error, os.strerror(error))
        return sock
    except BaseException:
        sock.close()
        raise


def one_get(host, port, timeout, local_port=0, pad=0):
    result = {"local_port": None, "body": None, "backend": None, "error": None}
    started, phase = time.monotonic(), "connect"
    try:
        with connect(host, port, timeout, local_port, result) as sock:
            phase = "response"
            # --pad N adds a header of N bytes: one write the kernel cuts into full-MSS
            # segments, so the first one is as large as the path allows.
            padding = b"X-Pad: " + b"p" * pad + b"\r\n" if pad else b""
            sock.sendall(b"GET / HTTP/1.0\r\nHost: lab\r\n" + padding + b"\r\n")
            data = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"x-backend:"):
                result["backend"] = line.split(b":", 1)[1].strip().decode()
        result["status"] = head.split(b" ", 2)[1].decode() if head else None
        result["body"] = body.decode().strip()
    except OSError as error:
        result["error"] = (f"{type(error).__name__} during {phase} after "
                           f"{time.monotonic() - started:.1f}s: {error}")
    return result


def cmd_http(args):
    if args.local_port:  # the same client port again and again: strictly one at a time
        results = []
        for _ in range(args.count):
            results.append(one_get(args.host, args.port, args.timeout, args.local_port,
                                   args.pad))
            time.sleep(args.pause)
        return results
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        futures = [pool.submit(one_get, args.host, args.port, args.timeout, 0, args.pad)
                   for _ in range(args.count)]
        return [f.result() for f in futures]


def cmd_banner(args):
    result = {"local_port": None, "banner": None, "error": None}
    try:
        with connect(args.host, args.port, args.timeout) as sock:
            result["local_port"] = sock.getsockname()[1]
            data = b""
            while b"\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
            result["banner"] = data.decode(errors="replace")
            sock.sendall(b"EHLO lab\r\n")
            echo = b""
            while b"\r\n" not in echo:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                echo += chunk
            result["echo"] = echo.decode(errors="replace")
    except OSError as error:
        result["error"] = f"{type(error).__name__}: {error}"
    return result


def cmd_udp(args):
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.settimeout(args.timeout)
    sock.connect((args.host, args.port))
    result = {"local_port": sock.getsockname()[1], "replies": [], "error": None}
    for payload in args.payload:
        try:
            sock.send(payload.encode())
            result["replies"].append(sock.recv(65535).decode(errors="replace"))
        except OSError as error:
            result["replies"].append(None)
            result["error"] = f"{type(error).__name__}: {error}"
    return result


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("http", "banner", "udp"):
        p = sub.add_parser(name)
        p.add_argument("host")
        p.add_argument("port", type=int)
        p.add_argument("--timeout", type=float, default=5.0)
        if name == "http":
            p.add_argument("--count", type=int, default=1)
            p.add_argument("--concurrency", type=int, default=1)
            p.add_argument("--local-port", type=int, default=0)
            p.add_argument("--pause", type=float, default=0.0)
            p.add_argument("--pad", type=int, default=0)
        if name == "udp":
            p.add_argument("payload", nargs="+")
    args = parser.parse_args()
    handler = {"http": cmd_http, "banner": cmd_banner, "udp": cmd_udp}[args.command]
    json.dump(handler(args), sys.stdout)
    print()


if __name__ == "__main__":
    main()
