"""Short connections until the SNAT ports wrap around, then every new connection still opens.

wrk with `Connection: close` makes nginx close first, so the backend keeps each connection's
4-tuple (SNAT address:port <-> backend:8080) in TIME_WAIT for 60 s. Once the appliance has
handed out every SNAT port (63,488 per address, reused oldest first), a new flow's SYN meets
such a TIME_WAIT; Linux refuses a SYN whose sequence number and timestamp are not newer than
the old connection's and answers with a bare ACK. The appliance, the backend's peer in
full-NAT, must answer that ACK with a reset (RFC 9293 section 3.10.7.3) so the client's next
SYN opens the connection; a PROXY flow that dropped it silently stayed unopenable for up to
60 s (docs/dpdk.md "SNAT port reuse"). The name sorts last: the TIME_WAITs it leaves are no
other test's business.
"""
import re
import subprocess
import time

from labtools import IS_BASELINE, VIP4, LabTestCase, console_json, ns

# Enough connections, with whatever the earlier tests used, to cycle through every SNAT port
# of a worker (63,488) at least once. sluice says when it happened: its stale_ack_to_syn drop
# counts the TIME_WAIT answers it reset (the XDP path wraps sooner, at its per-CPU share).
WRAP_CONNECTIONS = 66_000
SLICE_SECONDS = 8
MAX_SLICES = 5
# A connection may wait for the client's first SYN retransmission (1 s): the one whose SYN
# met a TIME_WAIT and was answered by the appliance's reset. Never more.
CONNECT_DEADLINE_S = 2.5


def wrk_slice():
    """(requests, connect errors, timeouts, output); None when wrk did not end: some of its
    connections never opened (wrk waits for every one)."""
    try:
        out = ns("sl-client", "wrk", "-t1", "-c32", f"-d{SLICE_SECONDS}s", "--timeout", "3s",
                 "-H", "Connection: close", f"http://{VIP4}/", timeout=SLICE_SECONDS + 12).stdout
    except subprocess.TimeoutExpired:
        return None
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    connect_errors, timeouts = (int(errors.group(1)), int(errors.group(4))) if errors else (0, 0)
    return requests, connect_errors, timeouts, out


def stale_acks_reset():
    """How many backend TIME_WAIT answers sluice has reset; None for the kernel baseline."""
    if IS_BASELINE:
        return None
    return console_json("show stats json")["drops"].get("stale_ack_to_syn", 0)


class WrkChurn(LabTestCase):
    def wrapped(self, total):
        resets = stale_acks_reset()
        return total >= WRAP_CONNECTIONS if resets is None else resets > 0

    def test_every_connection_opens_after_the_snat_ports_wrap(self):
        total = 0
        slices = []
        for _ in range(MAX_SLICES):
            result = wrk_slice()
            self.assertIsNotNone(result, f"wrk hung after {total} connections ({slices}): "
                                         "connections that never opened")
            requests, connect_errors, timeouts, out = result
            total += requests
            slices.append(requests)
            # The slices after the first run into the backend's TIME_WAITs: none may stall.
            self.assertEqual(connect_errors, 0, out)
            self.assertEqual(timeouts, 0, out)
            if self.wrapped(total):
                break
        self.assertTrue(self.wrapped(total),
                        f"wrk made {total} connections in {len(slices)} slices ({slices}) and "
                        "no new flow met a backend TIME_WAIT: the SNAT ports did not wrap")

        # Right after the burst: each new connection opens, one after the other.
        slow = []
        for i in range(40):
            started = time.monotonic()
            answer = ns("sl-client", "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                        "--max-time", str(CONNECT_DEADLINE_S), f"http://{VIP4}/",
                        check=False, timeout=10)
            elapsed = time.monotonic() - started
            self.assertEqual(answer.stdout, "200",
                             f"connection {i} after {total} ({slices}) failed: {answer.stderr}")
            if elapsed > 0.9:
                slow.append(round(elapsed, 2))
        # At most the one retransmission each; say how many needed it.
        print(f"churn: {total} connections in slices {slices}, {stale_acks_reset()} TIME_WAIT "
              f"answers reset; after them 40 connections, {len(slow)} waited for a SYN "
              f"retransmission {slow}")
