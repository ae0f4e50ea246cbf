"""Run one scenario: reset -> method (real processes) -> stop everything -> observe -> check.

Each phase that fails makes the run an ``error`` with the reason, and the next scenario
still runs. Ctrl-C (or SIGTERM) stops every process, writes the journal with status
``interrupted`` and raises ``Interrupted`` carrying that result.

Each run gets a directory under the runs root with the processes' histories and logs and a
``journal.json`` (``queuelab.run.journal``).
"""

from __future__ import annotations

import random
import secrets
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from queuelab.check import ledger
from queuelab.check import witness as witnessing
from queuelab.check.verdict import Expect, Status, Verdict, judge
from queuelab.contract import clients, history, witness
from queuelab.run import journal, run_metrics, skips
from queuelab.run.children import Ending
from queuelab.run.drivers import OURS, Consumer, ConsumerDriver
from queuelab.run.drivers.base import LabTimeout
from queuelab.run.drivers.own import OwnConsumer
from queuelab.run.events import Event, EventLog, Kind, Phase, Sink, fan_out, ignore
from queuelab.run.lab import Lab
from queuelab.run.metrics import check_declared
from queuelab.run.params import Params
from queuelab.run.result import Interrupted, Result, new_run_id
from queuelab.run.sampler import Sampler
from queuelab.run.scenario import DIED, SETTLE, Measured, Scenario, resolve_params
from queuelab.targets import conformance, observe, reset
from queuelab.targets.outputs import SetOutputs
from queuelab.targets.session import Session


def _failure(run_dir: Path, what: str, err: BaseException) -> str:
    """Keep the traceback in the run directory; a reason for the verdict."""
    name = what.replace(" ", "-")
    (run_dir / f"{name}-error.txt").write_text(traceback.format_exc())
    return f"{what} raised {type(err).__name__}: {err} (see {run_dir / (name + '-error.txt')})"


