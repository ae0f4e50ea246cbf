"""The GitHub Action (action.yml): it lints clean (GitHub's schemas for an action and a
workflow, through check-jsonschema; zizmor's static analysis), and its steps pass when run
here as a runner would (ci/action/run_locally.py: install queuelab from this checkout into
a virtualenv of its own, run a scenario and its negative control, write the step summary,
upload the run folders)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
BIN = Path(sys.executable).parent
WORKFLOW = ROOT / "ci" / "action" / "example-workflow.yml"


def test_the_action_and_its_example_workflow_match_githubs_schemas() -> None:
    for schema, path in (("github-actions", ROOT / "action.yml"), ("github-workflows", WORKFLOW)):
        done = subprocess.run(
            [BIN / "check-jsonschema", "--builtin-schema", f"vendor.{schema}", path],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_finds_nothing_in_the_action_or_the_workflow() -> None:
    config = ROOT / "ci" / "action" / "zizmor.yml"
    done = subprocess.run(
        [BIN / "zizmor", "--offline", "--config", config, ROOT / "action.yml", WORKFLOW],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_the_actions_steps_pass_run_here_as_a_runner_would(tmp_path: Path) -> None:
    # installs queuelab afresh (the action's install step): a few minutes on 2 cores
    inputs = ["--input", "scenarios=happy", "--input", "controls=true"]
    done = subprocess.run(
        [sys.executable, ROOT / "ci" / "action" / "run_locally.py", *inputs, "--work", tmp_path],
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = (tmp_path / "step-summary.md").read_text()
    assert "| happy | safe | ✅ passed |" in summary
    assert "| happy | negative control | ✅ caught |" in summary
    results = json.loads((tmp_path / "temp" / "queuelab" / "results.json").read_text())
    assert [r["outcome"] for r in results["results"]] == ["passed", "caught"]
    uploaded = tmp_path / "artifacts" / "queuelab-runs"
    assert len(list(uploaded.glob("happy-*/report.html"))) == 2
    assert (uploaded / "index.html").exists()
