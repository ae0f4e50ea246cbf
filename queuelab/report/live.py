"""While scenarios run: a live view in a terminal (which scenario, its phase, elapsed time
against its limit, the queue's counts, each process's state), a plain line per event
otherwise (CI logs). Both are sinks of the runner's events (``queuelab.run.events``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
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

    def render(self) -> Group:
        with self._lock:
            parts = [self._running(current) for current in self.running.values()]
            return Group(self._scenarios(), *(line for lines in parts for line in lines))

    def _scenarios(self) -> Table:
        table = Table(box=None, show_header=False, padding=(0, 1))
        running = {current.key for current in self.running.values()}
        for name in self.planned:
            if name in self.done:
                status, seconds = self.done[name]
                known = status in {s.value for s in Status}
                colour = STYLE.get(Status(status), "white") if known else "white"
                table.add_row(f"[{colour}]{status}[/{colour}]", name, f"{seconds:.1f}s")
            elif name in running:
                table.add_row("[cyan]running[/cyan]", f"[bold]{name}[/bold]", "")
            else:
                table.add_row("[dim]waiting[/dim]", f"[dim]{name}[/dim]", "")
        return table

    def _running(self, current: Current) -> list[Text | Table]:
        elapsed = time.time() - current.started
        mode = "unsafe" if current.unsafe else "safe"
        head = Text.from_markup(
            f"[bold]{current.scenario}[/bold] ({mode})  phase [bold cyan]{current.phase}"
            f"[/bold cyan]  {elapsed:5.1f}s of {current.time_limit:.0f}s"
        )
        s = current.sample
        queue = Text(
            f"queue: visible {s.get('visible', '-')}  in flight {s.get('in_flight', '-')}  "
            f"delayed {s.get('delayed', '-')}  DLQ {s.get('dlq', '-')}"
            if s
            else "queue: (no sample yet)"
        )
        processes = Table(box=None, show_header=False, padding=(0, 1))
        for name, (role, state) in current.processes.items():
            colour = STATE_STYLE.get(state, "white")
            processes.add_row(f"  {name}", f"[dim]{role}[/dim]", f"[{colour}]{state}[/{colour}]")
        parts: list[Text | Table] = [head, queue, processes]
        if current.last_note:
            parts.append(Text(f"note: {current.last_note}", style="dim"))
        return parts


class PlainLog:
    """One line per event, with the time since the run started: for CI logs and pipes."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.runs: dict[str, tuple[float, str]] = {}  # run id -> started, scenario
        self._last_sample: dict[str, tuple[float, dict[str, object]]] = {}
        self._lock = threading.Lock()

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


@contextmanager
def watching(console: Console, planned: Sequence[str]) -> Iterator[Sink]:
    """A sink for the runs: the live view on a terminal, the plain log elsewhere. Leaving
    the block (normally, or by Ctrl-C) ends the live view and restores the terminal."""
    if not console.is_terminal:
        yield PlainLog(console)
        return
    board = Board(planned)
    with Live(get_renderable=board.render, console=console, refresh_per_second=4):
        yield board
