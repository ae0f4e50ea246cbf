"""``queuelab report [RUN...]``: (re)write the report of runs from their directories (an old
run's too), and the index of the runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import scenarios
from queuelab import workdir
from queuelab.cli.hints import me
from queuelab.contract.history import UnknownOperation
from queuelab.report.console import console as make_console
from queuelab.report.console import fail

console = make_console()


def _run_dirs(runs: list[str]) -> list[Path]:
    root = workdir.runs()
    if not runs:
        found = sorted((d for d in root.glob("*/journal.json")), key=lambda p: p.stat().st_mtime)
        if not found:
            fail(f"no run in {root} yet: `{me()} run NAME` makes one")
        return [found[-1].parent]
    chosen = []
    for run in runs:
        path = Path(run) if Path(run).is_dir() else root / run
        if not path.is_dir():
            fail(f"{run!r} is neither a run directory nor a run id in {root}")
        chosen.append(path)
    return chosen


def report(
    runs: Annotated[
        list[str] | None,
        typer.Argument(help="Run directories or run ids (default: the latest run)."),
    ] = None,
) -> None:
    """Write report.html for these runs (default: the latest) and the runs' index.html."""
    from queuelab.report import html, rundir  # matplotlib: imported when a report is drawn

    for run_dir in _run_dirs(runs or []):
        try:
            name = rundir.RunDir.load(run_dir).name
            about = next((s.summary for s in scenarios.ALL if s.name == name), "")
            path = html.write_report(run_dir, about)
        except (rundir.NotARun, UnknownOperation) as err:  # nothing to draw it from
            fail(str(err))
        console.print(f"report: {path}", highlight=False, soft_wrap=True)
    if workdir.runs().is_dir():
        index = html.write_index(workdir.runs())
        console.print(f"index of the runs: {index}", highlight=False, soft_wrap=True)
