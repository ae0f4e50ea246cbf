"""The quick start as a newcomer runs it: a fresh clone, ``make demo``. It creates its own
virtualenv, says what it does step by step, prints no warning, and tells the story of
``dup`` (the safe run passed, the negative control showed duplicates)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(900)  # under the load of the other tests, the install alone takes minutes
@pytest.mark.slow  # a new virtualenv (pip's cache makes it about a minute), then the demo
@pytest.mark.skipif(
    shutil.which("git") is None or shutil.which("make") is None, reason="no git/make"
)
def test_a_fresh_clone_runs_the_demo_with_one_command(tmp_path: Path) -> None:
    clone = tmp_path / "queuelab"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    # a newcomer's shell: no AWS settings, no active venv, not inside another make
    ignored = ("AWS_", "VIRTUAL_ENV", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ignored)}

    done = subprocess.run(
        ["make", "demo"], cwd=clone, env=env, capture_output=True, text=True, timeout=600
    )

    said = done.stdout + done.stderr
    assert done.returncode == 0, said[-3000:]
    lines = said.splitlines()
    assert lines[0].startswith("creating .venv"), said[:500]
    assert lines[1].startswith("installing queuelab and its dependencies"), said[:500]
    assert not [line for line in lines if "warning" in line.lower()], said[:3000]
    assert "With the claim off, both consumers did the work" in said
    assert "Where to look next" in said
