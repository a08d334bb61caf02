"""32 MiB in each direction through the appliance arrives byte-identical (sha256)."""
import os
import subprocess

from labtools import LAB_RUN, VIP4, VIP6, LabTestCase, ns, sha256_file

BULK = os.path.join(LAB_RUN, "www", "bulk")


def download(url, name, timeout=120):
    path = os.path.join(LAB_RUN, name)
    ns("sl-client", "curl", "-sS", "--fail", "-m", str(timeout - 5), "-o", path, url,
       timeout=timeout)
    return path


def upload(url, source, timeout=120):
    ns("sl-client", "curl", "-sS", "--fail", "-m", str(timeout - 5), "-T", source, url,
       timeout=timeout)


class Bulk(LabTestCase):
    def test_download_32mib_ipv4(self):
        path = download(f"http://{VIP4}/bulk", "dl-v4")
        self.assertEqual(os.path.getsize(path), os.path.getsize(BULK))
        self.assertEqual(sha256_file(path), sha256_file(BULK))

    def test_download_32mib_ipv6(self):
        path = download(f"http://[{VIP6}]/bulk", "dl-v6")
        self.assertEqual(sha256_file(path), sha256_file(BULK))

    def test_upload_32mib_ipv4(self):
        source = os.path.join(LAB_RUN, "up-src")
        subprocess.run(["head", "-c", str(32 << 20), "/dev/urandom"], check=True,
                       stdout=open(source, "wb"), timeout=30)
        upload(f"http://{VIP4}/upload/up-v4", source)
        self.assertEqual(sha256_file(os.path.join(LAB_RUN, "uploads", "up-v4")),
                         sha256_file(source))
