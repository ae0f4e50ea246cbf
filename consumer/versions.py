"""Versioned updates to entity state: apply an update only if it is newer (reconciliation),
or blindly (last writer wins). State and log are files (``queuelab.contract.files``), shared
safely by several consumer processes on one machine."""

from __future__ import annotations

from pathlib import Path

from queuelab.contract.files import apply_version


class VersionStore:
    def __init__(self, state_path: str, log_path: str, reconcile: bool) -> None:
        self.state_path = Path(state_path)
        self.log_path = Path(log_path) if log_path else None
        self.reconcile = reconcile

    def apply(self, entity: str, version: int) -> bool:
        """Set ``entity`` to ``version``; with reconciliation, only if newer. True if applied."""
        return apply_version(self.state_path, self.log_path, entity, version, self.reconcile)
