"""The embedded backend's cost at depth 100,000 against depth 1,000 (issue 16: a backlog of
100,000 messages, and a side-effects table of 100,000 items, must not slow each call down).

    .venv/bin/python benchmarks/depth.py [--depths 1000 100000]

Prints, at each depth, median ms per GetQueueAttributes(All), per ReceiveMessage(10) +
DeleteMessageBatch(10) pair (a drain), the same pair with 1,000 messages in flight at the
head of the queue (a fleet holding leases), and the time of a full paginated Scan of a table
holding ``depth`` items (what ``observe`` does at the end of a run), per 100 items: every
figure should stay flat as the depth grows (target: at most 3x from 1,000 to 100,000).
Queue and table are filled inside the server process through moto's model (sending 100,000
messages over HTTP takes about a minute); the timed calls go over HTTP with boto3 like any
client's.
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

FILL_QUEUE, FILL_TABLE = "/_bench/fill-queue", "/_bench/fill-table"
PAIRS, IN_FLIGHT = 50, 1000
TARGET_RATIO = 3.0


def serve() -> None:
    """Bench server: the embedded server app plus routes that fill a queue or a table."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends
    from moto.sqs.models import Message, sqs_backends

    from queuelab.backend import server

    app = server.build_app()

    def with_fill(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO")
        if path not in (FILL_QUEUE, FILL_TABLE):
            return app(environ, start_response)
        query = dict(p.split("=", 1) for p in environ["QUERY_STRING"].split("&"))
        count = int(query["count"])
        if path == FILL_QUEUE:
            queue = sqs_backends[DEFAULT_ACCOUNT_ID][query["region"]].get_queue(query["name"])
            for i in range(count):
                message = Message(f"fill-{i}", "x" * 100)
                message.mark_sent()
                queue.add_message(message)
        else:
            table = dynamodb_backends[DEFAULT_ACCOUNT_ID][query["region"]].get_table(query["name"])
            for i in range(count):
                table.put_item({"subject": {"S": f"s-{i:06d}"}, "run": {"S": "r"}, "n": {"N": "1"}})
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server.serve(with_fill)


def median_ms(call: Callable[[], object], times: int) -> float:
    samples = []
    for _ in range(times):
        t0 = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def fill(url: str, route: str, region: str, name: str, count: int) -> None:
    urllib.request.urlopen(f"{url}{route}?region={region}&name={name}&count={count}").read()


def measure(url: str, region: str, depth: int) -> dict[str, float]:
    creds = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    sqs = boto3.client("sqs", endpoint_url=url, region_name=region, **creds)
    ddb = boto3.client("dynamodb", endpoint_url=url, region_name=region, **creds)
    name = f"depth-{depth}"
    queue_url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "900"})[
        "QueueUrl"
    ]
    fill(url, FILL_QUEUE, region, name, depth + IN_FLIGHT + 2 * PAIRS * 10)

    def drain_pair() -> None:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                     for i, m in enumerate(messages)],
        )  # fmt: skip

    figures = {
        "GetQueueAttributes(All) ms": median_ms(
            lambda: sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"]), 20
        ),
        "Receive(10)+DeleteBatch(10) ms": median_ms(drain_pair, PAIRS),
    }
    for _ in range(IN_FLIGHT // 10):  # leases held at the head of the queue
        sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    figures[f"  the same, {IN_FLIGHT:,} in flight ms"] = median_ms(drain_pair, PAIRS)

    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "subject", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "subject", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    fill(url, FILL_TABLE, region, name, depth)
    t0 = time.perf_counter()
    items = sum(
        len(page["Items"])
        for page in ddb.get_paginator("scan").paginate(TableName=name, ConsistentRead=True)
    )
    assert items == depth, (items, depth)
    figures["full Scan, ms per 100 items"] = (time.perf_counter() - t0) * 1000 / depth * 100
    print(f"full paginated Scan of {depth:,} items: {time.perf_counter() - t0:.1f} s")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--depths", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return 0
    console = Console()
    results: dict[int, dict[str, float]] = {}
    with EmbeddedBackend(argv=[*server_argv()[:1], __file__, "--serve"]) as endpoint:
        for depth in args.depths:
            console.print(f"[dim]depth {depth:,}...[/dim]")
            results[depth] = measure(endpoint.url, endpoint.region, depth)
    low, high = min(args.depths), max(args.depths)
    table = Table(title="embedded backend: cost at depth (lower is better)")
    table.add_column("call")
    for depth in args.depths:
        table.add_column(f"depth {depth:,}", justify="right")
    table.add_column(f"{high:,} / {low:,}", justify="right")
    worst = 0.0
    for call in results[low]:
        values = [results[depth][call] for depth in args.depths]
        ratio = results[high][call] / results[low][call]
        worst = max(worst, ratio)
        table.add_row(call, *(f"{v:.1f}" for v in values), f"{ratio:.1f}x")
    console.print(table)
    met = "met" if worst <= TARGET_RATIO else "NOT met"
    console.print(
        f"worst ratio, depth {high:,} vs {low:,}: {worst:.2f}x "
        f"(target <= {TARGET_RATIO:.0f}x: {met})"
    )
    return 0 if worst <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
