"""Results for CI: ``--junit PATH`` writes JUnit XML (with junitparser), the format Jenkins,
GitLab, GitHub Actions reporters and most CI systems render.

One ``testsuite`` named ``queuelab``, one ``testcase`` per scenario run (classname
``queuelab.safe`` / ``queuelab.unsafe``, name the scenario): ``failed`` is a ``failure``
listing the broken checks, ``error`` an ``error`` with its reasons, ``interrupted`` an
``error`` too (it was not judged), ``skipped`` a ``skipped``. A negative control
(``--unsafe``) that showed its anomaly is ``caught``: a passing testcase; one that did not
is a ``failure`` named ``the checker missed ...``. Every check, expected
against actual, is in ``system-out``, with the paths of the journal and the report.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

from queuelab.check.verdict import Status
from queuelab.run.batch import Outcome, as_outcome
from queuelab.run.result import Result

SUITE = "queuelab"


def _details(outcome: Outcome) -> str:
    result = outcome.result
    lines = [f"outcome: {outcome.label}"]
    if outcome.control:
        lines.append(f"negative control: {outcome.turned_off}")
        lines += [f"the checker must report: {e}" for e in outcome.must_show]
    lines += [
        f"{'ok' if c.ok else 'BROKEN'}: {c.name} expected {c.expected}, got {c.actual:g}"
        for c in result.checks
    ]
    lines += [f"reason: {reason}" for reason in result.reasons]
    lines.append(f"journal: {result.run_dir / 'journal.json'}")
    lines.append(f"report: {result.run_dir / 'report.html'}")
    return "\n".join(lines)


def testcase(item: Outcome | Result) -> TestCase:
    outcome = as_outcome(item)
    result = outcome.result
    mode = "unsafe" if result.unsafe else "safe"
    case = TestCase(result.scenario, f"{SUITE}.{mode}", round(result.duration_s, 3))
    broken = [f"{c.name} {c.expected}, got {c.actual:g}" for c in result.checks if not c.ok]
    if outcome.control and outcome.judged:  # a negative control: caught passes
        if not outcome.ok:
            missed = Failure("; ".join(outcome.problems), "missed")
            missed.text = "\n".join(outcome.problems)
            case.result = [missed]
    elif result.status is Status.FAILED:
        problem = Failure("; ".join(broken or result.reasons), "failed")
        problem.text = "\n".join(broken or result.reasons)
        case.result = [problem]
    elif result.status in (Status.SKIPPED, Status.NOT_APPLICABLE):  # nothing to fix here
        case.result = [Skipped("; ".join(result.reasons) or result.status.value)]
    elif result.status in (Status.ERROR, Status.INTERRUPTED):
        error = Error("; ".join(result.reasons) or result.status.value, result.status.value)
        error.text = "\n".join(result.reasons)
        case.result = [error]
    case.system_out = _details(outcome)
    return case


def document(results: Iterable[Outcome | Result]) -> JUnitXml:
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


def write_junit(path: Path, results: Iterable[Outcome | Result]) -> None:
    document(results).write(str(path), pretty=True)
