"""A run's ``outcome.json``: what the run was for and whether it did that (a safe run's
verdict; a negative control ``caught`` or ``missed``, what ``--unsafe`` turned off and what
the checker had to show), written beside the journal so the report and the index read it
from the run directory alone."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from queuelab.run.batch import Outcome

FILE = "outcome.json"


def write(outcome: Outcome) -> Path:
    path = outcome.result.run_dir / FILE
    data = {
        "outcome": outcome.label,
        "ok": outcome.ok,
        "control": outcome.control,
        "turned_off": outcome.turned_off,
        "must_show": [str(e) for e in outcome.must_show],
        "missed": list(outcome.missed),
        "problems": list(outcome.problems),
    }
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


EMPTY: dict[str, Any] = {
    "outcome": "", "ok": None, "control": False, "turned_off": "", "must_show": [], "missed": [],
    "problems": [],
}  # fmt: skip


def read(run_dir: Path) -> dict[str, Any]:
    """The run's outcome (every key; empty values for a run made before outcomes were kept)."""
    try:
        data = json.loads((run_dir / FILE).read_text())
    except (OSError, ValueError):
        return dict(EMPTY)
    return EMPTY | data if isinstance(data, dict) else dict(EMPTY)


def draw(outcome: Outcome, about: str) -> Outcome:
    """Its ``report.html`` drawn; a report that cannot be made is a note, the verdict stands."""
    from queuelab.report import html  # matplotlib: imported when a report is drawn

    try:
        return replace(outcome, report=html.write_report(outcome.result.run_dir, about))
    except Exception as err:  # the verdict stands without its picture
        return replace(outcome, note=f"no report for {outcome.result.run_dir}: {err}")


def index(runs_root: Path) -> Path:
    from queuelab.report import html

    return html.write_index(runs_root)
