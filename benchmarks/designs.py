"""Correct consumers of several designs against every black-box scenario (figures, not a test):

    .venv/bin/python benchmarks/designs.py [--jobs N] [--design NAME ...] [SCENARIO ...]

Each design is ``examples/correct_consumer.py`` with a few of its variables set (its
docstring lists them): one message per long poll of 20 s, batches of ten handled in
parallel, backoff through ChangeMessageVisibility with a per-receive visibility, deletes in
batches. Every scenario that judges a consumer you give (``Scenario.black_box``, a scale run
at its ``small`` size; the Lambda ones judge a handler, not a command) runs safe against
each design through the Python API, on one embedded backend. It prints a table scenario x
design with each status, the counts, and the reasons of every cell that is neither passed
nor not applicable; it exits 1 if any cell is an ``error`` or ``failed`` (a correct design
must never get either: that is a lab defect, or a design that is not correct after all).

The whole matrix took 18 minutes (five designs, 145 runs) on 2 cores with ``--jobs 2``; name
scenarios or designs to re-run only some cells.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import scenarios
from queuelab.api import Outcome, Session
from queuelab.check.verdict import Status
from queuelab.run.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = f"{sys.executable} {ROOT / 'examples' / 'correct_consumer.py'}"
# name -> the example's variables (see its docstring)
DESIGNS: dict[str, dict[str, str]] = {
    "batches": {},  # the example as it is: long polls for ten, one at a time
    "one-per-20s-poll": {"BATCH_SIZE": "1", "WAIT_SECONDS": "20"},
    "parallel-10": {"BATCH_SIZE": "10", "PARALLEL": "10"},
    "backoff-own-visibility": {"VISIBILITY_SECONDS": "5"},
    "batch-deletes": {"DELETE_IN_BATCHES": "1"},
}
BAD = (Status.ERROR, Status.FAILED)


def command(design: str) -> str:
    """The consumer command of a design: ``env VAR=VALUE ... python the example``."""
    settings = " ".join(f"{k}={v}" for k, v in DESIGNS[design].items())
    return f"env {settings} {EXAMPLE}" if settings else EXAMPLE


def black_box() -> list[Scenario]:
    """Every scenario that judges a consumer command (the Lambda ones judge a handler)."""
    return [s for s in scenarios.ALL if s.black_box.runs and not s.name.startswith("lambda-")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="scenarios (default: every black-box one)")
    parser.add_argument("--design", action="append", choices=sorted(DESIGNS), default=[])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    chosen = [s for s in black_box() if not args.names or s.name in args.names]
    designs = args.design or list(DESIGNS)
    small = {s.name: dict(s.small) for s in chosen if s.on_demand}
    cells: dict[tuple[str, str], Outcome] = {}
    began = time.monotonic()
    with Session(provision=chosen, reports=False) as lab:
        for design in designs:
            print(f"{design}: {command(design)}", flush=True)
            results = lab.run_all(
                chosen, consumer_command=command(design), params=small, jobs=args.jobs
            )
            for outcome in results:
                cells[(outcome.result.scenario, design)] = outcome
            if results.interrupted:
                break
    print_table(chosen, designs, cells)
    print(f"\n{time.monotonic() - began:.0f} s on {args.jobs} jobs")
    return 1 if any(o.result.status in BAD for o in cells.values()) else 0


def print_table(
    chosen: list[Scenario], designs: list[str], cells: dict[tuple[str, str], Outcome]
) -> None:
    width = max(len(s.name) for s in chosen)
    columns = [max(len(d), len("not applicable")) for d in designs]
    print(
        "\n"
        + " ".join(
            [
                f"{'scenario':<{width}}",
                *(f"{d:<{w}}" for d, w in zip(designs, columns, strict=True)),
            ]
        )
    )
    for s in chosen:
        row = [f"{s.name:<{width}}"]
        for design, w in zip(designs, columns, strict=True):
            outcome = cells.get((s.name, design))
            row.append(f"{outcome.result.status.value if outcome else '-':<{w}}")
        print(" ".join(row))
    for design in designs:
        counts = Counter(o.result.status.value for (_, d), o in cells.items() if d == design)
        print(f"{design}: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    for (name, design), outcome in sorted(cells.items()):
        if outcome.result.status not in (Status.PASSED, Status.NOT_APPLICABLE):
            result = outcome.result
            print(f"\n{name} x {design}: {result.status.value}: {'; '.join(result.reasons)}")
            print(f"  journal: {result.run_dir / 'journal.json'}")
        elif outcome.result.status is Status.NOT_APPLICABLE:
            print(f"\n{name} x {design}: not applicable: {outcome.result.reasons[0]}")


if __name__ == "__main__":
    sys.exit(main())
