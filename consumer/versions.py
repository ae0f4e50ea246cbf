"""Versioned updates to entity state: apply an update only if it is newer (reconciliation),
or blindly (last writer wins). State and log are files, shared safely by several consumer
processes on one machine through an exclusive lock."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path


class VersionStore:
    def __init__(self, state_path: str, log_path: str, reconcile: bool) -> None:
        self.state_path = Path(state_path)
        self.log_path = Path(log_path) if log_path else None
        self.reconcile = reconcile

    def apply(self, entity: str, version: int) -> bool:
        """Set ``entity`` to ``version``; with reconciliation, only if newer. True if applied."""
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.state_path, "a+") as state_file:
            fcntl.flock(state_file, fcntl.LOCK_EX)
            state_file.seek(0)
            state: dict[str, int] = json.loads(state_file.read() or "{}")
            current = state.get(entity)
            applied = not self.reconcile or current is None or version > current
            if applied:
                state[entity] = version
                state_file.seek(0)
                state_file.truncate()
                state_file.write(json.dumps(state, sort_keys=True))
                state_file.flush()
            if self.log_path is not None:
                line = f"{entity} {version} {'applied' if applied else 'stale'}\n"
                with open(self.log_path, "a") as log:
                    log.write(line)
            return applied


def read_state(path: Path) -> dict[str, int]:
    return json.loads(path.read_text() or "{}") if path.exists() else {}


def read_log(path: Path) -> list[tuple[str, int, bool]]:
    """(entity, version, applied) per update, in the order they were handled."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        entity, version, outcome = line.split()
        rows.append((entity, int(version), outcome == "applied"))
    return rows
