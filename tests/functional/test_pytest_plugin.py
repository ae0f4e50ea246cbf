"""The pytest plugin (``queuelab.pytest_plugin``, entry point ``pytest11``), run by pytester
in a pytest of its own: one item per scenario and per negative control, a control passes
when the anomaly is shown, a failing verdict reads as an assertion (broken checks, expected
against actual), the options reach the runs; and the example project a team would write runs
green judging the correct example consumer and red judging the naive one."""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).parents[2]
CORRECT = shlex.join([sys.executable, str(ROOT / "examples" / "correct_consumer.py")])
NAIVE = shlex.join([sys.executable, str(ROOT / "examples" / "naive_consumer.py")])

MARKED = """
import json
import pytest

@pytest.mark.queuelab({names}, controls=True)
def test_worker(queuelab, queuelab_case):
    outcome = queuelab.check(queuelab_case)
    journal = json.loads((outcome.result.run_dir / "journal.json").read_text())
    print("SEED", journal["faults"]["seed"], "CONSUMER", journal["consumer_command"])
"""


def test_the_marker_makes_one_item_per_scenario_and_per_negative_control(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(MARKED.format(names='"dup", "crash"'))
    done = pytester.runpytest_subprocess("--collect-only", "-q")
    names = [line for line in done.outlines if "::" in line]
    assert names == [
        f"test_the_marker_makes_one_item_per_scenario_and_per_negative_control.py::test_worker[{case}]"
        for case in ("dup", "dup-control", "crash", "crash-control")
    ]


def test_a_consumer_that_holds_passes_and_the_control_shows_its_anomaly(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(MARKED.format(names='"happy"'))
    done = pytester.runpytest_subprocess(
        "-s", "--queuelab-consumer", CORRECT, "--queuelab-seed", "7", "-p", "no:cacheprovider"
    )
    done.assert_outcomes(passed=2)
    seen = re.findall(r"SEED (\d+) CONSUMER (None|\[[^\]]*\])", done.stdout.str())
    assert [seed for seed, _ in seen] == ["7", "7"]
    assert "examples/correct_consumer.py" in seen[0][1]  # the safe item judged the consumer
    assert seen[1][1] == "None"  # the control: queuelab's own consumer, safeguard off


def test_a_failing_verdict_reads_as_an_assertion_with_the_broken_checks(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        def test_dup(queuelab):
            queuelab.check("dup")
        """
    )
    done = pytester.runpytest_subprocess("--queuelab-consumer", NAIVE, "-p", "no:cacheprovider")
    done.assert_outcomes(failed=1)
    text = done.stdout.str()
    assert "VerdictFailed: queuelab dup (safe, " in text and "naive_consumer.py): failed" in text
    header = next(
        i
        for i, line in enumerate(done.outlines)
        if line.split()[-3:] == ["check", "expected", "actual"]
    )
    row = done.outlines[header + 1].split()  # E  lost  == 0  2: a broken check
    assert row[1] in ("lost", "duplicate_side_effects", "delivered") and float(row[-1]) >= 0
    assert "report: " in text


@pytest.mark.slow
@pytest.mark.parametrize(("consumer", "green"), [(None, True), (NAIVE, False)])
def test_the_example_project_is_green_judging_the_correct_consumer_and_red_the_naive(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, consumer: str | None, green: bool
) -> None:
    project = ROOT / "examples" / "pytest_project"
    args = [str(project), "-p", "no:cacheprovider", "--rootdir", str(project)]
    args += ["-c", str(project / "pyproject.toml")]
    args += ["--queuelab-consumer", consumer] if consumer else []
    # the project's worker command is "python ...": this virtualenv's, which has boto3
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    done = pytester.runpytest_subprocess(*args, timeout=900)
    outcomes = done.parseoutcomes()
    if green:
        assert outcomes == {"passed": 5}, done.stdout.str()
        return
    # the two controls still pass: they run queuelab's own consumer with the safeguard off
    assert outcomes.get("failed", 0) >= 2 and outcomes.get("passed", 0) >= 2, outcomes
    assert "the checker missed" not in done.stdout.str()
