"""Sends one UDP datagram to each ADDR (port 9, discard) so that the kernel resolves its
link-layer address (ARP/NDP): the lab has no ping. Usage: poke.py ADDR..."""
import socket
import sys

for address in sys.argv[1:]:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        try:
            sock.sendto(b"poke", (address, 9))
        except OSError:
            pass
