"""Per-call cost of the embedded backend vs stock moto as a queue grows.

    make bench-backend        # or: .venv/bin/python benchmarks/backend.py [--depths 0 1000]

Prints median ms per SendMessageBatch(10), ReceiveMessage(10) and DeleteMessageBatch(10) at
each depth, for both servers side by side, and per SendMessageBatch(10) to a FIFO queue whose
deduplication window already holds ``depth`` ids (the window must cost O(1) per send). Depth
is the number of messages stored in the queue before the timed calls, which add at most 300
more (the received ones stay in flight).
Sending 10,000 messages through stock moto's API takes about 15 minutes (each send walks the
queue), so the queue is filled inside the server process through moto's model; the timed
calls go over HTTP with boto3 like any client's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import boto3
from rich.console import Console
from rich.table import Table

from queuelab.backend import EmbeddedBackend
from queuelab.backend.launcher import server_argv

FILL_PATH = "/_bench/fill"
FLAVOURS = ("stock moto", "embedded")
MIN_SAMPLES, MAX_SAMPLES, MIN_SECONDS = 3, 30, 2.0
TARGET_RATIO = 3.0


def serve(stock: bool) -> None:
    """Bench server: the real server app plus a route that fills a queue in-process."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import Message, sqs_backends

    from queuelab.backend import server

    app = server.build_app(stock)

    def with_fill(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") != FILL_PATH:
            return app(environ, start_response)
        query = dict(p.split("=", 1) for p in environ["QUERY_STRING"].split("&"))
        queue = sqs_backends[DEFAULT_ACCOUNT_ID][query["region"]].get_queue(query["queue"])
        for i in range(int(query["count"])):
            message = Message(f"fill-{i}", "x" * 100)
            message.mark_sent()
            if queue.fifo_queue:  # each filled message also inside the deduplication window
                message.group_id, message.deduplication_id = f"g{i % 10}", f"fill-{i}"
                message.sequence_number = f"{i:020d}"
                if hasattr(queue, "_queuelab_dedup"):
                    from queuelab.backend.behaviour import fifo

                    fifo.remember(queue, message)
            queue._messages.append(message)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server.serve(with_fill)


def timed_ms(call: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    call()
    return (time.perf_counter() - t0) * 1000


def median_ms(call: Callable[[], object]) -> float:
    """At least MIN_SAMPLES calls, more (up to MAX_SAMPLES) while under MIN_SECONDS."""
    samples: list[float] = []
    started = time.perf_counter()
    while len(samples) < MIN_SAMPLES or (
        len(samples) < MAX_SAMPLES and time.perf_counter() - started < MIN_SECONDS
    ):
        samples.append(timed_ms(call))
    return statistics.median(samples)


def measure(url: str, region: str, depth: int) -> dict[str, float]:
    sqs = boto3.client(
        "sqs",
        endpoint_url=url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    name = f"bench-{depth}"
    queue_url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "900"})[
        "QueueUrl"
    ]
    urllib.request.urlopen(f"{url}{FILL_PATH}?region={region}&queue={name}&count={depth}").read()
    entries = [{"Id": str(i), "MessageBody": "y" * 100} for i in range(10)]
    received: list[list[str]] = []

    def receive() -> None:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
        received.append([m["ReceiptHandle"] for m in messages])

    def delete(handles: list[str]) -> None:
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(handles)],
        )

    send = median_ms(lambda: sqs.send_message_batch(QueueUrl=queue_url, Entries=entries))
    receive_ms = median_ms(receive)
    delete_ms = statistics.median(timed_ms(lambda h=h: delete(h)) for h in received)
    return {
        "SendMessageBatch(10)": send,
        "ReceiveMessage(10)": receive_ms,
        "DeleteMessageBatch(10)": delete_ms,
        "FIFO SendMessageBatch(10)": fifo_send_ms(sqs, url, region, depth),
    }


def fifo_send_ms(sqs: Any, url: str, region: str, depth: int) -> float:
    name = f"bench-{depth}.fifo"
    queue_url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"})["QueueUrl"]
    urllib.request.urlopen(f"{url}{FILL_PATH}?region={region}&queue={name}&count={depth}").read()
    sent = iter(range(10**9))

    def send() -> None:
        batch = [next(sent) for _ in range(10)]
        entries = [
            {"Id": str(i), "MessageBody": "y" * 100, "MessageGroupId": f"g{i % 10}",
             "MessageDeduplicationId": f"new-{n}"}
            for i, n in enumerate(batch)
        ]  # fmt: skip
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)

    return median_ms(send)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--depths", type=int, nargs="+", default=[0, 1000, 10000])
    parser.add_argument("--serve", choices=["stock", "embedded"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve == "stock")
        return 0

    console = Console()
    results: dict[tuple[str, int], dict[str, float]] = {}
    for flavour in FLAVOURS:
        mode = "stock" if flavour == "stock moto" else "embedded"
        argv = [*server_argv()[:1], __file__, "--serve", mode]
        with EmbeddedBackend(argv=argv) as endpoint:
            for depth in args.depths:
                console.print(f"[dim]{flavour}: depth {depth:,}...[/dim]")
                results[flavour, depth] = measure(endpoint.url, endpoint.region, depth)

    table = Table(title="median ms per call (lower is better)")
    table.add_column("call")
    table.add_column("depth", justify="right")
    for flavour in FLAVOURS:
        table.add_column(flavour, justify="right")
    table.add_column("speed-up", justify="right")
    calls = ("SendMessageBatch(10)", "ReceiveMessage(10)", "DeleteMessageBatch(10)")
    for call in (*calls, "FIFO SendMessageBatch(10)"):
        for depth in args.depths:
            stock, embedded = (results[f, depth][call] for f in FLAVOURS)
            speedup = f"{stock / embedded:.1f}x"
            table.add_row(call, f"{depth:,}", f"{stock:.1f}", f"{embedded:.1f}", speedup)
    console.print(table)

    low, high = min(args.depths), max(args.depths)
    receive = {depth: results["embedded", depth]["ReceiveMessage(10)"] for depth in (low, high)}
    ratio = receive[high] / receive[low]
    met = "met" if ratio <= TARGET_RATIO else "NOT met"
    console.print(
        f"embedded Receive(10), depth {high:,} vs {low:,}: {ratio:.2f}x "
        f"(target <= {TARGET_RATIO:.0f}x: {met})"
    )
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
