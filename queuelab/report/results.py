"""Results for machines: ``--json``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from queuelab.run.result import Result


def write_json(path: Path, results: Iterable[Result]) -> None:
    payload = {"results": [r.to_dict() for r in results]}
    path.write_text(json.dumps(payload, indent=2) + "\n")
