"""Runs tests/e2e/test_*.py (unittest) and appends one "PASS name" / "FAIL name" line per test
to RESULTS_FILE; names are e2e/APPLIANCE/MODULE/TEST. Exit status 0 when all passed.
Usage: runner.py RESULTS_FILE [PATTERN]
E2E_TESTS_DIR: another directory of test_*.py (tests/soak, tests/faults); labtools stays importable.
"""
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import labtools  # noqa: E402


class RecordingResult(unittest.TextTestResult):
    def __init__(self, stream, descriptions, verbosity, results_path):
        super().__init__(stream, descriptions, verbosity)
        self.results_path = results_path
        self.started = 0.0

    def name(self, test):
        module, _, method = test.id().rpartition(".")
        if module.endswith("_FailedTest"):  # a test file that does not even import
            return f"e2e/{labtools.APPLIANCE}/import-error/{method}"
        module = module.split(".")[0].removeprefix("test_")
        return f"e2e/{labtools.APPLIANCE}/{module}/{method.removeprefix('test_')}"

    def record(self, verdict, test):
        with open(self.results_path, "a") as f:
            f.write(f"{verdict} {self.name(test)}\n")
        self.stream.write(f"{verdict} {self.name(test)} ({time.monotonic() - self.started:.1f}s)\n")
        self.stream.flush()

    def startTest(self, test):
        self.started = time.monotonic()
        super().startTest(test)

    def addSuccess(self, test):
        super().addSuccess(test)
        self.record("PASS", test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.record("FAIL", test)

    def addError(self, test, err):
        super().addError(test, err)
        self.record("FAIL", test)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.stream.write(f"SKIP {self.name(test)}: {reason}\n")

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.record("FAIL", test)


def main():
    results_path = sys.argv[1]
    pattern = sys.argv[2] if len(sys.argv) > 2 else "test_*.py"
    tests_dir = os.path.abspath(os.environ.get("E2E_TESTS_DIR") or HERE)
    sys.path.insert(0, tests_dir)
    suite = unittest.defaultTestLoader.discover(tests_dir, pattern=pattern, top_level_dir=tests_dir)
    runner = unittest.TextTestRunner(
        stream=sys.stdout, verbosity=0,
        resultclass=lambda s, d, v: RecordingResult(s, d, v, results_path))
    result = runner.run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
