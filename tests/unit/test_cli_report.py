"""``queuelab report``'s error paths: a run it cannot draw is an error naming why."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from queuelab.cli import app


def test_a_run_whose_history_names_an_unknown_operation_is_refused_by_name(
    tmp_path: Path,
) -> None:
    (tmp_path / "journal.json").write_text(json.dumps({"scenario": "happy"}))
    (tmp_path / "history").mkdir()
    line = {"time": 1.0, "process": "c", "type": "ok", "f": "dlete", "key": "a"}
    (tmp_path / "history" / "c.jsonl").write_text(json.dumps(line) + "\n")
    done = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert done.exit_code == 2
    assert "unknown operation 'dlete'" in done.output and "Traceback" not in done.output
