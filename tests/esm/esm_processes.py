"""What a test sees of a running ``python -m queuelab.esm``: its history, what its handlers
did (``$INVOKED_LOG``), its log, and its stop."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from queuelab.contract import history
from queuelab.contract.history import Op
from queuelab.system import spawn


@dataclass
class Running:
    popen: subprocess.Popen[bytes]
    directory: Path
    log: Path
    stopped: bool = field(default=False)

    @property
    def history_path(self) -> Path:
        return self.directory / "history" / "esm.jsonl"

    def ops(self, f: str | None = None, type_: str | None = None) -> list[Op]:
        if not self.history_path.exists():
            return []
        return [
            op
            for op in history.read([self.history_path])
            if (f is None or op.f == f) and (type_ is None or op.type == type_)
        ]

    def invoked(self) -> list[dict[str, Any]]:
        path = self.directory / "invoked.jsonl"
        lines = path.read_text().splitlines() if path.exists() else []
        return [json.loads(line) for line in lines]

    def stop(self) -> int | None:
        if not self.stopped:
            self.stopped = True
            return spawn.stop(self.popen, grace=30)
        return self.popen.returncode


Start = Callable[..., Running]
