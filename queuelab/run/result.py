"""What one run of a scenario leaves for the caller: its result, or an interrupt carrying
the result journaled so far."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from queuelab.check import ledger
from queuelab.check.verdict import Check, Status


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
