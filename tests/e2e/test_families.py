"""All four family pairs (spec/proxy-protocol.md "Families"): port 80 reaches the IPv4
backends, port 81 the IPv6 ones; the header always carries the client's own family."""
import os

from labtools import (CLIENT4, CLIENT6, LAB_RUN, VIP4, VIP6, LabTestCase, client,
                      random_loss, sha256_file)
from test_bulk import BULK, download

BACKENDS6 = {"fd20::2", "fd20::3"}


class Families(LabTestCase):
    def check(self, vip, port, client_ip, backends, count=1):
        results = client("http", vip, port, "--count", count, "--concurrency", count)
        self.assertEqual([r["error"] for r in results if r["error"]], [])
        for r in results:
            self.assertEqual(r["status"], "200")
            self.assertClientSeen(r["body"], client_ip, r["local_port"])
            self.assertIn(r["backend"], backends)
        return results

    def test_ipv4_client_to_ipv6_backend(self):
        self.check(VIP4, 81, CLIENT4, BACKENDS6)

    def test_ipv6_client_to_ipv6_backend(self):
        self.check(VIP6, 81, CLIENT6, BACKENDS6)

    def test_ipv4_to_ipv6_concurrent_both_backends(self):
        results = self.check(VIP4, 81, CLIENT4, BACKENDS6, count=50)
        self.assertEqual({r["backend"] for r in results}, BACKENDS6)

    def test_ipv4_to_ipv6_download_with_loss(self):
        # 4 -> 6 translation rewrites every header and L4 checksum; with 2% loss both sides.
        with random_loss(2, "sl-client", "cl-eth0"), random_loss(2, "sl-backend", "be-eth0"):
            path = download(f"http://{VIP4}:81/bulk", "dl-46-loss")
        self.assertEqual(sha256_file(path), sha256_file(BULK))

    def test_ipv6_to_ipv4_upload(self):
        source = os.path.join(LAB_RUN, "up-64-src")
        with open(source, "wb") as f:
            f.write(os.urandom(8 << 20))
        from test_bulk import upload
        upload(f"http://[{VIP6}]/upload/up-64", source)
        self.assertEqual(sha256_file(os.path.join(LAB_RUN, "uploads", "up-64")),
                         sha256_file(source))
