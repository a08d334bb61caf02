"""UDP with a PROXY v2 header on every datagram (the `dns` service, udp = "every-datagram")."""
import json
import os

from labtools import CLIENT4, CLIENT6, IS_BASELINE, LAB_RUN, VIP4, VIP6, LabTestCase, client, ns


class UdpEveryDatagram(LabTestCase):
    def test_every_datagram_names_the_client(self):
        payloads = ["first", "second", "third"]
        result = client("udp", VIP4, 53, *payloads, "--timeout", 3)
        self.assertIsNone(result["error"])
        port = result["local_port"]
        self.assertEqual(result["replies"], [f"{CLIENT4}:{port} {p}" for p in payloads])

    def test_headers_are_dgram_inet_to_the_vip(self):
        result = client("udp", VIP4, 53, "probe-a", "probe-b", "--timeout", 3)
        self.assertIsNone(result["error"])
        port = result["local_port"]
        with open(os.path.join(LAB_RUN, "udp-receiver.jsonl")) as f:
            records = [json.loads(line) for line in f]
        mine = [r for r in records if r.get("header", {}).get("src_port") == port]
        self.assertEqual([r["payload"] for r in mine], ["probe-a", "probe-b"])
        for r in mine:
            h = r["header"]
            self.assertEqual((h["version"], h["command"], h["family"], h["transport"]),
                             (2, "PROXY", "INET", "DGRAM"))
            self.assertEqual((h["src"], h["dst"], h["dst_port"]), (CLIENT4, VIP4, 53))
            self.assertNotEqual(h["crc32c"], "bad")
            self.assertTrue(r["peer"].startswith("10.20.0.1:"), "full-NAT: source is the SNAT")

    def test_ipv6_client_to_ipv4_receiver(self):
        result = client("udp", VIP6, 53, "six", "again", "--timeout", 3)
        self.assertIsNone(result["error"])
        port = result["local_port"]
        self.assertEqual(result["replies"], [f"[{CLIENT6}]:{port} six", f"[{CLIENT6}]:{port} again"])
        with open(os.path.join(LAB_RUN, "udp-receiver.jsonl")) as f:
            mine = [json.loads(line) for line in f]
        mine = [r["header"] for r in mine if r.get("header", {}).get("src") == CLIENT6
                and r["header"]["src_port"] == port]
        self.assertEqual(len(mine), 2)
        for h in mine:
            self.assertEqual((h["family"], h["transport"], h["dst"], h["dst_port"]),
                             ("INET6", "DGRAM", VIP6, 53))

    def test_many_clients_ports(self):
        ports = set()
        for i in range(5):
            result = client("udp", VIP4, 53, f"n{i}", "--timeout", 3)
            self.assertEqual(result["replies"], [f"{CLIENT4}:{result['local_port']} n{i}"])
            ports.add(result["local_port"])
        self.assertEqual(len(ports), 5)


class UdpMtu(LabTestCase):
    """A datagram that no longer fits the egress MTU once the 28-byte header is added is
    answered with ICMP "fragmentation needed" carrying the reduced MTU (spec, UDP)."""

    def test_oversized_datagram_gets_icmp_frag_needed(self):
        if IS_BASELINE:
            self.skipTest("the kernel baseline relay cannot answer for the client's path MTU")
        script = r'''
import json, socket, time
IP_MTU_DISCOVER, IP_PMTUDISC_DO, IP_MTU = 10, 2, 14
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
s.settimeout(1.0)
s.connect(("10.10.0.100", 53))
out = {}
try:
    s.send(b"x" * 1472)                 # 1500-byte IP packet, DF: cannot grow by 28
    out["reply"] = s.recv(2048).decode()[:40]
except OSError as e:
    out["first"] = type(e).__name__
time.sleep(0.2)
out["mtu"] = s.getsockopt(socket.IPPROTO_IP, IP_MTU)
s.send(b"y" * 1400)
try:
    out["small"] = s.recv(2048).decode()[:30]
except OSError as e:
    out["small"] = type(e).__name__
print(json.dumps(out))
'''
        out = json.loads(ns("sl-client", "/usr/bin/python3", "-c", script, timeout=20).stdout)
        self.assertNotIn("reply", out, "a datagram too big to carry the header was forwarded")
        self.assertEqual(out["mtu"], 1500 - 28, "ICMP frag-needed must carry MTU - header")
        self.assertTrue(out["small"].startswith(f"{CLIENT4}:"), out)
