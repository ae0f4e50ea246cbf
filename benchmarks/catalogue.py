"""The catalogue's time, and where it goes (figures, not a test):

    .venv/bin/python benchmarks/catalogue.py [ARGS...]   # default ARGS: --all

runs ``queuelab run ARGS --json`` once and prints, from the runs' own event logs:

- the wall time of the command, and how much of it came before the first run started
  (backend, provisioning, probes) and after the last one ended (reports, index);
- the sum of the scenarios' own durations, and the overlap (sum / the runs' span);
- the critical path: the chain of runs the batch waited on, from the last to end back to the
  first (each one started when the one before it in the chain ended and freed its slot, or
  ran alone), with its total: the part of the wall time more jobs cannot shorten;
- the ten longest runs.

Run it twice in a row: the first run of a fresh checkout also pays for imports and the
backend's first start. The machine's speed moves by a fifth within the hour: compare ratios
measured in one sitting."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

QUEUELAB = Path(sys.executable).with_name("queuelab")
SLOT_GAP = 1.0  # a run that started within this of another's end took that run's slot


@dataclass(frozen=True)
class Span:
    name: str
    start: float
    end: float
    status: str

    @property
    def seconds(self) -> float:
        return self.end - self.start


def span(result: dict[str, object]) -> Span:
    """When a run started and ended, from its events (first and last)."""
    events = Path(str(result["run_dir"])) / "events.jsonl"
    times = [json.loads(line)["time"] for line in events.read_text().splitlines() if line]
    label = f"{result['scenario']}{' --unsafe' if result['unsafe'] else ''}"
    return Span(label, min(times), max(times), str(result["status"]))


def critical_path(spans: list[Span]) -> list[Span]:
    """From the run that ended last, back through the run whose end let each one start."""
    chain = [max(spans, key=lambda s: s.end)]
    while True:
        head = chain[-1]
        before = [s for s in spans if s.end <= head.start + SLOT_GAP and s not in chain]
        freed = [s for s in before if head.start - s.end <= SLOT_GAP]
        if not freed:
            return chain[::-1]
        chain.append(max(freed, key=lambda s: s.end))


def main(args: list[str]) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "results.json"
        began = time.time()
        done = subprocess.run([str(QUEUELAB), "run", *args, "--json", str(out)], check=False)
        ended = time.time()
        results = json.loads(out.read_text())["results"] if out.exists() else []
    ran = [span(r) for r in results if r["status"] != "skipped"]
    if not ran:
        print("no run to measure", file=sys.stderr)
        return 2
    first, last = min(s.start for s in ran), max(s.end for s in ran)
    total = sum(s.seconds for s in ran)
    path = critical_path(ran)
    statuses = ", ".join(
        f"{n} {status}" for status in sorted({s.status for s in ran})
        if (n := sum(s.status == status for s in ran))
    )  # fmt: skip
    print(f"command: queuelab run {' '.join(args)} (exit {done.returncode}; {statuses})")
    print(f"wall time: {ended - began:.1f} s")
    print(f"  before the first run: {first - began:.1f} s; after the last: {ended - last:.1f} s")
    print(f"runs: {len(ran)}, their own durations add up to {total:.1f} s")
    print(f"overlap: {total / (last - first):.2f} (sum / the runs' span of {last - first:.1f} s)")
    chain = " -> ".join(f"{s.name} {s.seconds:.1f}" for s in path)
    print(f"critical path: {sum(s.seconds for s in path):.1f} s: {chain}")
    print("longest runs:")
    for s in sorted(ran, key=lambda s: -s.seconds)[:10]:
        print(f"  {s.seconds:6.1f} s  {s.name} ({s.status})")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["--all"]))
