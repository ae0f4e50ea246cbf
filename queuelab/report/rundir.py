"""A finished run as its directory holds it: the journal, the operations the checker read
(every consumer's, whoever wrote it: ``operations.jsonl``; an older run's histories), the
events. The report is built from these alone, so it can be made again for an old run."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from queuelab.contract import history
from queuelab.contract.history import Op
from queuelab.run import events, journal
from queuelab.run.events import Event, Kind


class NotARun(ValueError):
    """The directory holds no journal: not a run directory, or a run still going."""


@dataclass(frozen=True)
class RunDir:
    path: Path
    journal: dict[str, Any]
    ops: list[Op]
    events: list[Event]

    @classmethod
    def load(cls, path: Path) -> RunDir:
        file = path / journal.FILE
        if not file.exists():
            raise NotARun(f"{path} has no {journal.FILE}: not a run directory (or still running)")
        try:
            data = json.loads(file.read_text())
        except ValueError as err:
            raise NotARun(f"{file} is not JSON: {err}") from None
        everything = path / history.OPERATIONS_FILE
        ops = (
            history.read([everything])
            if everything.exists()
            else history.read_dir(path / "history")
        )
        return cls(path, data, ops, events.read(path))

    @property
    def name(self) -> str:
        return str(self.journal.get("scenario", self.path.name))

    @property
    def status(self) -> str:
        return str(self.journal.get("verdict", {}).get("status", "unknown"))

    @property
    def visibility_timeout(self) -> float:
        return float(self.journal.get("resources", {}).get("visibility_timeout") or 30)

    @property
    def start(self) -> float:
        """Epoch time the run's clock starts at: its first event, else its first operation."""
        times = [e.time for e in self.events[:1]] + [op.time for op in self.ops[:1]]
        return min(times) if times else 0.0

    def of_kind(self, kind: Kind) -> list[Event]:
        return [e for e in self.events if e.kind is kind]
