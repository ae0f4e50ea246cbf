"""Run several scenarios: independent ones side by side (``--jobs``), on one target, each on
its own resources; those that measure a timing window (``Scenario.alone``) one at a time,
with nothing beside them, after the others.

Ctrl-C (or SIGTERM, which the CLI turns into it) reaches the main thread only: it sets the
shared cancel event, every run in progress stops its processes and journals itself as
interrupted (``queuelab.run.lab`` checks the event in each wait), and runs not started yet
never start: a run is handed to the pool only when a slot is free.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from queuelab.run.result import Interrupted, Result
from queuelab.run.scenario import Scenario

Start = Callable[[Scenario, threading.Event], Result]


@dataclass
class Batch:
    """The results so far, in the selection's order, and whether an interrupt came."""

    order: list[str]
    results: dict[str, Result] = field(default_factory=dict)
    interrupted: bool = False

    def ordered(self) -> list[Result]:
        return [self.results[name] for name in self.order if name in self.results]


def run_many(
    scenarios: Sequence[Scenario],
    jobs: int,
    start: Start,
    finished: Callable[[Result], None] = lambda result: None,
) -> Batch:
    """``start(scenario, cancel)`` runs one scenario; ``finished`` sees each result as it
    comes (on a thread of its own, one result at a time). Other exceptions than an interrupt
    in a run stop the batch; one in ``finished`` is raised once the runs are over."""
    batch = Batch([s.name for s in scenarios])
    cancel = threading.Event()
    side_by_side = [s for s in scenarios if not s.alone]
    if jobs > 1:  # longest first (typical duration): the batch ends soon after its longest
        side_by_side.sort(key=lambda s: -s.typical_seconds)
    alone = [s for s in scenarios if s.alone]
    pending: set[Future[Result]] = set()

    def stop() -> None:
        batch.interrupted = True
        cancel.set()

    def collect(done: set[Future[Result]]) -> list[Result]:
        results = []
        for future in done:
            pending.discard(future)
            try:
                result = future.result()
            except Interrupted as stopped:  # one run saw the interrupt: stop them all
                result = stopped.result
                stop()
            batch.results[result.scenario] = result
            results.append(result)
        return results

    def top_up(pool: ThreadPoolExecutor, todo: deque[Scenario]) -> None:
        while todo and len(pending) < jobs and not batch.interrupted:
            pending.add(pool.submit(start, todo.popleft(), cancel))

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
            todo = deque(side_by_side)
            top_up(pool, todo)
            while pending:  # start one as another ends: the rest really wait
                just_ended = collect(wait(pending, return_when="FIRST_COMPLETED")[0])
                top_up(pool, todo)
                tell(just_ended)
            for scenario in alone:
                if batch.interrupted:
                    break
                pending.add(pool.submit(start, scenario, cancel))
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
