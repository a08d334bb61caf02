"""The appliance's own lifecycle under traffic (spec/cli-console.md: SIGHUP reloads the
config; established flows survive a reload). sluice only: the baseline has no such process."""
import os
import signal
import subprocess
import time

from labtools import IS_BASELINE, LAB_RUN, VIP4, LabTestCase, client, sha256_file
from test_bulk import BULK

APPLIANCE_PID = int(os.environ.get("APPLIANCE_PID") or 0)


class Lifecycle(LabTestCase):
    def setUp(self):
        super().setUp()
        if IS_BASELINE or not APPLIANCE_PID:
            self.skipTest("needs the appliance process (APPLIANCE_PID)")

    def test_sighup_during_download_keeps_the_flow(self):
        path = os.path.join(LAB_RUN, "dl-sighup")
        # Rate-limited so the reload lands in the middle of the transfer (~2 s).
        download = subprocess.Popen(
            ["ip", "netns", "exec", "sl-client", "curl", "-sS", "--fail", "-m", "60",
             "--limit-rate", "16M", "-o", path, f"http://{VIP4}/bulk"])
        try:
            time.sleep(0.7)
            os.kill(APPLIANCE_PID, signal.SIGHUP)
            self.assertEqual(download.wait(timeout=70), 0)
        finally:
            if download.poll() is None:
                download.kill()
                download.wait()
        os.kill(APPLIANCE_PID, 0)  # still running
        self.assertEqual(sha256_file(path), sha256_file(BULK))
        [after] = client("http", VIP4, 80)
        self.assertIsNone(after["error"], "new connections after the reload")
