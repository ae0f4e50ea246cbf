"""Run one scenario: reset -> method (real processes) -> stop everything -> observe -> check.

Each phase that fails makes the run an ``error`` with the reason, and the next scenario
still runs. Ctrl-C (or SIGTERM) stops every process, writes the journal with status
``interrupted`` and raises ``Interrupted`` carrying that result.

Each run gets a directory under the runs root with the processes' histories and logs and a
``journal.json`` (``queuelab.run.journal``).
"""

from __future__ import annotations

import secrets
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from queuelab.check import ledger
from queuelab.check.verdict import Check, Status, Verdict, judge
from queuelab.contract import clients, history
from queuelab.run import journal
from queuelab.run.lab import Lab, LabTimeout
from queuelab.run.scenario import Measured, Params, Scenario, resolve_params
from queuelab.target import conformance, observe, reset
from queuelab.target.outputs import SetOutputs
from queuelab.target.session import Session


@dataclass(frozen=True)
class Result:
    scenario: str
    status: Status
    unsafe: bool
    duration_s: float
    ledger: ledger.Ledger
    checks: tuple[Check, ...]
    reasons: tuple[str, ...]
    run_dir: Path

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "status": self.status.value,
            "unsafe": self.unsafe,
            "duration_s": round(self.duration_s, 2),
            "ledger": self.ledger.metrics(),
            "checks": [c.to_dict() for c in self.checks],
            "reasons": list(self.reasons),
            "run_dir": str(self.run_dir),
        }


class Interrupted(Exception):
    """Ctrl-C or SIGTERM: every process was stopped and the journal written."""

    def __init__(self, result: Result) -> None:
        super().__init__(f"{result.scenario} interrupted")
        self.result = result


def new_run_id(scenario: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{scenario}-{stamp}-{secrets.token_hex(3)}"


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
    started: float = field(default_factory=time.monotonic)
    phase: str = "reset"
    lab: Lab | None = None
    errors: list[str] = field(default_factory=list)
    reset_notes: list[str] = field(default_factory=list)
    semantics: list[conformance.Row] = field(default_factory=list)
    refused: bool = False  # the target lacks a behaviour the scenario relies on: nothing ran

    def __post_init__(self) -> None:
        self.sqs = clients.sqs(self.session.settings)
        self.ddb = clients.dynamodb(self.session.settings)

    def execute(self) -> Result:
        self.session.check_owned(self.resources)  # a refusal is a configuration error
        if self.preflight() and self.reset():
            self.method()
        observation = self.observe()
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
            self.reset_notes += reset.reset(self.sqs, self.ddb, self.resources, wait)
        except Exception as err:  # the run cannot start from empty: judge nothing
            self.errors.append(_failure(self.run_dir, "reset", err))
            return False
        return True

    def method(self) -> None:
        self.phase = "method"
        self.lab = Lab(  # its clock (the scenario's time limit) starts after the reset
            run_id=self.run_id,
            run_dir=self.run_dir,
            settings=self.session.settings,
            outputs=self.session.outputs,
            resources=self.resources,
            sqs=self.sqs,
            pacing=self.session.pacing,
            time_limit=self.scenario.timeout_seconds,
            backend=self.session.backend,
        )
        for note in self.reset_notes:
            self.lab.note(note)
        try:
            self.scenario.method(self.lab, self.params, self.unsafe)
        except LabTimeout as err:
            self.errors.append(str(err))
        except Exception as err:  # a broken method or backend: report it, go on
            self.errors.append(_failure(self.run_dir, "the method", err))
        finally:
            self.errors += self.lab.close()

    def observe(self) -> ledger.Observation | None:
        self.phase = "observe"
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
        lab = self.lab
        extra: dict[str, float] = {"drained": int(lab.drained), **lab.metrics} if lab else {}
        if self.scenario.measure is None:
            return extra
        try:
            run = Measured(
                ops,
                observation,
                self.run_dir,
                self.params,
                self.unsafe,
                self.resources.visibility_timeout,
            )
            return extra | self.scenario.measure(run)
        except Exception as err:  # a broken measure: this run cannot be judged
            self.errors.append(_failure(self.run_dir, "measure", err))
            return extra

    def judge(self, observation: ledger.Observation | None) -> Result:
        self.phase = "check"
        ops = history.read_dir(self.run_dir / "history")
        seen = observation or ledger.Observation()
        counted = ledger.compute(ops, seen, self.resources.visibility_timeout, self.run_id)
        counted = replace(counted, extra=self.measure(ops, seen))
        s = self.scenario
        if self.refused:  # nothing ran: the reasons are the behaviours the target lacks
            verdict = Verdict(Status.ERROR, (), tuple(self.errors))
        else:
            verdict = judge(counted, s.expectations, s.preconditions, self.errors)
        return self.finish(verdict, counted, seen)

    def interrupted(self) -> Result:
        """Ctrl-C / SIGTERM: stop what runs, record what was known."""
        if self.lab is not None:
            self.lab.close()
        reason = f"interrupted (Ctrl-C or SIGTERM) during {self.phase}"
        verdict = Verdict(Status.INTERRUPTED, (), (reason,))
        return self.finish(verdict, ledger.Ledger(), ledger.Observation())

    def finish(self, verdict: Verdict, counted: ledger.Ledger, seen: ledger.Observation) -> Result:
        duration = time.monotonic() - self.started
        journal.write(self, verdict, counted, seen, duration)
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
) -> Result:
    params = resolve_params(scenario, overrides or {})
    resources = session.outputs[scenario.resource_key(unsafe)]
    run_id = new_run_id(scenario.name)
    run_dir = runs_root / run_id
    run_dir.mkdir(parents=True)
    run = Run(session, scenario, unsafe, params, resources, run_id, run_dir)
    try:
        return run.execute()
    except KeyboardInterrupt:
        raise Interrupted(run.interrupted()) from None
