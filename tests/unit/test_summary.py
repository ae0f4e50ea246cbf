"""``--summary-md``: the verdicts as Markdown for a CI job's summary page, kept as a golden
file (tests/unit/data/summary.md; QUEUELAB_UPDATE_GOLDEN=1 rewrites it after a change
meant to show). A caught negative control reads as one, a missed one names what it missed."""

from __future__ import annotations

import os
from pathlib import Path

import scenarios
from queuelab.check.ledger import Ledger
from queuelab.check.verdict import Status
from queuelab.report.summary import markdown, write_summary
from queuelab.run.batch import Job, Outcome
from queuelab.run.result import Result

GOLDEN = Path(__file__).parent / "data" / "summary.md"


def outcome(name: str, status: Status, unsafe: bool, ledger: Ledger, *reasons: str) -> Outcome:
    result = Result(name, status, unsafe, 12.34, ledger, (), reasons, Path("/runs") / name)
    return Outcome.of(Job(scenarios.get(name), unsafe), result)


OUTCOMES = [
    outcome("dup", Status.PASSED, False, Ledger(acknowledged=2, delivered=2)),
    outcome(
        "dup",
        Status.FAILED,
        True,
        Ledger(acknowledged=2, delivered=2, duplicate_side_effects=2),
        "duplicate_side_effects == 0, got 2",
    ),
    outcome("crash", Status.PASSED, True, Ledger(acknowledged=10, delivered=10)),
    outcome("poison", Status.ERROR, False, Ledger(), "not judged: needs rejected >= 1, got 0"),
]


def test_the_summary_matches_the_golden_file(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    path.write_text("an earlier step's summary\n")
    write_summary(path, OUTCOMES)
    written = path.read_text().removeprefix("an earlier step's summary\n")  # appended
    if os.environ.get("QUEUELAB_UPDATE_GOLDEN"):
        GOLDEN.write_text(written)
    assert written == GOLDEN.read_text()


def test_a_control_reads_as_caught_or_missed() -> None:
    text = markdown(OUTCOMES)
    assert "| dup | negative control | ✅ caught |" in text
    assert "| crash | negative control | ❌ missed |" in text
    assert "the checker missed lost >= 1 (got 0)" in text
    assert text.startswith("## queuelab: 4 runs, 2 to look at")
