"""Rough AWS request counts and cost of a full run, from the runs' histories.

    make scenarios && .venv/bin/python benchmarks/aws_cost.py [RUNS_DIR]

Takes the newest run of every scenario under RUNS_DIR (default .queuelab/runs) and counts
the requests its operations imply: SQS sends (batches of 10), receives, deletes, releases;
DynamoDB claims, completions, side effects and checks; plus the runner's own calls (reset,
settling polls every 0.2 s, observation). Prices: us-east-1 list prices in 2026 (SQS standard
$0.40 per million requests after the free tier; DynamoDB on-demand $0.625 per million write
and $0.125 per million read request units).
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from pathlib import Path

from queuelab.contract.history import INVOKE, OK, Fn, read_dir

SQS_PER_MILLION = 0.40
DDB_WRITE_PER_MILLION = 0.625
DDB_READ_PER_MILLION = 0.125
RUNNER_POLLS_PER_SECOND = 5  # Lab.settle and friends


def newest_runs(root: Path) -> list[Path]:
    newest: dict[str, Path] = {}
    for journal in sorted(root.glob("*/journal.json")):
        newest[json.loads(journal.read_text())["scenario"]] = journal.parent
    return list(newest.values())


def count(run_dir: Path) -> Counter[str]:
    ops = read_dir(run_dir / "history")
    journal = json.loads((run_dir / "journal.json").read_text())
    counts: Counter[str] = Counter()
    sends: Counter[str] = Counter(op.process for op in ops if op.f == Fn.SEND and op.type == INVOKE)
    counts["sqs"] += sum(math.ceil(n / 10) for n in sends.values())
    counts["sqs"] += sum(1 for op in ops if op.f in (Fn.RECEIVE, Fn.DELETE) and op.type == INVOKE)
    counts["sqs"] += sum(1 for op in ops if op.f == Fn.RELEASE and op.type == OK)
    counts["sqs"] += sum(1 for op in ops if op.f in (Fn.HEARTBEAT, Fn.RETRY) and op.type == INVOKE)
    claims = [op for op in ops if op.f == Fn.CLAIM and op.type == OK]
    counts["ddb_write"] += len(claims)  # the conditional put
    counts["ddb_write"] += sum(
        1 for op in claims if op.value.get("outcome") == "acquired"
    )  # complete
    counts["ddb_write"] += sum(1 for op in ops if op.f == Fn.SIDE_EFFECT and op.type == INVOKE)
    counts["ddb_read"] += sum(
        1 for op in ops if op.f in (Fn.SIDE_EFFECT, Fn.SKIP) and op.type != OK
    )
    counts["ddb_read"] += len(claims)  # check-before-doing, at most one per claim
    # The runner: 2 purges, ~4 observation calls per queue, settling polls, 2 scans + deletes.
    counts["sqs"] += 2 + 8 + int(journal["duration_s"] * RUNNER_POLLS_PER_SECOND)
    counts["ddb_read"] += 4
    counts["ddb_write"] += journal["ledger"]["attempted"]
    return counts


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".queuelab/runs")
    runs = newest_runs(root)
    total: Counter[str] = Counter()
    for run in runs:
        total += count(run)
    cost = (
        total["sqs"] * SQS_PER_MILLION
        + total["ddb_write"] * DDB_WRITE_PER_MILLION
        + total["ddb_read"] * DDB_READ_PER_MILLION
    ) / 1e6
    print(f"{len(runs)} scenario runs under {root}")
    ddb = f"DynamoDB writes ~{total['ddb_write']:,}, reads ~{total['ddb_read']:,}"
    print(f"SQS requests ~{total['sqs']:,}; {ddb}")
    print(f"cost ~${cost:.4f} per full run at list prices (before any free tier)")


if __name__ == "__main__":
    main()
