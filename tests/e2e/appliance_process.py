"""One `sluice run` in a network namespace, its output in a file: the appliance the tests that
build their own namespaces (run_smoke_test.py, bare_host_test.py) start, wait for and stop,
and the two command helpers they share."""
import signal
import subprocess
import time
from pathlib import Path

STOP_TIMEOUT_S = 10


def sh(*args, check=True, **kwargs):
    """Runs a command, output captured as text."""
    return subprocess.run(list(args), check=check, capture_output=True, text=True, **kwargs)


def in_ns(ns, *args):
    """The command line that runs `args` inside network namespace `ns`."""
    return ["ip", "netns", "exec", ns, *args]


class ApplianceProcess:
    def __init__(self, namespace, binary, workdir, text, name="sluice", args=()):
        self.config = Path(workdir) / f"{name}.toml"
        self.config.write_text(text)
        self.log_path = Path(workdir) / f"{name}.log"
        self.log_file = open(self.log_path, "w")
        self.process = subprocess.Popen(
            in_ns(namespace, binary, "run", "--config", str(self.config), *args),
            stdout=self.log_file, stderr=subprocess.STDOUT)

    def log(self):
        return self.log_path.read_text()

    def wait_for(self, text, timeout):
        """True once `text` is in the log; False after `timeout` s or when sluice exited without it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return True
            if self.process.poll() is not None:
                return text in self.log()
            time.sleep(0.1)
        return False

    def stop(self, sig=signal.SIGTERM):
        """Sends `sig` and returns the exit code (TimeoutExpired after STOP_TIMEOUT_S)."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_S)
        finally:
            self.log_file.close()

    def kill(self):
        """SIGKILL (nothing of sluice's own clean-up runs); safe to call after stop()."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if not self.log_file.closed:
            self.log_file.close()
