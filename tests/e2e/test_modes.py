"""The other header modes through nginx: with-data (spec "send = with-data": the header
prepended to the first client data segment, the client's MSS lowered by H so that a full-sized
first segment still carries it) and the v1 text header. Services web-data (:82) and web-v1
(:83) of configs/lab.toml; the kernel baseline has neither.
"""
from labtools import CLIENT4, IS_BASELINE, VIP4, LabTestCase, client


class HeaderModes(LabTestCase):
    def setUp(self):
        super().setUp()
        if IS_BASELINE:
            self.skipTest("the kernel baseline serves only web, web6 and banner")

    def test_with_data_full_mss_first_request(self):
        # A 3 KiB request written at once: the kernel sends a full-MSS first segment.
        results = client("http", VIP4, 82, "--count", 20, "--pad", 3000, timeout=90)
        self.assertEqual([r["error"] for r in results], [None] * 20)
        for r in results:
            self.assertEqual(r["status"], "200")
            self.assertClientSeen(r["body"], CLIENT4, r["local_port"])

    def test_with_data_small_requests_concurrently(self):
        results = client("http", VIP4, 82, "--count", 50, "--concurrency", 25, timeout=90)
        self.assertEqual([r["error"] for r in results if r["error"]], [])
        for r in results:
            self.assertClientSeen(r["body"], CLIENT4, r["local_port"])

    def test_v1_text_header(self):
        results = client("http", VIP4, 83, "--count", 20, "--concurrency", 10, timeout=90)
        self.assertEqual([r["error"] for r in results if r["error"]], [])
        for r in results:
            self.assertEqual(r["status"], "200")
            self.assertClientSeen(r["body"], CLIENT4, r["local_port"])
