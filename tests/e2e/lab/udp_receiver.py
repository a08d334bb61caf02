"""UDP backend: every datagram must start with a PROXY v2 header (DGRAM).

Answers each datagram with "SRC:PORT payload" (the client the header names, then the payload
after the header), or "ERR reason" when the header is missing or malformed, and appends one
JSON line per datagram to --log.
Usage: udp_receiver.py --listen ADDR:PORT [--listen ...] --log FILE
"""
import argparse
import json
import os
import selectors
import socket
import sys

sys.path.insert(0, os.path.dirname(__file__))
import pp2  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", action="append", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    selector = selectors.DefaultSelector()
    for text in args.listen:
        host, port = pp2.endpoint(text)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.bind((host, port))
        selector.register(sock, selectors.EVENT_READ)
    with open(args.log, "a", buffering=1) as log:
        while True:
            for key, _ in selector.select():
                sock = key.fileobj
                data, peer = sock.recvfrom(65535)
                try:
                    info, used = pp2.parse_v2(data)
                    if info["transport"] != "DGRAM":
                        raise pp2.ProxyHeaderError(f"transport {info['transport']}")
                    if info["crc32c"] == "bad":
                        raise pp2.ProxyHeaderError("bad crc32c")
                    reply = pp2.show(info["src"], info["src_port"]).encode() + b" " + data[used:]
                    record = {"peer": pp2.show(peer[0], peer[1]), "header": info,
                              "payload": data[used:].decode("latin-1")}
                except pp2.ProxyHeaderError as error:
                    reply = f"ERR {error}".encode()
                    record = {"peer": pp2.show(peer[0], peer[1]), "error": str(error)}
                log.write(json.dumps(record) + "\n")
                sock.sendto(reply, peer)


if __name__ == "__main__":
    main()