@dataclass
class Run:
    """One run of one scenario, phase by phase."""

    session: Session
    scenario: Scenario
    unsafe: bool
    params: Params
    resources: SetOutputs
    run_id: str
    run_dir: Path
    emit: Sink = ignore  # phases, processes, notes, samples (queuelab.run.events)
    started: float = field(default_factory=time.monotonic)
    phase: str = Phase.RESET
    faults: str = ""  # the endpoint faults of this run (scenario's, then --faults)
    seed: int = 0
    lab: Lab | None = None
    errors: list[str] = field(default_factory=list)
    reset_notes: list[str] = field(default_factory=list)
    witnessed: witnessing.Witnessed | None = None
    consumer: Consumer = OURS  # whose consumer the run judges
    driver: ConsumerDriver = field(default_factory=OwnConsumer)  # opened when the method starts
    cancel: threading.Event = field(default_factory=threading.Event)  # set by an interrupt
    semantics: list[conformance.Row] = field(default_factory=list)
    refused: bool = False  # the target lacks a behaviour the scenario relies on: nothing ran

    def __post_init__(self) -> None:
        self.token = secrets.token_hex(4)
        self.settings = self.session.settings
        if self.session.control is not None:  # our own calls are witnessed too, as the lab's
            self.settings = replace(
                self.settings,
                access_key_id=witness.access_key(self.token, witness.LAB_CALLER),
                secret_access_key=witness.SECRET,
            )
        self.sqs = clients.sqs(self.settings)
        self.ddb = clients.dynamodb(self.settings)

    def enter(self, phase: Phase) -> None:
        self.phase = phase
        self.emit(Event(Kind.PHASE, self.run_id, {"name": phase.value}))

    def execute(self) -> Result:
        self.session.check_owned(self.resources)  # a refusal is a configuration error
        started = {"scenario": self.scenario.name, "unsafe": self.unsafe}
        started |= {"run_dir": str(self.run_dir), "time_limit": self.scenario.timeout_seconds}
        self.emit(Event(Kind.RUN, self.run_id, started))
        control = self.session.control
        if control is not None:
            queues = [
                url.rstrip("/").rsplit("/", 1)[-1]
                for url in (self.resources.queue_url, self.resources.dlq_url)
            ]
            control.register(
                self.token, self.run_dir / witness.FILE, self.faults, self.seed, queues
            )
        try:
            self.enter(Phase.RESET)
            if self.preflight() and self.reset():
                self.method()
            if self.cancel.is_set():  # interrupted beside other runs (--jobs)
                raise KeyboardInterrupt
            observation = self.observe()
        finally:
            if control is not None:
                control.forget(self.token)
        return self.judge(observation)

    def preflight(self) -> bool:
        """The SQS behaviours the scenario relies on or adapts to, as this target does them
        (probed once per session; the run's clock starts after)."""
        s = self.scenario
        try:
            self.semantics = self.session.conformance.rows((*s.relies_on, *s.adapts_to))
        except Exception as err:
            self.errors.append(_failure(self.run_dir, "the semantics probe", err))
            return False
        finally:
            self.started = time.monotonic()
        for row in self.semantics:
            if row.name in s.adapts_to and row.status is not conformance.Status.OK:
                self.reset_notes.append(
                    f"the target differs from SQS on {row.name}: {row.observed}; "
                    "the scenario adapts to it"
                )
        refusals = conformance.departures(self.semantics, s.relies_on)
        self.errors += refusals
        self.refused = bool(refusals)
        return not refusals

    def reset(self) -> bool:
        try:
            wait = self.session.pacing.purge_wait_seconds
            s3 = clients.s3(self.settings) if self.resources.bucket else None
            self.reset_notes += reset.reset(self.sqs, self.ddb, self.resources, wait, s3)
        except Exception as err:  # the run cannot start from empty: judge nothing
            self.errors.append(_failure(self.run_dir, "reset", err))
            return False
        return True

    def method(self) -> None:
        self.enter(Phase.METHOD)
        self.lab = Lab(  # its clock (the scenario's time limit) starts after the reset
            run_id=self.run_id,
            run_dir=self.run_dir,
            settings=self.session.settings,
            token=self.token if self.session.control is not None else None,
            control=self.session.control,
            faults=self.faults,
            outputs=self.session.outputs,
            resources=self.resources,
            sqs=self.sqs,
            pacing=self.session.pacing,
            time_limit=self.scenario.timeout_seconds,
            emit=self.emit,
            backend=self.session.backend,
            cancel=self.cancel,
            settle_seconds=self.params.get(SETTLE, 30.0),
            declared=self.scenario.metrics,
        )
        for note in self.reset_notes:
            self.lab.note(note)
        sqs = clients.sqs(self.session.settings)  # its own client: it samples on a thread
        lab = self.lab
        with Sampler(sqs, self.resources, lambda: lab.children, self.emit, self.run_id):
            try:
                lab.driver = self.driver = self.consumer.open(
                    self.run_dir, self.token, self.session.settings, self.faults, self.seed
                )
                self.scenario.method(lab, self.params, self.unsafe)
            except LabTimeout as err:
                self.errors.append(str(err))
            except Exception as err:  # a broken method or backend: report it, go on
                self.errors.append(_failure(self.run_dir, "the method", err))
            finally:  # the phase stays "method" for an interrupt's reason
                self.emit(Event(Kind.PHASE, self.run_id, {"name": Phase.STOP.value}))
                self.close()

    def close(self) -> None:
        """Stop every process of the run, then what the consumer's driver started."""
        if self.lab is not None:
            self.errors += self.lab.close()
        self.errors += self.driver.close()

    def observe(self) -> ledger.Observation | None:
        self.enter(Phase.OBSERVE)
        try:
            observation, problems = observe.observe(
                self.sqs, self.ddb, self.resources, self.run_id, self.session.pacing
            )
        except Exception as err:
            self.errors.append(_failure(self.run_dir, "observe", err))
            return None
        self.errors += problems
        return observation

    def measure(self, ops: list[history.Op], observation: ledger.Observation) -> dict[str, float]:
        visibility = self.resources.visibility_timeout
        extra = run_metrics.measure(self.lab, ops, visibility, self.faults, self.driver)
        if self.scenario.measure is None:
            return extra
        try:
            run = Measured(ops, observation, self.run_dir, self.params, self.unsafe, visibility)
            measured = self.scenario.measure(run)
            check_declared(measured, self.scenario.metrics, "measure")
            return extra | measured
        except Exception as err:  # a broken measure: this run cannot be judged
            self.errors.append(_failure(self.run_dir, "measure", err))
            return extra

    def judge(self, observation: ledger.Observation | None) -> Result:
        self.enter(Phase.CHECK)
        seen = observation or ledger.Observation()
        try:
            ops = history.read_dir(self.run_dir / "history")
        except history.UnknownOperation as err:  # judged on part of it, a verdict would lie
            self.errors.append(_failure(self.run_dir, "reading the history", err))
            return self.finish(Verdict(Status.ERROR, (), tuple(self.errors)), ledger.Ledger(), seen)
        ops = self.driver.ops(ops)  # a consumer judged from outside: as the endpoints saw it
        history.write_all(self.run_dir / history.OPERATIONS_FILE, ops)  # what the report draws
        seen = replace(seen, side_effects=self.driver.side_effects(ops, seen.side_effects))
        preconditions = self.scenario.preconditions
        if self.session.control is not None:
            children = self.lab.children if self.lab else []
            killed = {c.name for c in children if c.code() == -9}
            crashed = {c.name for c in children if c.ending() is Ending.CRASHED_ON_PURPOSE}
            records = witness.read(self.run_dir / witness.FILE)
            outsiders = self.driver.outsiders()
            self.witnessed = witnessing.summarize(records, ops, killed, outsiders, crashed)
            preconditions += tuple(Expect(name, "==", 0) for name in witnessing.AGREES)
        counted = ledger.compute(
            ops, seen, self.resources.visibility_timeout, self.run_id, self.witnessed
        )
        extra = self.witnessed.metrics() if self.witnessed else {}
        counted = replace(counted, extra=extra | self.measure(ops, seen))
        s = self.scenario
        if self.refused:  # nothing ran: the reasons are the behaviours the target lacks
            verdict = Verdict(Status.ERROR, (), tuple(self.errors))
        else:
            survived = Expect(DIED, "==", 0)
            # without the observation the ledger lacks the side effects: "lost" would lie
            anomalies = (*s.anomalies, DIED) if observation is not None else (DIED,)
            verdict = judge(counted, (survived, *s.expectations), preconditions, self.errors,
                            s.applies, anomalies)  # fmt: skip
        return self.finish(verdict, counted, seen)

    def interrupted(self) -> Result:
        """Ctrl-C / SIGTERM: stop what runs, record what was known."""
        self.close()
        reason = f"interrupted (Ctrl-C or SIGTERM) during {self.phase}"
        verdict = Verdict(Status.INTERRUPTED, (), (reason,))
        return self.finish(verdict, ledger.Ledger(), ledger.Observation())

    def finish(self, verdict: Verdict, counted: ledger.Ledger, seen: ledger.Observation) -> Result:
        duration = time.monotonic() - self.started
        journal.write(self, verdict, counted, seen, duration)
        done = {"status": verdict.status.value, "duration_s": round(duration, 2)}
        self.emit(Event(Kind.VERDICT, self.run_id, done))
        return Result(
            scenario=self.scenario.name,
            status=verdict.status,
            unsafe=self.unsafe,
            duration_s=duration,
            ledger=counted,
            checks=verdict.checks,
            reasons=verdict.reasons,
            run_dir=self.run_dir,
        )


