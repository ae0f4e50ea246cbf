"""``queuelab produce`` / ``python -m producer``: send synthetic messages. Options are declared
once in ``queuelab.contract.producer_knobs``."""

from __future__ import annotations

import itertools
import logging
import signal
import time
import uuid
from collections.abc import Iterator
from typing import Any

import typer

from producer import chaos
from producer.claim_check import ClaimCheck
from producer.payloads import Outgoing, Shape, messages, replayed
from producer.producer import Producer, Tally
from queuelab.contract import clients, lifeline
from queuelab.contract.history import History
from queuelab.contract.knobs import command
from queuelab.contract.processes import EXIT_FAILED, EXIT_OK
from queuelab.contract.producer_knobs import ProducerKnobs


def stream(knobs: ProducerKnobs, run_id: str) -> Iterator[Outgoing]:
    """Rounds of ``--n`` messages (one, or endless with ``--continuous``), poison mixed in;
    or, with ``--replay``, the messages an earlier history recorded."""
    if knobs.replay:
        yield from replayed(knobs.replay, run_id)
        return
    shape = Shape(
        count=knobs.n,
        groups=knobs.groups,
        order_ids=knobs.order_ids,
        entities=knobs.entities,
        versions=knobs.versions,
        seed=knobs.seed,
        large_every=knobs.large_every,
        large_bytes=knobs.large_bytes,
        schema_version=knobs.schema_version,
    )
    rounds = itertools.count() if knobs.continuous else range(1)
    for _ in rounds:
        yield from chaos.layer(knobs, messages(shape, run_id), run_id)


def run(knobs: ProducerKnobs) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = clients.AwsSettings.from_env()
    settings = clients.AwsSettings(
        **{
            **settings.__dict__,
            "region": knobs.region or settings.region,
            "profile": knobs.profile or settings.profile,
        }
    )
    recorder = History(knobs.history or None, knobs.name)
    producer = Producer(
        clients.sqs(settings), knobs.queue_url, recorder, content_dedup=knobs.content_dedup
    )

    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    lifeline.watch()
    deadline = time.monotonic() + knobs.duration if knobs.continuous and knobs.duration else None

    def keep_going() -> bool:
        return not stopping and (deadline is None or time.monotonic() < deadline)

    run_id = knobs.run_id or uuid.uuid4().hex[:12]
    claim_check = None
    if knobs.claim_check_bucket:
        s3 = clients.s3(settings)
        claim_check = ClaimCheck(s3, knobs.claim_check_bucket, knobs.claim_check_over, run_id)

    def send(messages: Iterator[Outgoing]) -> Tally:
        as_sent = chaos.unrecognisable(messages, knobs)  # as a faulty producer would send them
        if claim_check is not None:
            as_sent = claim_check.stream(as_sent)
        return producer.run(as_sent, batch_size=knobs.batch_size, rate=knobs.rate,
                            keep_going=keep_going)  # fmt: skip

    if knobs.resend_after_seconds:
        outbox = list(stream(knobs, run_id))
        resend_at = time.monotonic() + knobs.resend_after_seconds
        send(iter(outbox))
        while keep_going() and time.monotonic() < resend_at:
            time.sleep(min(0.05, max(0.0, resend_at - time.monotonic())))
        tally = send(iter(outbox) if keep_going() else iter(()))
    else:
        tally = send(stream(knobs, run_id))
    recorder.close()
    typer.echo(f"sent {tally.sent}, failed {tally.failed}, unknown {tally.unknown}")
    return EXIT_FAILED if tally.failed or tally.unknown else EXIT_OK


produce = command(
    "produce",
    ProducerKnobs,
    run,
    'Send synthetic JSON messages ({"id", "work", ...}) in batches, optionally poisoned.',
)


def main() -> None:
    app = typer.Typer(add_completion=False)
    app.command()(produce)
    app(prog_name="python -m producer")


if __name__ == "__main__":
    main()
