"""A backend that speaks first: HAProxy `accept-proxy` (strict CRC32C) in front of a banner
server. The appliance must send the header right after the handshake, without client data.
"""
import os
import re
import time

from labtools import (AUTHORITY, CLIENT4, IS_BASELINE, LAB_RUN, VIP4, LabTestCase, client)


def haproxy_log_line(client_port, timeout=5.0):
    """The backend HAProxy's log line for one client connection (logged at close)."""
    pattern = re.compile(rf"^pp client={re.escape(CLIENT4)}:{client_port} .*$", re.M)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(os.path.join(LAB_RUN, "haproxy-backend.log")) as f:
            match = pattern.search(f.read())
        if match:
            return match.group(0)
        time.sleep(0.1)
    return None


class ServerSpeaksFirst(LabTestCase):
    def test_banner_reaches_silent_client(self):
        result = client("banner", VIP4, 25, "--timeout", 5)
        self.assertIsNone(result["error"], "no banner: the header waited for client data?")
        self.assertEqual(result["banner"],
                         f"220 banner ready (client {CLIENT4}:{result['local_port']})\r\n")
        self.assertEqual(result["echo"], "250 EHLO lab\r\n")

    def test_haproxy_accepts_header_and_tlvs(self):
        result = client("banner", VIP4, 25, "--timeout", 5)
        self.assertIsNone(result["error"])
        line = haproxy_log_line(result["local_port"])
        self.assertIsNotNone(line, "HAProxy accept-proxy logged no connection for this client")
        self.assertIn(" vip=10.10.0.100:25 ", line)
        unique_id = re.search(r"unique_id=(\S+)", line).group(1)
        self.assertNotEqual(unique_id, "-", "fc_pp_unique_id empty: UNIQUE_ID TLV missing")
        authority = re.search(r"authority=(\S+)", line).group(1)
        # HAProxy only sends AUTHORITY from TLS SNI, so the baseline has none; sluice sends the
        # configured name.
        self.assertEqual(authority, "-" if IS_BASELINE else AUTHORITY)

    def test_unique_ids_differ_per_connection(self):
        ports = [client("banner", VIP4, 25)["local_port"] for _ in range(3)]
        ids = {re.search(r"unique_id=(\S+)", haproxy_log_line(p)).group(1) for p in ports}
        self.assertEqual(len(ids), 3)
