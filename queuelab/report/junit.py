"""Results for CI: ``--junit PATH`` writes JUnit XML (with junitparser), the format Jenkins,
GitLab, GitHub Actions reporters and most CI systems render.

One ``testsuite`` named ``queuelab``, one ``testcase`` per scenario run (classname
``queuelab.safe`` / ``queuelab.unsafe``, name the scenario): ``failed`` is a ``failure``
listing the broken checks, ``error`` an ``error`` with its reasons, ``interrupted`` an
``error`` too (it was not judged), ``skipped`` a ``skipped``. Every check, expected
against actual, is in ``system-out``, with the paths of the journal and the report.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

from queuelab.check.verdict import Status
from queuelab.run.result import Result

SUITE = "queuelab"


def _details(result: Result) -> str:
    lines = [
        f"{'ok' if c.ok else 'BROKEN'}: {c.name} expected {c.expected}, got {c.actual:g}"
        for c in result.checks
    ]
    lines += [f"reason: {reason}" for reason in result.reasons]
    lines.append(f"journal: {result.run_dir / 'journal.json'}")
    lines.append(f"report: {result.run_dir / 'report.html'}")
    return "\n".join(lines)


def testcase(result: Result) -> TestCase:
    mode = "unsafe" if result.unsafe else "safe"
    case = TestCase(result.scenario, f"{SUITE}.{mode}", round(result.duration_s, 3))
    broken = [f"{c.name} {c.expected}, got {c.actual:g}" for c in result.checks if not c.ok]
    if result.status is Status.FAILED:
        problem = Failure("; ".join(broken or result.reasons), "failed")
        problem.text = "\n".join(broken or result.reasons)
        case.result = [problem]
    elif result.status in (Status.SKIPPED, Status.NOT_APPLICABLE):  # nothing to fix here
        case.result = [Skipped("; ".join(result.reasons) or result.status.value)]
    elif result.status in (Status.ERROR, Status.INTERRUPTED):
        error = Error("; ".join(result.reasons) or result.status.value, result.status.value)
        error.text = "\n".join(result.reasons)
        case.result = [error]
    case.system_out = _details(result)
    return case


def document(results: Iterable[Result]) -> JUnitXml:
    suite = TestSuite(SUITE)
    suite.timestamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    suite.hostname = socket.gethostname()
    for result in results:
        suite.add_testcase(testcase(result))
    suite.update_statistics()  # type: ignore[no-untyped-call]
    xml = JUnitXml(SUITE)
    xml.add_testsuite(suite)
    xml.update_statistics()  # type: ignore[no-untyped-call]
    return xml


def write_junit(path: Path, results: Iterable[Result]) -> None:
    document(results).write(str(path), pretty=True)
