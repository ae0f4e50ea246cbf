"""A handful of soak runs (the 200-run soak is benchmarks/soak.py): randomized faults and
chaos with every safeguard on lose nothing and double nothing; a failing run says how to
replay it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scenarios.soak import Mix

pytestmark = pytest.mark.slow


def test_a_short_soak_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "queuelab", "soak", "--runs", "3", "--seed", "5"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=400,
        check=False,
    )
    assert "3 runs, 0 lost, 0 duplicate side effects, 0 failed, 0 errors" in done.stdout, (
        done.stdout + done.stderr
    )
    assert done.returncode == 0


def test_the_same_mix_seed_draws_the_same_mix() -> None:
    assert Mix.draw(42) == Mix.draw(42)
    assert Mix.draw(42) != Mix.draw(43)
