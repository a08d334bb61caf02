"""Loss on either side of the appliance: bulk transfers still arrive byte-identical, and a
lost PROXY header segment is sent again (no stall, no missing header)."""
import json
import os
import subprocess
import time

from labtools import (CLIENT4, CLIENT_TOOL, LAB_RUN, PROXY_SIGNATURE_HEX, PY, VIP4,
                      LabTestCase, Nft, client, ns, random_loss, sha256_file)
from test_bulk import BULK, download, upload

LOSS_PERCENT = 2


def drop_first_header(dport):
    """Drops, once, the first frame towards the backend whose TCP payload starts with the
    PROXY v2 signature (`@ih` = the bytes after the transport header)."""
    match = f"tcp dport {dport} @ih,0,96 0x{PROXY_SIGNATURE_HEX}"
    return Nft("sl-backend", "sl_hdr", [("ingress", "be-eth0", [
        f"{match} limit rate 1/hour burst 1 packets counter drop",
        f"{match} counter"])])


class RandomLoss(LabTestCase):
    def test_download_with_loss_both_sides(self):
        with random_loss(LOSS_PERCENT, "sl-client", "cl-eth0") as front, \
             random_loss(LOSS_PERCENT, "sl-backend", "be-eth0") as back:
            path = download(f"http://{VIP4}/bulk", "dl-loss")
            dropped = front.counters() + back.counters()
        self.assertGreater(sum(dropped), 0, "the loss rules dropped nothing")
        self.assertEqual(sha256_file(path), sha256_file(BULK))

    def test_upload_with_loss_both_sides(self):
        source = os.path.join(LAB_RUN, "up-loss-src")
        subprocess.run(["head", "-c", str(32 << 20), "/dev/urandom"], check=True,
                       stdout=open(source, "wb"), timeout=30)
        with random_loss(LOSS_PERCENT, "sl-client", "cl-eth0") as front, \
             random_loss(LOSS_PERCENT, "sl-backend", "be-eth0") as back:
            upload(f"http://{VIP4}/upload/up-loss", source)
            dropped = front.counters() + back.counters()
        self.assertGreater(sum(dropped), 0, "the loss rules dropped nothing")
        self.assertEqual(sha256_file(os.path.join(LAB_RUN, "uploads", "up-loss")),
                         sha256_file(source))

    def test_small_requests_with_loss(self):
        with random_loss(5, "sl-client", "cl-eth0"), random_loss(5, "sl-backend", "be-eth0"):
            results = client("http", VIP4, 80, "--count", 30, "--concurrency", 10,
                             "--timeout", 20, timeout=120)
        self.assertEqual([(r["local_port"], r["error"]) for r in results if r["error"]], [])
        for r in results:
            self.assertClientSeen(r["body"], CLIENT4, r["local_port"])


class HeaderSegmentLost(LabTestCase):
    def test_http_header_segment_dropped_and_resent(self):
        with drop_first_header(8080) as rules:
            [result] = client("http", VIP4, 80, "--timeout", 15)
            dropped, passed = rules.counters()
        self.assertEqual(dropped, 1, "the rule should have dropped the first header frame")
        self.assertGreaterEqual(passed, 1, "the header was never sent again")
        self.assertIsNone(result["error"])
        self.assertClientSeen(result["body"], CLIENT4, result["local_port"])

    def test_banner_header_segment_dropped_and_resent(self):
        # Server speaks first and the client stays silent: only the appliance's own resend
        # (no client data to piggyback on) can unblock this connection.
        with drop_first_header(2525) as rules:
            result = client("banner", VIP4, 25, "--timeout", 15)
            dropped, passed = rules.counters()
        self.assertEqual(dropped, 1)
        self.assertGreaterEqual(passed, 1)
        self.assertIsNone(result["error"])
        self.assertEqual(result["banner"],
                         f"220 banner ready (client {CLIENT4}:{result['local_port']})\r\n")


class HandshakeRecovery(LabTestCase):
    def test_backend_answers_retransmitted_syn_with_new_isn(self):
        # Seen under random loss: the first SYN-ACK is lost on the client link, and the
        # backend answers the client's retransmitted SYN with a SYN-ACK carrying a NEW ISN
        # (its request socket is gone). Reproduced here: drop the first SYN-ACK towards the
        # client, then destroy the backend's SYN_RECV request socket (ss -K) before the
        # client retransmits (1 s). The appliance must forward the new SYN-ACK (and
        # translate sequence numbers from it), or the handshake never completes.
        drop_synack = Nft("sl-client", "sl_synack", [("ingress", "cl-eth0", [
            "tcp sport 80 tcp flags & (syn|ack) == syn|ack "
            "limit rate 1/hour burst 1 packets counter drop"])])
        with drop_synack as rules:
            request = subprocess.Popen(
                ["ip", "netns", "exec", "sl-client", PY, CLIENT_TOOL, "http", VIP4, "80",
                 "--timeout", "8"], stdout=subprocess.PIPE, text=True)
            try:
                time.sleep(0.4)
                killed = ns("sl-backend", "ss", "-K", "-tn", "state", "syn-recv",
                            "( sport = :8080 )", check=False)
                output, _ = request.communicate(timeout=20)
            finally:
                if request.poll() is None:
                    request.kill()
                    request.wait()
            self.assertEqual(rules.counters(), [1])
        [result] = json.loads(output)
        self.assertIsNone(result["error"], f"ss -K said: {killed.stdout.strip()}")
        self.assertClientSeen(result["body"], CLIENT4, result["local_port"])
