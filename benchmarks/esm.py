"""The Lambda service on loopback (queuelab.esm) against one embedded server: how fast an
empty Python handler drains a backlog, beside a bare loop making the mapping's own SQS calls
at the same concurrency; and how soon a message sent to an idle mapping reaches the handler.

    .venv/bin/python benchmarks/esm.py [--messages 10000] [--concurrency 5] [--samples 200]

- drain: N messages sent first; ``python -m queuelab.esm`` (batch size 10, window 0,
  MaximumConcurrency = the concurrency) with ``examples/lambda/python/empty.py`` inside
  awslambdaric; its rate from its own history, first receive to last delete (the
  environments' cold starts included) vs the same number of threads each looping
  ReceiveMessage(10) + DeleteMessageBatch;
- latency: with window 0, messages sent one at a time to a warm, idle mapping; from each
  message's SentTimestamp to the moment the handler runs (median, p90, max).

Targets (issue 20): drain >= 0.8 of the bare loop; median send-to-invoke < 50 ms. Figures,
not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from queuelab.backend import EmbeddedBackend
from queuelab.contract import clients
from queuelab.contract.history import INVOKE, OK, Fn, read
from queuelab.esm import main
from queuelab.esm.command import Command
from queuelab.esm.function import Function
from queuelab.esm.mapping import Mapping
from queuelab.system import spawn
from queuelab.system.waiting import wait_until

EMPTY = Path(__file__).parents[1] / "examples" / "lambda" / "python"


def fill(sqs: Any, url: str, count: int) -> None:
    def batch(start: int) -> None:
        entries = [
            {"Id": str(i), "MessageBody": f"m{start + i}"} for i in range(min(10, count - start))
        ]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(batch, range(0, count, 10)))


def bare_loop(sqs: Any, url: str, count: int, threads: int) -> float:
    """Messages a second: ``threads`` loops of ReceiveMessage(10) + DeleteMessageBatch."""
    deleted, lock = [0], threading.Lock()

    def loop() -> None:
        while deleted[0] < count:
            messages = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            ).get("Messages", [])
            if messages:
                entries = [
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(messages)
                ]
                sqs.delete_message_batch(QueueUrl=url, Entries=entries)
                with lock:
                    deleted[0] += len(messages)

    began = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(loop) for _ in range(threads)]:
            future.result()
    return count / (time.monotonic() - began)


def start_esm(
    url: str, env: dict[str, str], directory: Path, concurrency: int, function_env: dict[str, str]
) -> tuple[Any, Path]:
    history = directory / "history.jsonl"
    command = Command(
        queue_url=url,
        function=Function(
            code=EMPTY, handler="empty.handler", name="empty", environment=function_env
        ),
        mapping=Mapping(batch_size=10, window=0, maximum_concurrency=concurrency),
        receive_wait=1,
        history=str(history),
        log_dir=str(directory / "logs"),
    )
    return main.start(command, env, directory / "esm.log"), history


def esm_drain(
    sqs: Any, url: str, count: int, env: dict[str, str], directory: Path, concurrency: int
) -> float:
    popen, history = start_esm(url, env, directory, concurrency, {})
    try:

        def deleted() -> int:
            ops = read([history]) if history.exists() else []
            return sum(1 for op in ops if op.f == Fn.DELETE and op.type == OK)

        wait_until(lambda: deleted() >= count, 600, f"{count} deletes", interval=1.0)
    finally:
        spawn.stop(popen, grace=30)
    ops = read([history])
    first = min(op.time for op in ops if op.f == Fn.RECEIVE and op.type == INVOKE)
    last = max(op.time for op in ops if op.f == Fn.DELETE and op.type == OK)
    return count / (last - first)


def latency(
    sqs: Any, url: str, samples: int, env: dict[str, str], directory: Path, concurrency: int
) -> list[float]:
    log = directory / "invoked.log"
    popen, _ = start_esm(url, env, directory, concurrency, {"INVOKED_LOG": str(log)})
    try:

        def lines() -> list[str]:
            return log.read_text().splitlines() if log.exists() else []

        for i in range(concurrency * 2):  # warm every environment
            sqs.send_message(QueueUrl=url, MessageBody=f"warm{i}")
        wait_until(lambda: len(lines()) >= concurrency * 2, 60, "warm-up")
        time.sleep(1.5)  # every poller back in its long poll
        warm = len(lines())
        for i in range(samples):
            sqs.send_message(QueueUrl=url, MessageBody=f"s{i}")
            time.sleep(0.05)
        wait_until(lambda: len(lines()) >= warm + samples, 60, "samples")
    finally:
        spawn.stop(popen, grace=30)
    delays = []
    for line in lines()[warm:]:
        sent_ms, invoked = line.split()
        delays.append(float(invoked) - int(sent_ms) / 1000)
    return delays


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmbeddedBackend(log_path=Path(tmp) / "server.log") as endpoint,
    ):
        settings = clients.AwsSettings.from_env(endpoint.env())
        sqs = clients.sqs(settings)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | endpoint.env()

        def queue(name: str) -> str:
            attributes = {"VisibilityTimeout": "30"}
            return str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])

        bare_url, esm_url, latency_url = (
            queue("bench-bare"),
            queue("bench-esm"),
            queue("bench-latency"),
        )
        fill(sqs, bare_url, args.messages)
        bare = bare_loop(sqs, bare_url, args.messages, args.concurrency)
        print(
            f"bare receive(10) + DeleteMessageBatch, {args.concurrency} threads: {bare:.0f} msg/s",
            flush=True,
        )
        fill(sqs, esm_url, args.messages)
        (Path(tmp) / "drain").mkdir()
        esm = esm_drain(sqs, esm_url, args.messages, env, Path(tmp) / "drain", args.concurrency)
        print(
            f"queuelab.esm, empty Python handler, MaximumConcurrency {args.concurrency}: "
            f"{esm:.0f} msg/s "
            f"({esm / bare:.2f} of the bare loop; target >= 0.8)",
            flush=True,
        )
        (Path(tmp) / "latency").mkdir()
        delays = sorted(
            latency(sqs, latency_url, args.samples, env, Path(tmp) / "latency", args.concurrency)
        )
        median = statistics.median(delays) * 1000
        p90 = delays[int(len(delays) * 0.9) - 1] * 1000
        print(
            f"send to invoke, window 0, {len(delays)} messages: median {median:.1f} ms, "
            f"p90 {p90:.1f} ms, "
            f"max {delays[-1] * 1000:.1f} ms (target: median < 50 ms)",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main_())
