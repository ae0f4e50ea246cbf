"""The functional tests' real scenario runs, made as one batch: each test item of the matrix
names the run it judges (``planned(...)``: a scenario, safe or its negative control, with
whose consumer); the first of them to run makes every selected item's run side by side with
the runner's own scheduler (``run_many``: longest first, a scenario that measures a timing
window after the others and alone, never two runs on the same resources at once), and each
item then judges its own result.

Scenarios wait on queues, visibility timeouts and subprocesses, not on the CPU: one pytest
item per run held a test worker for the whole run, so four workers overlapped four runs.
The batch overlaps ``JOBS`` of them, and the other workers go on with the other tests.
Under pytest-xdist every matrix item goes to one worker (the scheduler of ``tests/conftest.py``,
which lists the matrix's tests), so the batch is made once; a run of one file or one ``-k``
makes only the runs selected.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import scenarios
from queuelab.run.batch import Job, run_many
from queuelab.run.drivers import OURS, Consumer
from queuelab.run.headroom import Headroom
from queuelab.run.result import Result
from queuelab.run.runner import run_scenario
from queuelab.targets.session import Session

MARK = "matrix"
# Most runs side by side (beyond four only while the CPU has idle time: Headroom). Each run
# is a few processes waiting on the embedded server; the scheduler's longest-first order ends
# the batch soon after its longest run.
JOBS = int(os.environ.get("QUEUELAB_TEST_JOBS", "8"))
# The batch runs in the setup of the first item that asks: pytest-timeout's limit for one
# item (300 s) would cut it short, so matrix items have this one.
BATCH_TIMEOUT = 1500


@dataclass(frozen=True)
class Planned(Job):
    """One run of the matrix: a job (scenario, ``unsafe``) with the consumer it judges and
    the label that keeps two runs of one scenario apart (``correct``, ``naive``)."""

    consumer: Consumer = OURS
    label: str = ""
    overrides: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        return f"{super().key} [{self.label}]" if self.label else super().key


def planned(
    name: str, unsafe: bool = False, consumer: Consumer = OURS, label: str = ""
) -> list[pytest.MarkDecorator]:
    """The marks of a matrix item: its run (an on-demand scenario at its small size) and the
    batch's time limit. Add ``alone`` where the scenario declares it."""
    scenario = scenarios.get(name)
    small = tuple(scenario.small.items()) if scenario.on_demand else ()
    run = Planned(scenario, unsafe, consumer, label, small)
    return [
        pytest.mark.matrix(run),
        pytest.mark.timeout(BATCH_TIMEOUT),
    ]


def alone(name: str) -> list[pytest.MarkDecorator]:
    """``alone`` for a scenario that measures a timing window (not at its small size)."""
    scenario = scenarios.get(name)
    return [pytest.mark.alone] if scenario.alone and not scenario.small else []


def of(item: pytest.Item) -> Planned:
    mark = item.get_closest_marker(MARK)
    if mark is None:
        raise LookupError(f"{item.nodeid} has no @pytest.mark.{MARK}: it is not in the matrix")
    found: Planned = mark.args[0]
    return found


class Matrix:
    """The batch of one test session: made at the first ``result``, from every selected
    item that has the mark."""

    def __init__(self, session: Session, items: list[pytest.Item], runs_root: Path) -> None:
        self.session, self.items, self.runs_root = session, items, runs_root
        self.results: dict[str, Result] | None = None
        self._lock = threading.Lock()

    def result(self, item: pytest.Item) -> Result:
        with self._lock:
            if self.results is None:
                self.results = self._run()
        return self.results[of(item).key]

    def _run(self) -> dict[str, Result]:
        todo = list({of(i).key: of(i) for i in self.items if i.get_closest_marker(MARK)}.values())
        batch = run_many(todo, JOBS, self._start(), room=Headroom())
        if batch.interrupted:
            raise KeyboardInterrupt
        return batch.results

    def _start(self) -> Callable[[Job, threading.Event], Result]:
        def start(job: Job, cancel: threading.Event) -> Result:
            assert isinstance(job, Planned)
            return run_scenario(
                self.session, job.scenario, unsafe=job.unsafe, overrides=dict(job.overrides),
                runs_root=self.runs_root, cancel=cancel, consumer=job.consumer,
            )  # fmt: skip

        return start
