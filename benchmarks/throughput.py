"""Producer and consumer throughput against one embedded server, beside bare boto3 loops
making the same calls, as ratios; and the consumer's peak memory.

    make bench            # or: .venv/bin/python benchmarks/throughput.py [--messages 3000]

- producer: ``python -m producer`` sending N messages (its rate from its own history, first
  send to last answer) vs a bare SendMessageBatch(10) loop;
- consumer: ``python -m consumer`` (idempotency on: claim, the side effect that checks and
  acts in one conditional write, complete: three puts; then the batch's deletes) draining N
  messages
  (its rate from its history), with POOL_SIZE 1 and 10, and with POOL_SIZE 10 and no status
  table (the side effect's own check is the only dedupe: one call a message), each vs a
  bare loop making the same calls with as many threads; and vs a bare receive +
  DeleteMessageBatch loop;
- the consumer's peak RSS (the largest resident size seen while it drained).

Targets (issue 16): producer >= 0.9 of the bare send loop; consumer >= 0.9 of the bare loop
making the same calls and >= 5 x 55 msg/s; peak RSS < 80 MB. Figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
from rich.console import Console
from rich.table import Table

from queuelab.backend import EmbeddedBackend
from queuelab.contract import clients
from queuelab.contract.history import INVOKE, OK, Fn, Op, read_dir
from queuelab.contract.messages import KEY_ATTRIBUTE, RUN_ATTRIBUTE
from queuelab.targets import provision
from queuelab.targets.plan import ResourceSet

BENCH = ResourceSet("bench", "throughput", visibility_timeout=30, max_receive_count=None)
# (POOL_SIZE, claims): the claim pattern one by one and with a pool; and idempotency by the
# side effect's own check alone (no status table: one DynamoDB call a message).
DRAINS = ((1, True), (10, True), (10, False))


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


def span(ops: list[Op], first: Fn, last: Fn) -> float:
    """Seconds from the first ``first`` invoke to the last ``last`` ok."""
    starts = [op.time for op in ops if op.f == first and op.type == INVOKE]
    ends = [op.time for op in ops if op.f == last and op.type == OK]
    return max(ends) - min(starts) if starts and ends else 0.0


def entries(n: int, run: str) -> list[list[dict[str, Any]]]:
    batches = []
    for start in range(0, n, 10):
        batch = []
        for i in range(start, min(n, start + 10)):
            key = str(uuid.uuid4())
            batch.append(
                {
                    "Id": str(i - start),
                    "MessageBody": json.dumps({"id": key, "work": 1, "run": run, "sequence": i}),
                    "MessageAttributes": {
                        KEY_ATTRIBUTE: {"DataType": "String", "StringValue": key},
                        RUN_ATTRIBUTE: {"DataType": "String", "StringValue": run},
                    },
                }
            )
        batches.append(batch)
    return batches


def bare_send(sqs: Any, url: str, n: int) -> float:
    batches = entries(n, "bare")
    started = time.monotonic()
    for batch in batches:
        sqs.send_message_batch(QueueUrl=url, Entries=batch)
    return rate(n, time.monotonic() - started)


def same_calls(ddb: Any, tables: tuple[str, str], message: dict[str, Any], claims: bool) -> None:
    """The idempotent consumer's DynamoDB calls for one new message: the claim (a
    conditional put), the side effect's first performance (a conditional put), completion
    (a put of the whole record); without ``claims`` only the side effect."""
    status, effects = tables
    key = {"S": message["MessageId"]}
    claim = {"id": key, "status": {"S": "INPROGRESS"}, "owner": {"S": "bare"}}
    if claims:
        ddb.put_item(TableName=status, Item=claim, ConditionExpression="attribute_not_exists(id)")
    ddb.put_item(
        TableName=effects,
        Item={"subject": key, "performances": {"N": "1"}, "request_keys": {"SS": [key["S"]]}},
        ConditionExpression="attribute_not_exists(subject)",
    )
    if claims:
        ddb.put_item(TableName=status, Item=claim | {"status": {"S": "COMPLETED"}})


def bare_drain(
    sqs: Any,
    ddb: Any,
    url: str,
    tables: tuple[str, str],
    n: int,
    calls: bool,
    threads: int = 1,
    claims: bool = True,
) -> float:
    """Receive 10, then per message the consumer's DynamoDB calls (if ``calls``, in
    ``threads`` threads), then DeleteMessageBatch: no processing beyond the calls."""
    done, started = 0, time.monotonic()
    pool = ThreadPoolExecutor(threads)
    while done < n:
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if calls:
            list(pool.map(lambda m: same_calls(ddb, tables, m, claims), messages))
        if messages:
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(messages)
                ],
            )
        done += len(messages)
    return rate(n, time.monotonic() - started)


def run_process(argv: list[str], env: dict[str, str]) -> tuple[int, float]:
    """Run to completion; (exit code, peak RSS in MB of the process)."""
    proc = psutil.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    return proc.returncode, peak / 2**20


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    n = args.messages
    workdir = Path(".queuelab/bench-throughput") / time.strftime("%Y%m%dT%H%M%S")
    workdir.mkdir(parents=True)
    with EmbeddedBackend(log_path=workdir / "backend.log") as endpoint:
        settings = endpoint.settings()
        sqs, ddb = clients.sqs(settings), clients.dynamodb(settings)
        outputs = provision.provision(
            sqs, ddb, region=endpoint.region, stack="local", resources=[BENCH]
        )
        res = outputs["bench"]
        env = {**os.environ, **settings.env(), **res.env(), "PYTHONUNBUFFERED": "1"}
        tables = (res.status_table, res.side_effects_table)

        bare_producer = bare_send(sqs, res.queue_url, n)
        sqs.purge_queue(QueueUrl=res.queue_url)
        history = workdir / "history"
        code, _ = run_process(
            [
                sys.executable,
                "-m",
                "producer",
                "--n",
                str(n),
                "--run-id",
                "bench",
                "--history",
                str(history / "producer.jsonl"),
            ],
            env,
        )
        produced = rate(n, span(read_dir(history), Fn.SEND, Fn.SEND))

        drains = []
        for i, (pool, claims) in enumerate(DRAINS):
            if i:  # the producer filled the queue for the first
                fill(sqs, res.queue_url, n)
            consumed, deleted, peak_mb = consume(env, workdir / f"drain-{i}", pool, claims)
            fill(sqs, res.queue_url, n)
            bare = bare_drain(sqs, ddb, res.queue_url, tables, n, True, pool, claims)
            drains.append((pool, claims, consumed, deleted, peak_mb, bare))
        fill(sqs, res.queue_url, n)
        bare_receive_delete = bare_drain(sqs, ddb, res.queue_url, tables, n, calls=False)

    table = Table(title=f"throughput, {n} messages, one embedded server (msg/s)")
    for column in ("what", "queuelab", "bare boto3 loop", "ratio", "target"):
        table.add_column(column, justify="right" if column != "what" else "left")
    ratio = f"{produced / bare_producer:.2f}"
    table.add_row(
        "producer (SendMessageBatch 10)",
        f"{produced:.0f}",
        f"{bare_producer:.0f}",
        ratio,
        ">= 0.90",
    )
    for pool, claims, consumed, deleted, peak_mb, bare in drains:
        how = "claims" if claims else "no claims: the side effect's own check"
        what = f"consumer, idempotent ({how}), POOL_SIZE={pool}; bare: same calls, {pool} threads"
        table.add_row(what, f"{consumed:.0f}", f"{bare:.0f}", f"{consumed / bare:.2f}", ">= 0.90")
        table.add_row(
            "  vs receive + DeleteMessageBatch only",
            "",
            f"{bare_receive_delete:.0f}",
            f"{consumed / bare_receive_delete:.2f}",
            "",
        )
        table.add_row("  vs 55 msg/s (before issue 16)", "", "55", f"{consumed / 55:.1f}", ">= 5.0")
        table.add_row("  peak RSS (MB)", f"{peak_mb:.0f}", "", "", "< 80")
        table.add_row("  deleted", f"{deleted} of {n}", "", "", "")
    Console().print(table)
    print(f"producer exit code {code}; files in {workdir}")
    return 0


def fill(sqs: Any, url: str, n: int) -> None:
    for batch in entries(n, "bare"):
        sqs.send_message_batch(QueueUrl=url, Entries=batch)


def consume(
    env: dict[str, str], history: Path, pool: int, claims: bool
) -> tuple[float, int, float]:
    """Drain the queue with one consumer process: (msg/s, deleted, peak RSS in MB)."""
    consumer_env = env | {
        "HISTORY_PATH": str(history / "consumer.jsonl"),
        "CONSUMER_ID": "consumer",
        "MAX_MESSAGES": "10",
        "POOL_SIZE": str(pool),
        **({} if claims else {"MESSAGE_STATUS_TABLE": ""}),
        "WAIT_TIME_SECONDS": "1",
        "IDLE_TIMEOUT_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
    }
    _, peak_mb = run_process([sys.executable, "-m", "consumer"], consumer_env)
    ops = [op for op in read_dir(history) if op.process == "consumer"]
    deleted = sum(1 for op in ops if op.f == Fn.DELETE and op.type == OK)
    return rate(deleted, span(ops, Fn.RECEIVE, Fn.DELETE)), deleted, peak_mb


if __name__ == "__main__":
    sys.exit(main())
