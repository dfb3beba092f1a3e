"""Runs the Eclipse Paho MQTT 3.1.1 interoperability client tests (paho.mqtt.testing,
interoperability/client_test.py) as written against a broker, and prints one JSON line.

The suite's own __main__ hands --hostname/--port to unittest.main(), which rejects them, so it
cannot be run from its command line against another port. This imports the module, sets the
globals its __main__ would have set (host, port and the topic lists, unchanged) and runs its
Test class.

usage: python3 paho_interop.py SUITE_DIR HOST PORT
  SUITE_DIR: the suite's interoperability/ directory (the one holding client_test.py)
prints, last line: {"total": 10, "passed": N, "failed": ["test_keepalive: ...", ...]}
exit status: 0 when every test passed, 1 otherwise, 2 on bad arguments
"""

import json
import os
import sys
import unittest


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    suite_dir, host, port = argv[1], argv[2], int(argv[3])
    if not os.path.isfile(os.path.join(suite_dir, "client_test.py")):
        print("no client_test.py in %s" % suite_dir, file=sys.stderr)
        return 2
    sys.path.insert(0, suite_dir)
    import client_test

    # What the suite's __main__ sets, as written there.
    client_test.host = host
    client_test.port = port
    client_test.topics = ("TopicA", "TopicA/B", "Topic/C", "TopicA/C", "/TopicA")
    client_test.wildtopics = ("TopicA/+", "+/C", "#", "/#", "/+", "+/+", "TopicA/#")
    client_test.nosubscribe_topics = ("test/nosubscribe",)

    tests = unittest.TestLoader().loadTestsFromTestCase(client_test.Test)
    total = tests.countTestCases()
    result = unittest.TextTestRunner(stream=sys.stderr, verbosity=2, resultclass=CountingResult).run(tests)
    # A failing setUpClass (the suite's cleanup cannot connect) runs no test: each counts as failed.
    failed = [
        "%s: %s" % (getattr(test, "_testMethodName", str(test)), trace.strip().splitlines()[-1])
        for test, trace in result.failures + result.errors
    ]
    passed = len(result.passed)
    print(json.dumps({"total": total, "passed": passed, "failed": failed}))
    return 0 if passed == total else 1


class CountingResult(unittest.TextTestResult):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.passed = []

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed.append(test.id())


if __name__ == "__main__":
    sys.exit(main(sys.argv))
