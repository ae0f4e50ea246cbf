"""The Python API: run scenarios from code (a test suite, a notebook, a CI script). The
``queuelab run`` command is a thin layer over it: one code path.

    import queuelab
    outcome = queuelab.run("dup")                     # its own embedded backend, one run
    outcome = queuelab.run("dup", consumer_command="python my_worker.py")
    assert outcome.ok, outcome.problems

    with queuelab.Session() as lab:                   # one backend for several runs
        lab.run("crash", unsafe=True).label           # 'caught': the checker saw the loss
        lab.run_all(["dup", "crash"], controls=True).ok

A request that cannot run (an unknown scenario, a parameter out of its bounds, flags that
contradict each other) raises ``RequestError`` before anything starts (the CLI's exit 2).
It lives with the CLI because, like the CLI, it is a front door that reads the catalogue.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any

from queuelab import workdir
from queuelab.check.verdict import Status
from queuelab.cli.request import Overrides, RequestError, check, consumer_of, scenario
from queuelab.contract import clients
from queuelab.report import outcome_file
from queuelab.run.batch import Job, Outcome, jobs_for, run_many
from queuelab.run.drivers import Consumer
from queuelab.run.events import Sink, ignore
from queuelab.run.headroom import Headroom
from queuelab.run.result import Interrupted, Result
from queuelab.run.runner import run_scenario
from queuelab.run.scenario import Scenario
from queuelab.targets import provision
from queuelab.targets import session as targets

__all__ = ["Outcome", "RequestError", "Results", "Session", "run", "run_all"]

# Most runs side by side: scenarios wait on queues, not on the CPU, so the limit is the
# machine's idle time (``Headroom``), and this only a cap.
JOBS = 8


@dataclass
class Results:
    """The outcomes of a batch, in the order asked, and whether an interrupt stopped it."""

    outcomes: list[Outcome] = field(default_factory=list)
    interrupted: bool = False

    def __iter__(self) -> Any:
        return iter(self.outcomes)

    def __len__(self) -> int:
        return len(self.outcomes)

    def __getitem__(self, index: int) -> Outcome:
        return self.outcomes[index]

    @property
    def ok(self) -> bool:
        """Every run passed (or rightly did not run), every control caught its anomaly, at
        least one ran, and no interrupt."""
        ran = [o for o in self.outcomes if o.result.status is not Status.SKIPPED]
        return bool(ran) and all(o.ok for o in ran) and not self.interrupted


class Session:
    """One target (the embedded backend by default) for several runs: a context manager.
    ``target`` is ``local``, ``aws`` or an endpoint URL; each run's resources are provisioned
    the first time a run needs them (on AWS they must already exist: ``make infra-up``)."""

    def __init__(
        self,
        target: str = "local",
        *,
        endpoint_url: str | None = None,
        provision: Iterable[str | Scenario] = (),
        runs_root: Path | None = None,
        reports: bool = True,
    ) -> None:
        if target.startswith(("http://", "https://")):
            target, endpoint_url = "local", target
        if target not in {t.value for t in targets.Target}:
            raise RequestError(f"target {target!r}: expected local, aws or an endpoint URL")
        self.target, self.endpoint_url = target, endpoint_url
        self.planned = [scenario(s) for s in provision]
        self.runs_root = runs_root or workdir.runs()
        self.reports = reports
        self.session: targets.Session | None = None
        self._opened: Any = None
        self._lock = threading.Lock()

    def __enter__(self) -> Session:
        plan = sorted({r for s in self.planned for r in s.resource_sets()}, key=lambda r: r.key)
        probe = {n for s in self.planned for n in (*s.relies_on, *s.adapts_to)}
        self._opened = targets.open_session(self.target, self.endpoint_url, plan, probe)
        self.session = self._opened.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        opened, self._opened, self.session = self._opened, None, None
        if opened is not None:
            opened.__exit__(kind, err, tb)

    def visibility(self) -> dict[str, float]:
        """Each provisioned set's visibility timeout, by job key (``dup``, ``dup --unsafe``),
        for the live page (a run in progress has no journal yet to say it)."""
        outputs = self.session.outputs.resources if self.session else {}
        found = {}
        for s in self.planned:
            for off in (False, True):
                key = s.resource_key(off)
                if key in outputs:
                    found[f"{s.name} --unsafe" if off else s.name] = float(
                        outputs[key].visibility_timeout
                    )
        return found

    def _ready(self, selected: Sequence[Job]) -> targets.Session:
        """The target session with every set these jobs use provisioned."""
        if self.session is None:
            raise RuntimeError("use the Session in a with block (or call queuelab.run)")
        with self._lock:
            wanted = {j.scenario.resource_set(j.unsafe) for j in selected}
            missing = [r for r in wanted if r.key not in self.session.outputs.resources]
            if missing and self.session.name == "aws":
                keys = ", ".join(sorted(r.key for r in missing))
                raise targets.TargetError(f"the stack lacks {keys}: run `make infra-up` again")
            if missing:
                s = self.session.settings
                more = provision.provision(
                    clients.sqs(s), clients.dynamodb(s), region=self.session.outputs.region,
                    stack="local", resources=missing, s3=clients.s3(s),
                )  # fmt: skip
                outputs = self.session.outputs
                merged = replace(outputs, resources={**outputs.resources, **more.resources})
                self.session = replace(self.session, outputs=merged)
            return self.session

    def run(self, name: str | Scenario, *, unsafe: bool = False, **options: Any) -> Outcome:
        """One run (``unsafe``: its negative control); an interrupt is re-raised."""
        results = self.run_all([name], unsafe=unsafe, jobs=1, **options)
        if results.interrupted:
            raise KeyboardInterrupt
        return results[0]

    def run_all(
        self,
        names: Sequence[str | Scenario],
        *,
        unsafe: bool = False,
        controls: bool = False,
        consumer: Consumer | None = None,
        consumer_command: str | Sequence[str] | None = None,
        params: Overrides | None = None,
        faults: str = "",
        seed: int | None = None,
        jobs: int = JOBS,
        sink: Sink = ignore,
        finished: Callable[[Outcome], None] = lambda outcome: None,
    ) -> Results:
        """Several runs side by side (up to ``jobs``, more than the floor only while the CPU
        has idle time: ``queuelab.run.headroom``); ``controls``: each scenario safe, then its
        negative control. ``finished`` sees each outcome as it comes, its report written."""
        selected = [scenario(n) for n in names]
        chosen = check(selected, unsafe, controls, consumer, consumer_command, params, faults)
        judged = consumer_of(consumer, consumer_command, unsafe, controls)
        todo = jobs_for(selected, unsafe, controls)
        session = self._ready(todo)
        session.conformance.rows({n for s in selected for n in (*s.relies_on, *s.adapts_to)})
        outcomes: dict[Path, Outcome] = {}  # by run directory

        def start(job: Job, cancel: threading.Event) -> Result:
            try:
                result = run_scenario(
                    session, job.scenario, unsafe=job.unsafe, overrides=chosen[job.name],
                    runs_root=self.runs_root, faults=faults, seed=seed, sink=sink,
                    cancel=cancel, consumer=judged,
                )  # fmt: skip
            except Interrupted as stopped:
                outcomes[stopped.result.run_dir] = Outcome.of(job, stopped.result)
                raise
            outcomes[result.run_dir] = Outcome.of(job, result)
            return result

        def done(result: Result) -> None:
            outcome = outcomes[result.run_dir]
            outcome_file.write(outcome)
            if self.reports:
                outcome = outcomes[result.run_dir] = outcome_file.draw(outcome, job_about(outcome))
            finished(outcome)

        batch = run_many(todo, jobs, start, done, room=Headroom())
        ordered = [outcomes[r.run_dir] for r in batch.ordered()]
        if self.reports and ordered:
            outcome_file.index(self.runs_root)
        return Results(ordered, batch.interrupted)


def job_about(outcome: Outcome) -> str:
    return scenario(outcome.result.scenario).summary


def run_all(names: Sequence[str | Scenario], *, target: str = "local", **options: Any) -> Results:
    """Several scenarios on a target opened for them (see ``Session.run_all``)."""
    selected = [scenario(n) for n in names]
    check(selected, **{k: options[k] for k in options if k in _CHECKED})
    with Session(target, provision=selected) as lab:
        return lab.run_all(selected, **options)


def run(name: str | Scenario, *, target: str = "local", **options: Any) -> Outcome:
    """One scenario on a target opened for it: its outcome (verdict, ledger, checks, run
    folder). Options as ``Session.run_all`` (``unsafe``, ``consumer_command``, ``params``...)."""
    check([scenario(name)], **{k: options[k] for k in options if k in _CHECKED})
    with Session(target, provision=[name]) as lab:
        return lab.run(name, **options)


_CHECKED = ("unsafe", "controls", "consumer", "consumer_command", "params", "faults")
