"""Kernel-baseline UDP forwarder (HAProxy has no UDP proxying): full-NAT with a PROXY v2
header on every datagram, as configs/lab.toml's `dns` service asks of the appliance.

One upstream socket per client (bound to --source, ephemeral port) so replies map back.
Usage: udp_relay.py --listen VIP:PORT --backend ADDR:PORT --source ADDR
"""
import argparse
import os
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import pp2  # noqa: E402

IDLE_SECONDS = 60


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", required=True)
    parser.add_argument("--backend", required=True)
    parser.add_argument("--source", required=True)
    args = parser.parse_args()
    vip, backend = pp2.endpoint(args.listen), pp2.endpoint(args.backend)
    front = socket.socket(socket.AF_INET6 if ":" in vip[0] else socket.AF_INET,
                          socket.SOCK_DGRAM)
    front.bind(vip)
    selector = selectors.DefaultSelector()
    selector.register(front, selectors.EVENT_READ, None)
    flows = {}  # client -> [upstream socket, last use]
    while True:
        for key, _ in selector.select(timeout=5):
            if key.data is None:
                data, client = front.recvfrom(65535)
                flow = flows.get(client)
                if flow is None:
                    upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    upstream.bind((args.source, 0))
                    upstream.connect(backend)
                    flow = flows[client] = [upstream, 0.0]
                    selector.register(upstream, selectors.EVENT_READ, client)
                flow[1] = time.monotonic()
                try:
                    flow[0].send(pp2.encode_v2(client, vip, dgram=True) + data)
                except OSError as error:  # e.g. EMSGSIZE: the grown datagram exceeds the MTU
                    print(f"udp relay: {client}: {error}", flush=True)
            else:
                front.sendto(key.fileobj.recv(65535), key.data)
        now = time.monotonic()
        for client, (upstream, last) in list(flows.items()):
            if now - last > IDLE_SECONDS:
                selector.unregister(upstream)
                upstream.close()
                del flows[client]


if __name__ == "__main__":
    main()
