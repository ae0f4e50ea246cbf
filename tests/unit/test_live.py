"""The live view and the plain log are sinks of the runner's events: what each shows."""

from __future__ import annotations

import io

from rich.console import Console

from queuelab.report.live import Board, PlainLog
from queuelab.run.events import Event, Kind

T0 = 1_700_000_000.0
RUN = Event(Kind.RUN, "r", {"scenario": "dup", "unsafe": False, "time_limit": 180}, T0)
SAMPLE = {"visible": 1, "in_flight": 2, "delayed": 0, "dlq": 0, "consumers": 3}


def events() -> list[Event]:
    return [
        RUN,
        Event(Kind.PHASE, "r", {"name": "method"}, T0 + 0.1),
        Event(
            Kind.PROCESS,
            "r",
            {"name": "consumer-1", "role": "consumer", "state": "running"},
            T0 + 0.5,
        ),
        Event(Kind.SAMPLE, "r", SAMPLE, T0 + 3.0),
        Event(Kind.SAMPLE, "r", SAMPLE, T0 + 3.5),  # unchanged: not logged again
        Event(Kind.PHASE, "r", {"name": "settle"}, T0 + 4.0),
    ]


def test_the_plain_log_writes_one_line_per_event_with_the_time_since_the_start() -> None:
    out = io.StringIO()
    log = PlainLog(Console(file=out, width=120))
    for event in [*events(), Event(Kind.VERDICT, "r", {"status": "passed", "duration_s": 7.1})]:
        log(event)
    lines = out.getvalue().splitlines()
    assert lines[0] == "[   0.0s] dup (safe): start, limit 180s"
    assert "[   0.5s] dup: consumer-1 (consumer) running" in lines
    assert sum("queue visible 1, in flight 2" in line for line in lines) == 1
    assert "[   4.0s] dup: phase settle" in lines
    assert lines[-1].endswith("dup: passed in 7.1s")


def test_the_live_view_shows_the_phase_the_queue_and_each_process() -> None:
    board = Board(["dup", "crash"])
    for event in events():
        board(event)
    out = io.StringIO()
    Console(file=out, width=120).print(board.render())
    screen = out.getvalue()
    assert "running" in screen and "waiting" in screen  # dup runs, crash waits
    assert "phase settle" in screen and "of 180s" in screen
    assert "visible 1  in flight 2  delayed 0  DLQ 0" in screen
    assert "consumer-1" in screen

    board(Event(Kind.VERDICT, "r", {"status": "passed", "duration_s": 7.1}))
    out = io.StringIO()
    Console(file=out, width=120).print(board.render())
    assert "passed" in out.getvalue() and "phase" not in out.getvalue()
