"""Results for machines: ``--json``. Each run's result, with its ``outcome`` (the verdict, or
``caught`` / ``missed`` for a negative control), ``ok`` (nothing to fix) and, for a control,
what ``--unsafe`` turned off and what the checker had to show."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from queuelab.run.batch import Outcome, as_outcome
from queuelab.run.result import Result


def write_json(path: Path, results: Iterable[Outcome | Result]) -> None:
    outcomes = [as_outcome(r) for r in results]
    payload = {"ok": all(o.ok for o in outcomes), "results": [o.to_dict() for o in outcomes]}
    path.write_text(json.dumps(payload, indent=2) + "\n")
