"""What the producer sends: message bodies and their tracking attributes (pure)."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from queuelab.contract import orders
from queuelab.contract.history import INVOKE, Fn, read
from queuelab.contract.messages import (
    ID_FIELD,
    KEY_ATTRIBUTE,
    ORDER_FIELD,
    POISON_FIELD,
    RUN_ATTRIBUTE,
    subject_of,
)


@dataclass(frozen=True)
class Outgoing:
    key: str
    body: str
    payload: dict[str, Any] | None  # None: the body is deliberately not JSON
    group: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    dedup_id: str | None = None  # FIFO: None means the key (or, with content_dedup, none)
    stored: str = ""  # claim check: the S3 object holding the payload (the body points to it)

    @property
    def poison(self) -> bool:
        return self.payload is None or bool(self.payload.get(POISON_FIELD))

    @property
    def subject(self) -> str:
        return subject_of(self.payload, self.key)


@dataclass(frozen=True)
class Shape:
    """How a run's messages look; every option defaults to plain, valid messages."""

    count: int = 10
    groups: int = 0  # > 0: a "group" field (and MessageGroupId on FIFO) round-robin
    order_ids: int = 0  # > 0: an "order_id" cycling over this many orders (business keys)
    entities: int = 0  # > 0: versioned updates, count spread over this many entities
    versions: str = "shuffled"  # send order of versions: ascending | descending | shuffled
    seed: int | None = None
    large_every: int = 0  # > 0: every Nth message carries large_bytes of padding ("blob")
    large_bytes: int = 0
    schema_version: int = 0  # 1 or 2: order payloads of that schema (contract.orders)


def _versions(shape: Shape, rng: random.Random) -> list[tuple[int, int]]:
    """(entity, version) pairs, count of them, in the requested send order."""
    per_entity = [shape.count // shape.entities] * shape.entities
    for i in range(shape.count % shape.entities):
        per_entity[i] += 1
    pairs = [(e, v) for e, n in enumerate(per_entity) for v in range(1, n + 1)]
    if shape.versions == "ascending":
        return sorted(pairs, key=lambda p: (p[1], p[0]))
    if shape.versions == "descending":
        return sorted(pairs, key=lambda p: (-p[1], p[0]))
    rng.shuffle(pairs)
    return pairs


def messages(shape: Shape, run_id: str) -> Iterator[Outgoing]:
    rng = random.Random(shape.seed)
    versions = _versions(shape, rng) if shape.entities > 0 else []
    for i in range(shape.count):
        key = str(uuid.uuid4())
        payload: dict[str, Any] = {ID_FIELD: key, "work": rng.randint(1, 1000), "run": run_id}
        payload["sequence"] = i
        if shape.groups > 0:
            payload["group"] = f"g{i % shape.groups}"
        if shape.order_ids > 0:
            order = i % shape.order_ids
            payload[ORDER_FIELD] = f"order-{run_id}-{order}"
            payload["work"] = 100 + order  # same order, same payload apart from the id
        if versions:
            entity, version = versions[i]
            payload |= {"entity_id": f"entity-{entity}", "version": version}
        if shape.schema_version:
            payload |= {ORDER_FIELD: f"order-{key}"} | orders.order(shape.schema_version, i, run_id)
        if shape.large_every and i % shape.large_every == shape.large_every - 1:
            # The padding is in the body only: the history records its size, not its bytes.
            payload["blob_bytes"] = shape.large_bytes
            body = json.dumps(payload | {"blob": "x" * shape.large_bytes})
            yield outgoing(key, payload, run_id, body)
            continue
        yield outgoing(key, payload, run_id)


def outgoing(key: str, payload: dict[str, Any] | None, run_id: str, body: str = "") -> Outgoing:
    """A message with its tracking attributes; ``body`` defaults to the payload's JSON."""
    attributes = {KEY_ATTRIBUTE: key, RUN_ATTRIBUTE: run_id}
    group = payload.get("group") if payload else None
    return Outgoing(
        key=key,
        body=body or json.dumps(payload),
        payload=payload,
        group=group,
        attributes=attributes,
    )


def replayed(history_path: str, run_id: str) -> Iterator[Outgoing]:
    """The messages a producer's history recorded, in send order, once each (a producer that
    restarts and replays its outbox); bodies that were not JSON are not recorded, so skipped."""
    seen: set[str] = set()
    for op in read([Path(history_path)]):
        payload = op.value.get("payload")
        if op.f != Fn.SEND or op.type != INVOKE or not op.key or op.key in seen or not payload:
            continue
        seen.add(op.key)
        yield outgoing(op.key, payload, run_id)
