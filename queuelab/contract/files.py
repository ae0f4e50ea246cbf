"""File formats of the lab's side-effect logs, written by consumers and read by the checks:
the ordering log (one payload field per side effect) and versioned entity state.

Every line is one ``O_APPEND`` write, so lines from several processes never interleave; the
entity state is shared through an exclusive lock."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path


def append_line(path: str | Path, text: str) -> None:
    """One O_APPEND write: lines from several processes never interleave."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (text + "\n").encode())
    finally:
        os.close(fd)


def read_ordering_log(path: Path) -> list[str]:
    """The logged field of each side effect, in the order they were performed."""
    return path.read_text().split() if path.exists() else []


def apply_version(
    state_path: Path, log_path: Path | None, entity: str, version: int, reconcile: bool
) -> bool:
    """Set ``entity`` to ``version`` in the state file (with reconciliation, only if newer)
    and log the outcome while still holding the lock, so the log's order is the order the
    updates were applied. True if applied."""
    state_path.parent.mkdir(parents=True, exist_ok=True)
    with open(state_path, "a+") as state_file:
        fcntl.flock(state_file, fcntl.LOCK_EX)
        state_file.seek(0)
        state: dict[str, int] = json.loads(state_file.read() or "{}")
        current = state.get(entity)
        applied = not reconcile or current is None or version > current
        if applied:
            state[entity] = version
            state_file.seek(0)
            state_file.truncate()
            state_file.write(json.dumps(state, sort_keys=True))
            state_file.flush()
        if log_path is not None:
            append_line(log_path, version_line(entity, version, applied))
        return applied


def version_line(entity: str, version: int, applied: bool) -> str:
    return f"{entity} {version} {'applied' if applied else 'stale'}"


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
