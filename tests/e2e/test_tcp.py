"""TCP through the appliance: what nginx (`listen ... proxy_protocol`) is told about the client.
spec/proxy-protocol.md "What a receiver must observe": $proxy_protocol_addr:$proxy_protocol_port
equal the client's own address and port, for IPv4, IPv6 and mixed families.
"""
from labtools import BACKENDS, CLIENT4, CLIENT6, VIP4, VIP6, LabTestCase, client


class TcpClientAddress(LabTestCase):
    def test_ipv4_client_address(self):
        [result] = client("http", VIP4, 80)
        self.assertIsNone(result["error"])
        self.assertEqual(result["status"], "200")
        self.assertClientSeen(result["body"], CLIENT4, result["local_port"])
        self.assertIn(result["backend"], BACKENDS)

    def test_ipv6_client_address_mixed_family(self):
        # web6 forwards IPv6 clients to the IPv4 backends: the header must still be INET6.
        [result] = client("http", VIP6, 80)
        self.assertIsNone(result["error"])
        self.assertEqual(result["status"], "200")
        self.assertClientSeen(result["body"], CLIENT6, result["local_port"])
        self.assertIn(result["backend"], BACKENDS, "web6 must reach the IPv4 pool")

    def test_sequential_connections(self):
        results = client("http", VIP4, 80, "--count", 20, "--concurrency", 1)
        self.assertEqual([r["error"] for r in results], [None] * 20)
        for r in results:
            self.assertClientSeen(r["body"], CLIENT4, r["local_port"])
        self.assertEqual(len({r["local_port"] for r in results}), 20)

    def test_concurrent_connections_distinct_ports(self):
        results = client("http", VIP4, 80, "--count", 100, "--concurrency", 100, timeout=90)
        errors = [r["error"] for r in results if r["error"]]
        self.assertEqual(errors, [], f"{len(errors)} of 100 connections failed")
        told = [r["body"] for r in results]
        self.assertEqual(sorted(told), sorted(f"{CLIENT4}:{r['local_port']}" for r in results))
        self.assertEqual(len(set(told)), 100, "each connection must carry its own client port")
        self.assertEqual({r["backend"] for r in results}, BACKENDS,
                         "100 connections should reach both backends of the pool")

    def test_concurrent_ipv6_connections(self):
        results = client("http", VIP6, 80, "--count", 50, "--concurrency", 50, timeout=90)
        self.assertEqual([r["error"] for r in results if r["error"]], [])
        for r in results:
            self.assertClientSeen(r["body"], CLIENT6, r["local_port"])

    def test_client_port_reused_after_close(self):
        # Clients behind NAT and load generators reuse a port as soon as its connection is
        # closed (here nginx closes first, so the client keeps no TIME_WAIT). A SYN on a
        # tuple whose previous flow is closing must start a new flow, as LVS does
        # (conn_reuse_mode), not be dropped until the closing timeout expires.
        results = client("http", VIP4, 80, "--count", 3, "--local-port", 40999,
                         "--pause", 0.3, "--timeout", 4, timeout=60)
        self.assertEqual([r["error"] for r in results], [None] * 3)
        for r in results:
            self.assertClientSeen(r["body"], CLIENT4, 40999)

    def test_thousand_connections(self):
        # SNAT ports get reused while the backends still hold TIME_WAIT for earlier tuples.
        results = client("http", VIP4, 80, "--count", 1000, "--concurrency", 50, timeout=120)
        errors = [r["error"] for r in results if r["error"]]
        self.assertEqual(errors, [], f"{len(errors)} of 1000 connections failed")
        for r in results:
            self.assertClientSeen(r["body"], CLIENT4, r["local_port"])
