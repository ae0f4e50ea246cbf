"""What a run tells while it happens: one ``Event`` per phase change, process start or end,
note, redrive and queue sample, handed to a ``Sink``.

The runner and the lab call ``emit``; a sink decides what to do with it: the run's own
``events.jsonl`` (``EventLog``, which the report reads afterwards), the live view in the
terminal, a plain log for CI (``queuelab.report.live``). A sink must be quick and must not
raise: it runs on the runner's thread (phases, notes) and on the sampler's (samples).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

FILE = "events.jsonl"


class Phase(StrEnum):
    """A run's phases, in order (``settle`` is the method waiting for the queue to empty)."""

    RESET = "reset"
    METHOD = "method"
    SETTLE = "settle"
    STOP = "stop"
    OBSERVE = "observe"
    CHECK = "check"


class Kind(StrEnum):
    RUN = "run"  # a run starts: scenario, unsafe, run_dir, time_limit
    PHASE = "phase"  # name
    PROCESS = "process"  # name, role, state (running, then how it ended)
    NOTE = "note"  # text
    REDRIVE = "redrive"  # moved, method
    SAMPLE = "sample"  # visible, in_flight, delayed, dlq, consumers
    METRICS = "metrics"  # name, values: a consumer's last scrape of its /metrics
    VERDICT = "verdict"  # status, duration_s


@dataclass(frozen=True)
class Event:
    kind: Kind
    run_id: str
    values: dict[str, Any] = field(default_factory=dict)
    time: float = field(default_factory=time.time)  # epoch seconds, as in the histories

    def to_json(self) -> str:
        record = {"time": round(self.time, 3), "kind": self.kind.value, "run_id": self.run_id}
        return json.dumps(record | self.values, separators=(",", ":"), default=str)

    @classmethod
    def from_json(cls, line: str) -> Event:
        data = json.loads(line)
        run_id = str(data.pop("run_id"))
        return cls(Kind(data.pop("kind")), run_id, data, float(data.pop("time")))


Sink = Callable[[Event], None]


def ignore(event: Event) -> None:
    """The sink of a run nobody watches."""


def fan_out(sinks: Iterable[Sink]) -> Sink:
    chosen = tuple(sinks)

    def emit(event: Event) -> None:
        for sink in chosen:
            sink(event)

    return emit


class EventLog:
    """Appends every event to the run directory's ``events.jsonl`` (thread-safe)."""

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / FILE
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self._lock, self.path.open("a") as out:
            out.write(event.to_json() + "\n")


def read(run_dir: Path) -> list[Event]:
    """A run's events (none for a run made before events were logged); torn lines skipped."""
    path = run_dir / FILE
    if not path.exists():
        return []
    events = []
    for line in path.read_text().splitlines():
        try:
            events.append(Event.from_json(line))
        except (ValueError, KeyError):
            continue
    return events
