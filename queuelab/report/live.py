"""While scenarios run: a live view in a terminal (which scenario, its phase, elapsed time
against its limit, the queue's counts, each process's state), a plain line per event
otherwise (CI logs). Both are sinks of the runner's events (``queuelab.run.events``)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from queuelab.check.verdict import Status
from queuelab.report.console import STYLE
from queuelab.run.events import Event, Kind, Sink

STATE_STYLE = {
    "running": "cyan",
    "clean": "green",
    "crashed on purpose": "yellow",
    "stopped": "magenta",
    "killed": "magenta",
    "allowed": "green",
    "unexpected": "red",
}
SAMPLE_LOG_SECONDS = 2.0  # the plain log writes the queue's counts at most this often


@dataclass
class Current:
    """The run in progress, as its events told it."""

    scenario: str
    unsafe: bool
    time_limit: float
    started: float
    phase: str = "reset"
    sample: dict[str, int] = field(default_factory=dict)
    processes: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> role, state
    last_note: str = ""

    @property
    def key(self) -> str:
        """Its place in the plan: ``dup`` or ``dup --unsafe`` (``run.batch.Job.key``)."""
        return f"{self.scenario} --unsafe" if self.unsafe else self.scenario


class Board:
    """The state the live view draws: every scenario planned, the one running, the verdicts."""

    def __init__(self, planned: Sequence[str]) -> None:
        self.planned = list(planned)
        self.done: dict[str, tuple[str, float]] = {}  # scenario -> status, seconds
        self.running: dict[str, Current] = {}  # run id -> the run in progress (--jobs: many)
        self._lock = threading.Lock()  # events come from the runners and the samplers

    def __call__(self, event: Event) -> None:
        with self._lock:
            self.apply(event)

    def apply(self, event: Event) -> None:
        v = event.values
        if event.kind is Kind.RUN:
            self.running[event.run_id] = Current(
                str(v["scenario"]), bool(v["unsafe"]), float(v["time_limit"]), event.time
            )
            return
        current = self.running.get(event.run_id)
        if current is None:
            return
        if event.kind is Kind.PHASE:
            current.phase = str(v["name"])
        elif event.kind is Kind.SAMPLE:
            current.sample = {k: int(n) for k, n in v.items()}
        elif event.kind is Kind.PROCESS:
            current.processes[str(v["name"])] = (str(v["role"]), str(v["state"]))
        elif event.kind is Kind.NOTE:
            current.last_note = str(v["text"])
        elif event.kind is Kind.VERDICT:
            self.done[current.key] = (str(v["status"]), float(v["duration_s"]))
            del self.running[event.run_id]

    def render(self, width: int = 120, height: int = 50) -> Group:
        """What fits ``width`` x ``height``: never a line that wraps, never more lines than
        the terminal has (a taller view scrolls, and its top stays behind in the
        scrollback). Tight on rows: each run in progress on one line, then the finished
        scenarios as a count, then the waiting ones."""
        with self._lock:
            lines = self.lines(width, height)
        return Group(*lines)

    def lines(self, width: int, height: int) -> list[Text]:
        budget = max(1, height - 1)  # the cursor's line stays free
        compact = width < NARROW
        runs = list(self.running.values())
        rows = self._rows()
        done = [row for key, row in rows if key in self.done]
        waiting = [row for key, row in rows if key not in self.done and key not in self._keys()]
        running_rows = [row for key, row in rows if key in self._keys()]
        for step in range(5):
            details = [line for c in runs for line in self._running(c, compact or step >= 1)]
            shown_done = done if step < 2 else [self._count(self.done.values(), "finished")]
            shown_wait = waiting if step < 3 else [Text(f"waiting: {len(waiting)}", "dim")]
            listed = running_rows if step < 4 else []
            if not done:
                shown_done = []
            if not waiting:
                shown_wait = []
            lines = [*shown_done, *listed, *shown_wait, *details]
            if len(lines) <= budget:
                break
        lines = lines[:budget]
        return [fit(line, width) for line in lines]

    def _keys(self) -> set[str]:
        return {current.key for current in self.running.values()}

    def _rows(self) -> list[tuple[str, Text]]:
        """One line per scenario of the plan: its state, its name, its time."""
        running = self._keys()
        rows = []
        for key in self.planned:
            if key in self.done:
                status, seconds = self.done[key]
                colour = _colour(status)
                line = Text.assemble((f"{status:<9}", colour), " ", key, f"  {seconds:.1f}s")
            elif key in running:
                line = Text.assemble(("running  ", "cyan"), " ", (key, "bold"))
            else:
                line = Text.assemble(("waiting  ", "dim"), " ", (key, "dim"))
            rows.append((key, line))
        return rows

    @staticmethod
    def _count(finished: Iterable[tuple[str, float]], what: str) -> Text:
        """``finished: 12 passed, 1 failed``: the finished runs collapsed to counts."""
        counts = Counter(status for status, _ in finished)
        parts: list[str | tuple[str, str]] = [f"{what}: "]
        for i, (status, n) in enumerate(sorted(counts.items())):
            parts += [", "] if i else []
            parts.append((f"{n} {status}", _colour(status)))
        return Text.assemble(*parts)

    def _running(self, current: Current, compact: bool) -> list[Text]:
        elapsed = time.time() - current.started
        mode = "unsafe" if current.unsafe else "safe"
        s = current.sample
        if compact:  # one line: name, phase, time, queue, processes
            counts = (
                f"q {s.get('visible', '-')}/{s.get('in_flight', '-')}/{s.get('dlq', '-')}"
                if s
                else "q -"
            )
            alive = sum(state == "running" for _, state in current.processes.values())
            return [
                Text.assemble(
                    ("> ", "cyan"),
                    (current.scenario, "bold"),
                    f" ({mode}) ",
                    (current.phase, "bold cyan"),
                    f" {elapsed:.0f}/{current.time_limit:.0f}s {counts} procs {alive}",
                )
            ]
        head = Text.from_markup(
            f"[bold]{current.scenario}[/bold] ({mode})  phase [bold cyan]{current.phase}"
            f"[/bold cyan]  {elapsed:5.1f}s of {current.time_limit:.0f}s"
        )
        queue = Text(
            f"  queue: visible {s.get('visible', '-')}  in flight {s.get('in_flight', '-')}  "
            f"delayed {s.get('delayed', '-')}  DLQ {s.get('dlq', '-')}"
            if s
            else "  queue: (no sample yet)"
        )
        parts: list[Text] = [head, queue]
        for name, (role, state) in current.processes.items():
            colour = STATE_STYLE.get(state, "white")
            parts.append(Text.assemble(f"  {name} ", (role, "dim"), " ", (state, colour)))
        if current.last_note:
            parts.append(Text(f"  note: {current.last_note}", style="dim"))
        return parts


NARROW = 70  # columns below which each run in progress takes one line


def _colour(status: str) -> str:
    if status == "caught":
        return "green"
    known = status in {s.value for s in Status}
    return STYLE.get(Status(status), "white") if known else "white"


def fit(line: Text, width: int) -> Text:
    """One terminal line: cut (with an ellipsis) rather than wrapped."""
    line = line.copy()
    line.no_wrap = True
    line.truncate(max(1, width - 1), overflow="ellipsis")
    return line


class PlainLog:
    """One line per event, with the time since the run started: for CI logs and pipes."""

    def __init__(self, console: Console, lock: threading.RLock | None = None) -> None:
        self.console = console
        self.runs: dict[str, tuple[float, str]] = {}  # run id -> started, scenario
        self._last_sample: dict[str, tuple[float, dict[str, object]]] = {}
        self._lock = lock or threading.RLock()

    def __call__(self, event: Event) -> None:
        with self._lock:
            line = self.line(event)
            if line:
                self.console.print(line, highlight=False, markup=False, soft_wrap=True)

    def line(self, event: Event) -> str:
        v = event.values
        if event.kind is Kind.RUN:
            self.runs[event.run_id] = (event.time, str(v["scenario"]))
            mode = "unsafe" if v["unsafe"] else "safe"
            return f"[{0.0:6.1f}s] {v['scenario']} ({mode}): start, limit {v['time_limit']:.0f}s"
        started, scenario = self.runs.get(event.run_id, (event.time, "?"))
        at = f"[{event.time - started:6.1f}s] {scenario}:"
        if event.kind is Kind.PHASE:
            return f"{at} phase {v['name']}"
        if event.kind is Kind.PROCESS:
            return f"{at} {v['name']} ({v['role']}) {v['state']}"
        if event.kind is Kind.NOTE:
            return f"{at} note: {v['text']}"
        if event.kind is Kind.REDRIVE:
            return f"{at} redrive moved {v['moved']} ({v['method']})"
        if event.kind is Kind.SAMPLE:
            last_time, last = self._last_sample.get(event.run_id, (0.0, {}))
            if v == last or event.time - last_time < SAMPLE_LOG_SECONDS:
                return ""
            self._last_sample[event.run_id] = (event.time, dict(v))
            return (
                f"{at} queue visible {v['visible']}, in flight {v['in_flight']}, "
                f"delayed {v['delayed']}, DLQ {v['dlq']}; consumers {v['consumers']}"
            )
        if event.kind is Kind.VERDICT:
            return f"{at} {v['status']} in {v['duration_s']}s"
        return ""


@dataclass(frozen=True)
class Watch:
    """What the runs report to while they run: ``sink`` takes their events, ``say`` prints a
    line above the live view (one at a time with its frames, whatever the thread: two
    threads drawing at once would erase each other's lines)."""

    sink: Sink
    say: Callable[..., None]


@contextmanager
def watching(console: Console, planned: Sequence[str]) -> Iterator[Watch]:
    """The live view on a terminal, the plain log elsewhere. Leaving the block (normally,
    or by Ctrl-C) ends the live view and restores the terminal."""
    screen = threading.RLock()

    def say(*things: Any, **options: Any) -> None:
        with screen:
            console.print(*things, **options)

    if not console.is_terminal:
        yield Watch(PlainLog(console, screen), say)
        return
    board = Board(planned)

    def frame() -> Group:
        return board.render(console.size.width, console.size.height)

    # transient: the view is erased when the runs end (the verdicts' table follows), and
    # crop: a frame never scrolls the terminal, so nothing of it stays in the scrollback.
    # Frames are drawn here, under the same lock as ``say``.
    live = Live(
        get_renderable=frame,
        console=console,
        auto_refresh=False,
        transient=True,
        vertical_overflow="crop",
    )
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(1 / FRAMES_PER_SECOND):
            with screen:
                live.refresh()

    with live:
        ticking = threading.Thread(target=tick, name="live-view", daemon=True)
        ticking.start()
        try:
            yield Watch(board, say)
        finally:
            stop.set()
            ticking.join()


FRAMES_PER_SECOND = 4
