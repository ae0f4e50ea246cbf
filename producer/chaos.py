"""The producer's chaos layer: poison messages (``"poison": true``) and bodies that are not
JSON at all, mixed into a stream of good messages; retries a FIFO queue cannot recognise (a
fresh deduplication id per send, a send time stamped into the body). The sending path knows
nothing of them."""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace

from producer.payloads import Outgoing, outgoing
from queuelab.contract.messages import POISON_FIELD
from queuelab.contract.producer_knobs import ProducerKnobs


def poison_indices(count: int, every: int, how_many: int, rng: random.Random) -> set[int]:
    """Every ``every``-th message (indices every-1, 2*every-1, ...), else ``how_many`` at
    random indices."""
    if every > 0:
        return set(range(every - 1, count, every))
    return set(rng.sample(range(count), min(how_many, count)))


def poisoned(stream: Iterator[Outgoing], indices: set[int], run_id: str) -> Iterator[Outgoing]:
    for i, message in enumerate(stream):
        if i in indices and message.payload is not None:
            yield outgoing(message.key, message.payload | {POISON_FIELD: True}, run_id)
        else:
            yield message


def malformed(count: int, run_id: str) -> Iterator[Outgoing]:
    for j in range(count):
        yield outgoing(str(uuid.uuid4()), None, run_id, body=f"<malformed {j}: not JSON>")


def unrecognisable(stream: Iterator[Outgoing], knobs: ProducerKnobs) -> Iterator[Outgoing]:
    """Each message as sent by a producer whose retries do not look like retries."""
    for message in stream:
        if knobs.stamp_sent_at and message.payload is not None:
            stamped = message.payload | {"sent_at": time.time()}
            message = replace(message, payload=stamped, body=json.dumps(stamped))
        if knobs.fresh_dedup_ids:
            message = replace(message, dedup_id=uuid.uuid4().hex)
        yield message


def layer(knobs: ProducerKnobs, stream: Iterator[Outgoing], run_id: str) -> Iterator[Outgoing]:
    """One round of messages with the poison the knobs ask for."""
    rng = random.Random(knobs.seed)
    indices = poison_indices(knobs.n, knobs.poison_every, knobs.poison_count, rng)
    indices |= set(range(min(knobs.poison_first, knobs.n)))
    yield from poisoned(stream, indices, run_id)
    yield from malformed(knobs.malformed_count, run_id)
