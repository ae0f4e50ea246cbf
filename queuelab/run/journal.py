"""The journal of a run: ``journal.json`` in its directory (parameters, resources, verdict,
ledger, what was left at the end, notes, timeline, processes)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from queuelab.check.ledger import SOURCES, Ledger, Observation
from queuelab.check.verdict import Verdict

if TYPE_CHECKING:
    from queuelab.check.witness import Witnessed
    from queuelab.run.drivers import Consumer
    from queuelab.run.lab import Lab
    from queuelab.run.scenario import Scenario
    from queuelab.targets.conformance import Row
    from queuelab.targets.outputs import SetOutputs
    from queuelab.targets.session import Session

FILE = "journal.json"


class Recorded(Protocol):
    """What the journal reads of a run (``queuelab.run.runner.Run``)."""

    scenario: Scenario
    run_id: str
    run_dir: Path
    session: Session
    semantics: list[Row]
    unsafe: bool
    consumer: Consumer
    params: Mapping[str, Any]
    resources: SetOutputs
    faults: str
    seed: int
    witnessed: Witnessed | None
    lab: Lab | None
    reset_notes: list[str]


def write(
    run: Recorded, verdict: Verdict, counted: Ledger, seen: Observation, duration: float
) -> None:
    lab = run.lab
    journal = {
        "scenario": run.scenario.name,
        "run_id": run.run_id,
        "target": run.session.name,
        # The embedded backend's settings where they depart from AWS on purpose (none: AWS's).
        "backend": run.session.backend.to_dict() if run.session.backend else None,
        "semantics": [row.to_dict() for row in run.semantics],
        "unsafe": run.unsafe,
        # A consumer the lab did not write: judged black-box (queuelab.run.drivers.command).
        "consumer_command": list(run.consumer.command) or None,
        "params": dict(run.params),
        "resources": asdict(run.resources),
        "duration_s": round(duration, 2),
        "verdict": verdict.to_dict(),
        "ledger": counted.to_dict(),
        "sources": {
            name: SOURCES.get(name, "the scenario's measure") for name in counted.metrics()
        },
        "faults": {
            "spec": run.faults,
            "seed": run.seed,
            "injected": run.witnessed.faults if run.witnessed else {},
            "schedule": run.witnessed.schedule if run.witnessed else [],
        },
        "witness": run.witnessed.samples if run.witnessed else None,
        "strays_ignored": seen.strays,
        "observation": {  # this run's messages left at the end; side effects by subject
            "queue": list(seen.queue),
            "dlq": list(seen.dlq),
            "side_effects": seen.side_effects,
        },
        "notes": lab.notes if lab else run.reset_notes,
        "timeline": lab.timeline if lab else [],
        "processes": [child.to_dict() for child in lab.children] if lab else [],
    }
    (run.run_dir / FILE).write_text(json.dumps(journal, indent=2) + "\n")
