"""The long soak (not CI): ``queuelab soak`` with many runs, then the figures.

    .venv/bin/python benchmarks/soak.py [RUNS] [SEED]     # defaults: 200 runs, seed 2026

Prints the soak's own table and closing line (runs, lost, duplicate side effects, failed,
errors) and the wall time. CI runs a handful (tests/functional/test_soak.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

QUEUELAB = Path(sys.executable).with_name("queuelab")


def main() -> int:
    runs = sys.argv[1] if len(sys.argv) > 1 else "200"
    seed = sys.argv[2] if len(sys.argv) > 2 else "2026"
    started = time.monotonic()
    done = subprocess.run([str(QUEUELAB), "soak", "--runs", runs, "--seed", seed], check=False)
    minutes = (time.monotonic() - started) / 60
    print(f"command: {QUEUELAB.name} soak --runs {runs} --seed {seed}")
    print(f"wall time: {minutes:.1f} min, exit code {done.returncode}")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