def run_scenario(
    session: Session,
    scenario: Scenario,
    *,
    unsafe: bool = False,
    overrides: Mapping[str, str] | None = None,
    runs_root: Path,
    faults: str = "",
    seed: int | None = None,
    sink: Sink = ignore,
    cancel: threading.Event | None = None,
    consumer: Consumer = OURS,
) -> Result:
    """Run one scenario; ``faults`` (a ``queuelab.contract.faults`` spec) is added to the
    scenario's own, ``seed`` (random if None) fixes which requests get them; ``sink`` sees
    its events as they happen (the run directory's ``events.jsonl`` gets them too); setting
    ``cancel`` interrupts it as Ctrl-C would (how ``--jobs`` stops runs on other threads);
    ``consumer`` is whose consumer the run judges: queuelab's (default) or one the lab did
    not write, judged black-box (its negative controls are its own business: no ``unsafe``
    with it)."""
    if unsafe and not consumer.ours:
        raise ValueError("--unsafe turns off our consumer's safeguards: not with another one")
    params = resolve_params(scenario, overrides or {})
    resources = session.outputs[scenario.resource_key(unsafe)]
    run_id = new_run_id(scenario.name)
    run_dir = runs_root / run_id
    run_dir.mkdir(parents=True)
    spec = ",".join(part for part in (scenario.faults, faults) if part)
    seed = random.randrange(2**31) if seed is None else seed
    emit = fan_out((EventLog(run_dir), sink))
    run = Run(session, scenario, unsafe, params, resources, run_id, run_dir, emit, faults=spec,
              seed=seed, consumer=consumer)  # fmt: skip
    if cancel is not None:
        run.cancel = cancel
    why_not = skips.reason(session, scenario, faults, consumer)
    if why_not:
        return run.finish(
            Verdict(Status.SKIPPED, (), (why_not,)), ledger.Ledger(), ledger.Observation()
        )
    try:
        return run.execute()
    except KeyboardInterrupt:
        raise Interrupted(run.interrupted()) from None
