"""``--junit``: one testcase per scenario run, failures list the broken checks, ``error`` and
``interrupted`` verdicts are errors; the file validates against the JUnit schema CI systems
read, and a JUnit parser reads the same counts back."""

from __future__ import annotations

from pathlib import Path

import xmlschema
from junitparser import Error, Failure, JUnitXml

from queuelab.check.ledger import Ledger
from queuelab.check.verdict import Check, Status
from queuelab.report.junit import write_junit
from queuelab.run.result import Result

SCHEMA = xmlschema.XMLSchema(Path(__file__).parent / "data" / "junit.xsd")


def result(
    name: str, status: Status, checks: tuple[Check, ...], reasons: tuple[str, ...]
) -> Result:
    return Result(
        name, status, name == "dup", 1.25, Ledger(), checks, reasons, Path("/runs") / name
    )


RESULTS = [
    result("happy", Status.PASSED, (Check("lost", "== 0", 0, True),), ()),
    result(
        "dup",
        Status.FAILED,
        (Check("lost", "== 0", 0, True), Check("duplicate_side_effects", "== 0", 2, False)),
        ("duplicate_side_effects == 0, got 2",),
    ),
    result("crash", Status.ERROR, (), ("not judged: needs crashes >= 1, got 0",)),
    result("poison", Status.INTERRUPTED, (), ("interrupted (Ctrl-C or SIGTERM) during method",)),
]


def test_the_junit_file_validates_against_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "results.xml"
    write_junit(path, RESULTS)
    SCHEMA.validate(str(path))  # raises with the offending element if it does not


def test_a_junit_parser_reads_one_testcase_per_run_with_failures_and_errors(
    tmp_path: Path,
) -> None:
    path = tmp_path / "results.xml"
    write_junit(path, RESULTS)

    xml = JUnitXml.fromfile(str(path))
    suites = list(xml)
    assert len(suites) == 1
    suite = suites[0]
    assert (suite.tests, suite.failures, suite.errors) == (4, 1, 2)
    cases = {case.name: case for case in suite}
    assert cases["happy"].is_passed and cases["happy"].classname == "queuelab.safe"
    assert cases["dup"].classname == "queuelab.unsafe"
    [failure] = cases["dup"].result
    assert isinstance(failure, Failure)
    assert failure.message == "duplicate_side_effects == 0, got 2"
    assert "BROKEN: duplicate_side_effects expected == 0, got 2" in str(cases["dup"].system_out)
    for name in ("crash", "poison"):
        [error] = cases[name].result
        assert isinstance(error, Error)
    assert "needs crashes >= 1" in str(cases["crash"].result[0].message)
    assert cases["poison"].result[0].type == "interrupted"


def test_the_schema_refuses_what_ci_systems_would_not_read(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text('<testsuites><testsuite name="s" tests="1"><testcase name="x"/></testsuite>'
                    "</testsuites>")  # fmt: skip
    assert not SCHEMA.is_valid(str(path))  # a testcase needs its classname
