"""Run one scenario: reset -> method (real processes) -> stop everything -> observe -> check.

Each run gets a directory under the runs root with the processes' histories and logs and a
``journal.json`` (parameters, ledger, checks, verdict, notes, timeline).
"""

from __future__ import annotations

import json
import secrets
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from queuelab import aws, history, ledger, observe, reset
from queuelab.lab import Lab, LabTimeout
from queuelab.scenario import Measured, Scenario, resolve_params
from queuelab.targets import Session
from queuelab.verdict import Check, Status, judge


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


def new_run_id(scenario: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{scenario}-{stamp}-{secrets.token_hex(3)}"


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
    sqs, ddb = aws.sqs(session.settings), aws.dynamodb(session.settings)
    started = time.monotonic()

    session.check_owned(resources)
    reset_notes = reset.reset(sqs, ddb, resources, session.pacing.purge_wait_seconds)
    lab = Lab(  # its clock (the scenario's time limit) starts after the reset
        run_id=run_id,
        run_dir=run_dir,
        settings=session.settings,
        outputs=session.outputs,
        resources=resources,
        sqs=sqs,
        pacing=session.pacing,
        time_limit=scenario.timeout_seconds,
    )
    for note in reset_notes:
        lab.note(note)
    errors: list[str] = []
    try:
        scenario.method(lab, params, unsafe)
    except LabTimeout as err:
        errors.append(str(err))
    except Exception as err:  # a broken method or backend: report it, go on to the next run
        (run_dir / "runner-error.txt").write_text(traceback.format_exc())
        errors.append(f"the method raised {type(err).__name__}: {err} (see {run_dir})")
    finally:
        errors += lab.close()

    observation, problems = observe.observe(sqs, ddb, resources, run_id, session.pacing)
    ops = history.read_dir(run_dir / "history")
    result = ledger.compute(ops, observation, resources.visibility_timeout, run_id)
    extra = {"drained": int(lab.drained), **lab.metrics}
    if scenario.measure is not None:
        try:
            measured = Measured(
                ops, observation, run_dir, params, unsafe, resources.visibility_timeout
            )
            extra |= scenario.measure(measured)
        except Exception as err:  # a broken measure: this run cannot be judged, go on
            (run_dir / "measure-error.txt").write_text(traceback.format_exc())
            problems.append(f"measuring raised {type(err).__name__}: {err} (see {run_dir})")
    result = replace(result, extra=extra)
    verdict = judge(result, scenario.expectations, scenario.preconditions, errors + problems)
    duration = time.monotonic() - started
    journal = {
        "scenario": scenario.name,
        "run_id": run_id,
        "target": session.name,
        "unsafe": unsafe,
        "params": dict(params),
        "resources": resources.__dict__,
        "duration_s": round(duration, 2),
        "verdict": verdict.to_dict(),
        "ledger": result.to_dict(),
        "strays_ignored": observation.strays,
        "notes": lab.notes,
        "timeline": lab.timeline,
        "processes": [
            {"name": c.name, "role": c.role, "exit_code": c.exit_code, "log": str(c.log_path)}
            for c in lab.children
        ],
    }
    (run_dir / "journal.json").write_text(json.dumps(journal, indent=2) + "\n")
    return Result(
        scenario=scenario.name,
        status=verdict.status,
        unsafe=unsafe,
        duration_s=duration,
        ledger=result,
        checks=verdict.checks,
        reasons=verdict.reasons,
        run_dir=run_dir,
    )
