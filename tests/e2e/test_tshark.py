"""tshark's PROXY dissector on the backend link decodes every header with the client's
address (spec/proxy-protocol.md, acceptance view).

TLVs are checked on the captured bytes with tests/e2e/lab/pp2.py, not with tshark's fields:
Debian 12's tshark 4.0 stops listing TLVs that start past offset <length field> (it compares
against the length field instead of 16 + length), so a valid third TLV goes unlisted.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lab"))
import pp2  # noqa: E402
from labtools import (AUTHORITY, CLIENT4, CLIENT6, IS_BASELINE, VIP4, VIP6, Capture,
                      LabTestCase, client)

TLV_AUTHORITY, TLV_CRC32C, TLV_UNIQUE_ID, TLV_CUSTOM_E0 = 0x02, 0x03, 0x05, 0xE0


class BackendLinkDecode(LabTestCase):
    def test_tshark_decodes_every_header(self):
        with Capture("sl-backend", "be-eth0", "tcp port 8080 or tcp port 2525 or udp port 5353",
                     "tshark-backend") as capture:
            web4 = client("http", VIP4, 80, "--count", 3)
            web6 = client("http", VIP6, 80)
            banner = client("banner", VIP4, 25)
            udp = client("udp", VIP4, 53, "one", "two")
        for r in web4 + web6 + [banner]:
            self.assertIsNone(r["error"], "a connection failed before its header could be seen")
        self.assertIsNone(udp["error"])
        rows = capture.fields("proxy.v2.magic", "proxy.v2.version", "proxy.v2.protocol",
                              "proxy.src.ipv4", "proxy.src.ipv6", "proxy.srcport",
                              "proxy.dst.ipv4", "proxy.dst.ipv6", "proxy.dstport",
                              "tcp.payload", "udp.payload")
        seen = {}
        for row in rows:
            if not row["proxy.srcport"]:
                # A LOCAL header: the appliance's own health probe (configs/lab.toml checks web
                # with send_proxy), which carries no addresses (spec proxy-protocol.md).
                payload = bytes.fromhex(row["tcp.payload"][0].replace(":", ""))
                header, _ = pp2.parse_v2(payload)
                self.assertEqual(header["command"], "LOCAL", "a PROXY header without addresses")
                continue
            src = (row["proxy.src.ipv4"] or row["proxy.src.ipv6"] or ["?"])[0]
            dst = (row["proxy.dst.ipv4"] or row["proxy.dst.ipv6"] or ["?"])[0]
            key = (src, int(row["proxy.srcport"][0]), int(row["proxy.v2.protocol"][0], 0))
            seen.setdefault(key, []).append((dst, int(row["proxy.dstport"][0]), row))
        expected = [((CLIENT4, r["local_port"], 1), (VIP4, 80)) for r in web4]
        expected += [((CLIENT6, web6[0]["local_port"], 1), (VIP6, 80))]
        expected += [((CLIENT4, banner["local_port"], 1), (VIP4, 25))]
        for key, (vip, port) in expected:
            self.assertTrue(key in seen, f"no decoded header for client {key}; "
                                         f"decoded: {sorted(seen)}")
            self.assertEqual(len(seen[key]), 1, f"client {key}: one header per connection")
            dst, dport, row = seen[key][0]
            self.assertEqual((dst, dport), (vip, port))
        # Every service of configs/lab.toml asks for CRC32C and UNIQUE_ID (and sluice sends
        # the configured AUTHORITY); the checksum must verify.
        for key, _ in expected:
            row = seen[key][0][2]
            header, _ = pp2.parse_v2(bytes.fromhex(row["tcp.payload"][0].replace(":", "")))
            self.assertEqual(header["crc32c"], "ok", f"client {key}: CRC32C")
            values = {t["type"]: bytes.fromhex(t["value"]) for t in header["tlvs"]}
            self.assertIn(TLV_UNIQUE_ID, values)
            if not IS_BASELINE:
                self.assertEqual(values.get(TLV_AUTHORITY), AUTHORITY.encode())
        # The banner service also sends a custom TLV (configs/lab.toml), which HAProxy's
        # accept-proxy took with a verified CRC32C (test_banner.py).
        if not IS_BASELINE:
            row = seen[(CLIENT4, banner["local_port"], 1)][0][2]
            header, _ = pp2.parse_v2(bytes.fromhex(row["tcp.payload"][0].replace(":", "")))
            values = {t["type"]: bytes.fromhex(t["value"]) for t in header["tlvs"]}
            self.assertEqual(values.get(TLV_CUSTOM_E0), b"sluice")
        # UDP: one header per datagram.
        udp_key = (CLIENT4, udp["local_port"], 2)
        self.assertEqual(len(seen.get(udp_key, [])), 2, "every datagram carries a header")
