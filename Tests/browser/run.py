"""Runs the browser tests and ends with the summary line `browser: N passed, N failed`."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main():
    started = time.time()
    # BROWSER_TESTS narrows the run to some files, e.g. "test_triage*.py" (default: all).
    pattern = os.environ.get("BROWSER_TESTS", "test_*.py")
    suite = unittest.defaultTestLoader.discover(os.path.dirname(os.path.abspath(__file__)), pattern=pattern)
    result = unittest.TextTestRunner(verbosity=2, failfast=False).run(suite)
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed - len(result.skipped)
    print("browser tests took %.1f s" % (time.time() - started))
    print("browser: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
