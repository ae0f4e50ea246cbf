"""``queuelab produce`` / ``python -m producer``: send synthetic messages."""

from __future__ import annotations

import itertools
import logging
import signal
import time
import uuid
from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, Any

import typer

from producer.payloads import Outgoing, Shape, messages
from producer.producer import MAX_BATCH, Producer
from queuelab import aws, lifeline
from queuelab.history import History


class VersionOrder(StrEnum):
    ascending = "ascending"
    descending = "descending"
    shuffled = "shuffled"


def _stream(shape: Shape, run_id: str, continuous: bool) -> Iterator[Outgoing]:
    if not continuous:
        return messages(shape, run_id)
    return itertools.chain.from_iterable(messages(shape, run_id) for _ in itertools.count())


def produce(
    n: Annotated[
        int, typer.Option("--n", min=0, help="Messages to send (per round if --continuous).")
    ] = 10,
    rate: Annotated[
        float, typer.Option(min=0, help="Messages per second; 0 = as fast as possible.")
    ] = 0.0,
    batch_size: Annotated[
        int, typer.Option(min=1, max=MAX_BATCH, help="Messages per SendMessageBatch.")
    ] = MAX_BATCH,
    poison_count: Annotated[
        int, typer.Option(min=0, help="Poison messages at random indices.")
    ] = 0,
    poison_every: Annotated[
        int, typer.Option(min=0, help="Every Nth message is poison (overrides --poison-count).")
    ] = 0,
    malformed_count: Annotated[
        int, typer.Option(min=0, help="Extra bodies that are not JSON at all.")
    ] = 0,
    groups: Annotated[
        int,
        typer.Option(min=0, help="Spread messages over this many groups (MessageGroupId on FIFO)."),
    ] = 0,
    order_ids: Annotated[
        int, typer.Option(min=0, help="Give messages an order_id cycling over this many orders.")
    ] = 0,
    entities: Annotated[
        int, typer.Option(min=0, help="Versioned updates spread over this many entities.")
    ] = 0,
    versions: Annotated[
        VersionOrder, typer.Option(help="Send order of versions.")
    ] = VersionOrder.shuffled,
    continuous: Annotated[
        bool, typer.Option(help="Keep sending rounds of --n until stopped or --duration.")
    ] = False,
    duration: Annotated[
        float,
        typer.Option(
            min=0, help="With --continuous: stop after this many seconds (0 = until SIGTERM)."
        ),
    ] = 0.0,
    seed: Annotated[
        int | None, typer.Option(help="Random seed for work values, poison indices and shuffles.")
    ] = None,
    queue_url: Annotated[str, typer.Option(envvar="QUEUE_URL", help="Queue to send to.")] = "",
    region: Annotated[str | None, typer.Option(envvar="AWS_REGION", help="AWS region.")] = None,
    profile: Annotated[str | None, typer.Option(envvar="AWS_PROFILE", help="AWS profile.")] = None,
    run_id: Annotated[
        str,
        typer.Option(envvar="RUN_ID", help="Run id stamped on every message (default: random)."),
    ] = "",
    history: Annotated[
        str, typer.Option(envvar="HISTORY_PATH", help="Append the send history here (JSON lines).")
    ] = "",
    name: Annotated[
        str, typer.Option(envvar="PROCESS_NAME", help="Process name in the history.")
    ] = "producer",
) -> None:
    """Send synthetic JSON messages ({"id", "work", ...}) in batches, optionally poisoned."""
    if not queue_url:
        typer.echo("error: no queue: set QUEUE_URL or pass --queue-url", err=True)
        raise typer.Exit(2)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    shape = Shape(
        count=n,
        poison_count=poison_count,
        poison_every=poison_every,
        malformed_count=malformed_count,
        groups=groups,
        order_ids=order_ids,
        entities=entities,
        versions=versions.value,
        seed=seed,
    )
    settings = aws.AwsSettings.from_env()
    settings = aws.AwsSettings(
        **{
            **settings.__dict__,
            "region": region or settings.region,
            "profile": profile or settings.profile,
        }
    )
    recorder = History(history or None, name)
    producer = Producer(aws.sqs(settings), queue_url, recorder)

    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    lifeline.watch()
    deadline = time.monotonic() + duration if continuous and duration else None

    def keep_going() -> bool:
        return not stopping and (deadline is None or time.monotonic() < deadline)

    tally = producer.run(
        _stream(shape, run_id or uuid.uuid4().hex[:12], continuous),
        batch_size=batch_size,
        rate=rate,
        keep_going=keep_going,
    )
    recorder.close()
    typer.echo(f"sent {tally.sent}, failed {tally.failed}, unknown {tally.unknown}")
    if tally.failed or tally.unknown:
        raise typer.Exit(1)


def main() -> None:
    app = typer.Typer(add_completion=False)
    app.command()(produce)
    app(prog_name="python -m producer")


if __name__ == "__main__":
    main()
