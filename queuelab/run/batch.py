"""Run several scenarios: independent ones side by side (``--jobs``), on one target, each on
its own resources; those that measure a timing window (``Scenario.alone``) one at a time,
with nothing beside them, after the others. A scenario and its negative control
(``--controls``) are two jobs: they run one after the other when they share resources.

Ctrl-C (or SIGTERM, which the CLI turns into it) reaches the main thread only: it sets the
shared cancel event, every run in progress stops its processes and journals itself as
interrupted (``queuelab.run.lab`` checks the event in each wait), and runs not started yet
never start: a run is handed to the pool only when a slot is free.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from queuelab.check.verdict import Expect, Status
from queuelab.run.headroom import unlimited
from queuelab.run.result import Interrupted, Result
from queuelab.run.scenario import Scenario


@dataclass(frozen=True)
class Job:
    """One run to make: a scenario, safe or as its negative control (``unsafe``)."""

    scenario: Scenario
    unsafe: bool = False

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def key(self) -> str:
        """Its place in the batch: ``dup`` or ``dup --unsafe``."""
        return f"{self.name} --unsafe" if self.unsafe else self.name

    @property
    def resources(self) -> str:
        return self.scenario.resource_key(self.unsafe)


def jobs_for(
    scenarios: Sequence[Scenario], unsafe: bool = False, controls: bool = False
) -> list[Job]:
    """The runs a selection asks for: each scenario safe (or ``unsafe``), or with
    ``controls`` safe then its negative control (a diagnostic has none: safe only)."""
    if controls:
        return [Job(s, off) for s in scenarios for off in (False, True)
                if not off or s.has_negative_control]  # fmt: skip
    return [Job(s, unsafe) for s in scenarios]


Start = Callable[[Job, threading.Event], Result]
ROOM_RECHECK_SECONDS = 0.5  # how often a batch with runs to start asks for room again

CAUGHT = "caught"  # a negative control whose run showed the anomaly it must show
MISSED = "missed"  # one that did not: the checker missed it


@dataclass(frozen=True)
class Outcome:
    """A run judged for what it was for. A safe run is what its verdict says; a negative
    control (``--unsafe``) is ``caught`` when the checker reported the anomaly the scenario
    says it must (``must_show``): that is the control doing its job, not a breakage."""

    result: Result
    must_show: tuple[Expect, ...] = ()  # a control's anomaly (the scenario's unsafe_shows)
    turned_off: str = ""  # what --unsafe turned off, in words
    report: Path | None = None  # its report.html, once drawn
    note: str = ""  # why it has no report, if drawing it failed

    @classmethod
    def of(cls, job: Job, result: Result) -> Outcome:
        if not result.unsafe:
            return cls(result)
        return cls(result, job.scenario.unsafe_shows, job.scenario.unsafe)

    @property
    def control(self) -> bool:
        """A negative control: an ``--unsafe`` run of a scenario that declares its anomaly."""
        return self.result.unsafe and bool(self.must_show)

    @property
    def judged(self) -> bool:
        """The checker gave a verdict (not an error, an interrupt, a skip)."""
        return self.result.status in (Status.FAILED, Status.PASSED)

    @property
    def missed(self) -> tuple[str, ...]:
        """What a control should have shown and did not, as ``metric op target (got N)``."""
        if not (self.control and self.judged):
            return ()
        metrics = self.result.ledger.metrics()
        missed = tuple(
            f"{expect} (got {metrics[expect.metric]:g})" if expect.metric in metrics
            else f"{expect} (not measured)"
            for expect in self.must_show
            if expect.metric not in metrics or not expect.evaluate(metrics).ok
        )  # fmt: skip
        if not missed and self.result.status is Status.PASSED:  # shown, yet not a failure
            return tuple(f"{e} (the run passed)" for e in self.must_show)
        return missed

    @property
    def label(self) -> str:
        """``caught`` or ``missed`` for a control the checker judged; else the status."""
        if self.control and self.judged:
            return MISSED if self.missed else CAUGHT
        return self.result.status.value

    @property
    def ok(self) -> bool:
        """Nothing to fix: a safe run passed (or rightly did not run), a control caught."""
        if self.control and self.judged:
            return not self.missed
        return self.result.status.ok

    @property
    def problems(self) -> tuple[str, ...]:
        """Why it is not ok, in words (a missed control: ``the checker missed ...``)."""
        if self.ok:
            return ()
        if self.label == MISSED:
            return (f"the checker missed {', '.join(self.missed)}",)
        return self.result.reasons

    @property
    def colour_ok(self) -> bool:
        """Shown green: passed, or a control that caught its anomaly."""
        return self.result.status is Status.PASSED or self.label == CAUGHT

    def to_dict(self) -> dict[str, object]:
        control = None
        if self.control:
            must = [str(e) for e in self.must_show]
            control = {
                "turned_off": self.turned_off,
                "must_show": must,
                "missed": list(self.missed),
            }
        return self.result.to_dict() | {"outcome": self.label, "ok": self.ok, "control": control}


@dataclass
class Batch:
    """The results so far, in the selection's order, and whether an interrupt came."""

    order: list[str]  # job keys
    results: dict[str, Result] = field(default_factory=dict)
    interrupted: bool = False

    def ordered(self) -> list[Result]:
        return [self.results[key] for key in self.order if key in self.results]


