"""CPU the embedded server spends per call, for the calls an idempotent consumer makes.

    make bench        # or: .venv/bin/python benchmarks/server_cpu.py [--seconds 2 --rounds 3]

One boto3 client makes one kind of call in a loop (a conditional PutItem, a consistent
GetItem, GetQueueAttributes, SendMessage) against an embedded server; the figures are the
server process's CPU ms per call (user + system, from psutil) and the client's, the best of
``--rounds`` rounds of ``--seconds`` each (other work on the machine only ever adds CPU).
The consumer makes 3-5 such calls per message, so the server's figure bounds the messages
per second one server can carry: about 1000 / (4 x ms per call) on one core.
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Callable
from typing import Any

import psutil
from rich.console import Console
from rich.table import Table

from queuelab.backend import EmbeddedBackend
from queuelab.contract import clients
from queuelab.targets import provision
from queuelab.targets.plan import ResourceSet

RESOURCES = ResourceSet("bench", "throughput", visibility_timeout=30, max_receive_count=None)


def calls(sqs: Any, ddb: Any, res: Any) -> dict[str, Callable[[], object]]:
    def key() -> dict[str, str]:
        return {"S": str(uuid.uuid4())}

    return {
        "PutItem (conditional)": lambda: ddb.put_item(
            TableName=res.status_table,
            Item={"id": key(), "status": {"S": "X"}},
            ConditionExpression="attribute_not_exists(id)",
        ),
        "GetItem (consistent)": lambda: ddb.get_item(
            TableName=res.side_effects_table, Key={"subject": key()}, ConsistentRead=True
        ),
        "GetQueueAttributes": lambda: sqs.get_queue_attributes(
            QueueUrl=res.queue_url, AttributeNames=["All"]
        ),
        "SendMessage": lambda: sqs.send_message(QueueUrl=res.queue_url, MessageBody="x"),
    }


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def measure(
    call: Callable[[], object], server: psutil.Process, seconds: float
) -> tuple[float, float, float]:
    """(calls per second, server CPU ms per call, client CPU ms per call) over one round."""
    me = psutil.Process()
    server0, client0, t0, n = cpu_seconds(server), cpu_seconds(me), time.monotonic(), 0
    while time.monotonic() - t0 < seconds:
        call()
        n += 1
    elapsed = time.monotonic() - t0
    server_ms = (cpu_seconds(server) - server0) / n * 1000
    client_ms = (cpu_seconds(me) - client0) / n * 1000
    return n / elapsed, server_ms, client_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="length of one round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    console = Console()
    table = Table(title="embedded server: CPU per call (best of rounds; lower is better)")
    for column in ("call", "calls/s", "server CPU ms", "client CPU ms"):
        table.add_column(column, justify="left" if column == "call" else "right")
    with EmbeddedBackend() as endpoint:
        settings = endpoint.settings()
        sqs, ddb = clients.sqs(settings), clients.dynamodb(settings)
        res = provision.provision(
            sqs, ddb, region=endpoint.region, stack="local", resources=[RESOURCES]
        )["bench"]
        server = psutil.Process(endpoint.pid)
        for name, call in calls(sqs, ddb, res).items():
            call()  # warm: the first call of a kind builds moto's models
            rounds = [measure(call, server, args.seconds) for _ in range(args.rounds)]
            rate, server_ms, client_ms = min(rounds, key=lambda r: r[1])
            table.add_row(name, f"{rate:.0f}", f"{server_ms:.2f}", f"{client_ms:.2f}")
    console.print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
