"""The live view in a terminal emulator (pyte): with 29 scenarios at 80x24 and at 160x50 it
never draws more lines than the terminal has nor a line that wraps, so nothing of it stays in
the scrollback once the runs end; what the runs print meanwhile stays, once each, in order;
the verdicts' table that follows reads whole at 80 columns."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pyte
import pytest
from rich.console import Console

import scenarios
from queuelab.check.ledger import Ledger
from queuelab.check.verdict import Status
from queuelab.report import tables
from queuelab.report.live import Board, watching
from queuelab.run.events import Event, Kind
from queuelab.run.result import Result

NAMES = [s.name for s in scenarios.ALL][:29]
SAMPLE = {"visible": 12, "in_flight": 4, "delayed": 0, "dlq": 1, "consumers": 3}


def run_events(index: int, name: str) -> list[Event]:
    run = f"run-{index}"
    begun = {"scenario": name, "unsafe": False, "time_limit": 180, "run_dir": "/r"}
    processes = [
        Event(Kind.PROCESS, run, {"name": f"consumer-{n}", "role": "consumer", "state": "running"})
        for n in range(1, 5)
    ]
    return [
        Event(Kind.RUN, run, begun),
        Event(Kind.PHASE, run, {"name": "method"}),
        *processes,
        Event(Kind.SAMPLE, run, SAMPLE),
        Event(Kind.NOTE, run, {"text": "a note long enough to be cut on a narrow terminal " * 3}),
    ]


def screen_text(output: str, columns: int, rows: int) -> tuple[list[str], list[str]]:
    """The scrollback and the screen after replaying ``output``, as lines of text."""
    screen = pyte.HistoryScreen(columns, rows, history=10_000)
    screen.set_mode(pyte.modes.LNM)  # a newline returns the carriage, as a tty's onlcr does
    pyte.Stream(screen).feed(output)
    scrolled = [
        "".join(line[x].data for x in range(columns)).rstrip() for line in screen.history.top
    ]
    return scrolled, [line.rstrip() for line in screen.display]


@pytest.mark.parametrize(("columns", "rows"), [(80, 24), (160, 50)])
def test_the_live_view_fits_and_leaves_nothing_in_the_scrollback(columns: int, rows: int) -> None:
    out = io.StringIO()
    console = Console(file=out, width=columns, height=rows, force_terminal=True, color_system=None)
    with watching(console, NAMES) as view:
        for batch in range(0, len(NAMES), 4):  # four side by side, as --jobs 4
            chosen = list(enumerate(NAMES))[batch : batch + 4]
            for index, name in chosen:
                for event in run_events(index, name):
                    view.sink(event)
            time.sleep(0.3)  # a few frames with these four running
            for index, name in chosen:
                view.sink(
                    Event(Kind.VERDICT, f"run-{index}", {"status": "passed", "duration_s": 3.2})
                )
                view.say(f"passed {name} (safe) in 3.2s")  # from this thread, as a report's
    console.print("THE END")

    scrolled, screen = screen_text(out.getvalue(), columns, rows)
    everything = [line for line in [*scrolled, *screen] if line]
    said = [f"passed {name} (safe) in 3.2s" for name in NAMES] + ["THE END"]
    assert everything == said  # no frame of the live view left, nothing printed twice


def test_finished_scenarios_collapse_to_a_count_when_the_rows_run_out() -> None:
    board = Board(NAMES)
    for index, name in enumerate(NAMES[:20]):
        for event in run_events(index, name):
            board(event)
        if index < 18:
            board(Event(Kind.VERDICT, f"run-{index}", {"status": "passed", "duration_s": 1.0}))
    tall = board.lines(160, 200)
    short = board.lines(80, 24)
    assert len(tall) > 29 and len(short) <= 23
    plain = [line.plain for line in short]
    assert "finished: 18 passed" in plain
    assert all(len(line) < 80 for line in plain)
    assert sum(line.startswith("> ") for line in plain) == 2  # each run in progress, one line


def test_a_narrow_terminal_gets_one_line_per_run_in_progress() -> None:
    board = Board(NAMES[:3])
    for event in run_events(0, NAMES[0]):
        board(event)
    plain = [line.plain for line in board.lines(60, 40)]
    assert [line for line in plain if line.startswith("> ")] == [
        next(line for line in plain if line.startswith(f"> {NAMES[0]}"))
    ]
    assert all(len(line) < 60 for line in plain)


def test_the_verdicts_table_reads_whole_at_80_columns() -> None:
    def result(name: str, unsafe: bool) -> Result:
        ledger = Ledger(acknowledged=300, delivered=300, redeliveries=125)
        return Result(name, Status.PASSED, unsafe, 58.4, ledger, (), (), Path("/r"))

    out = io.StringIO()
    console = Console(file=out, width=80, force_terminal=True, color_system=None)
    tables.print_results(console, [result(n, u) for n in NAMES for u in (False, True)][:40])
    lines = out.getvalue().splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert "…" not in out.getvalue()
    longest = max(NAMES, key=len)
    assert any(line.split()[:1] == [longest] for line in lines)