def run_many(
    selected: Sequence[Job | Scenario],
    jobs: int,
    start: Start,
    finished: Callable[[Result], None] = lambda result: None,
    room: Callable[[int], bool] = unlimited,
) -> Batch:
    """``start(job, cancel)`` runs one job (a scenario is a safe job); ``finished`` sees each
    result as it comes (on a thread of its own, one result at a time). Other exceptions than
    an interrupt in a run stop the batch; one in ``finished`` is raised once the runs are
    over. Two jobs on the same resources never run at the same time. At most ``jobs`` run
    side by side, and a run starts beside others only when ``room(running)`` says so
    (``queuelab.run.headroom``: while the CPU has idle time); it is asked again every
    ``ROOM_RECHECK_SECONDS`` while runs go."""
    todo_jobs = [j if isinstance(j, Job) else Job(j) for j in selected]
    batch = Batch([j.key for j in todo_jobs])
    cancel = threading.Event()
    side_by_side = [j for j in todo_jobs if not j.scenario.alone]
    if jobs > 1:  # longest first (typical duration): the batch ends soon after its longest
        side_by_side.sort(key=lambda j: -j.scenario.typical_seconds)
    alone = [j for j in todo_jobs if j.scenario.alone]
    pending: dict[Future[Result], Job] = {}

    def stop() -> None:
        batch.interrupted = True
        cancel.set()

    def collect(done: set[Future[Result]]) -> list[Result]:
        results = []
        for future in done:
            job = pending.pop(future)
            try:
                result = future.result()
            except Interrupted as stopped:  # one run saw the interrupt: stop them all
                result = stopped.result
                stop()
            batch.results[job.key] = result
            results.append(result)
        return results

    def top_up(pool: ThreadPoolExecutor, todo: list[Job]) -> None:
        while len(pending) < jobs and not batch.interrupted and (not pending or room(len(pending))):
            busy = {j.resources for j in pending.values()}
            free = next((j for j in todo if j.resources not in busy), None)
            if free is None:
                return
            todo.remove(free)
            pending[pool.submit(start, free, cancel)] = free

    # ``finished`` runs on its own thread, in the order the runs ended: drawing a report
    # (a second or two for the first, matplotlib's import) never holds up the next start.
    told: list[Future[None]] = []
    with (
        ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="run") as pool,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="report") as reporter,
    ):

        def tell(results: list[Result]) -> None:
            told.extend(reporter.submit(finished, result) for result in results)

        try:
            todo = list(side_by_side)
            top_up(pool, todo)
            while pending:  # start one as another ends, or when there is room: the rest wait
                ended = wait(pending, timeout=ROOM_RECHECK_SECONDS, return_when="FIRST_COMPLETED")
                just_ended = collect(ended[0])
                top_up(pool, todo)
                tell(just_ended)
            for job in alone:
                if batch.interrupted:
                    break
                pending[pool.submit(start, job, cancel)] = job
                tell(collect(wait(pending)[0]))
        except KeyboardInterrupt:
            stop()
            tell(collect(wait(pending)[0]))
        except BaseException:
            cancel.set()
            raise
    for report in told:  # what ``finished`` raised, once every run is over
        report.result()
    return batch


def as_outcome(item: Outcome | Result) -> Outcome:
    """A bare result (a caller that did not say what the run was for) as its verdict says."""
    return item if isinstance(item, Outcome) else Outcome(item)
