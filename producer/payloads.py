"""What the producer sends: message bodies and their tracking attributes (pure)."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from queuelab.history import KEY_ATTRIBUTE, RUN_ATTRIBUTE

POISON_FIELD = "poison"


@dataclass(frozen=True)
class Outgoing:
    key: str
    body: str
    payload: dict[str, Any] | None  # None: the body is deliberately not JSON
    group: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def poison(self) -> bool:
        return self.payload is None or bool(self.payload.get(POISON_FIELD))

    @property
    def subject(self) -> str:
        """What the side effect acts on: the order when the payload names one, else the message."""
        if self.payload is None:
            return self.key
        return str(self.payload.get("order_id") or self.payload["id"])


@dataclass(frozen=True)
class Shape:
    """How a run's messages look; every option defaults to plain, valid messages."""

    count: int = 10
    poison_count: int = 0
    poison_every: int = 0  # overrides poison_count: indices every-1, 2*every-1, ...
    malformed_count: int = 0  # bodies that are not JSON at all, appended after the others
    groups: int = 0  # > 0: a "group" field (and MessageGroupId on FIFO) round-robin
    order_ids: int = 0  # > 0: an "order_id" cycling over this many orders (business keys)
    entities: int = 0  # > 0: versioned updates, count spread over this many entities
    versions: str = "shuffled"  # send order of versions: ascending | descending | shuffled
    seed: int | None = None


def poison_indices(shape: Shape, rng: random.Random) -> set[int]:
    if shape.poison_every > 0:
        return set(range(shape.poison_every - 1, shape.count, shape.poison_every))
    return set(rng.sample(range(shape.count), min(shape.poison_count, shape.count)))


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
    poison = poison_indices(shape, rng)
    versions = _versions(shape, rng) if shape.entities > 0 else []
    for i in range(shape.count):
        key = str(uuid.uuid4())
        payload: dict[str, Any] = {"id": key, "work": rng.randint(1, 1000), "run": run_id}
        payload["sequence"] = i
        if shape.groups > 0:
            payload["group"] = f"g{i % shape.groups}"
        if shape.order_ids > 0:
            order = i % shape.order_ids
            payload["order_id"] = f"order-{run_id}-{order}"
            payload["work"] = 100 + order  # same order, same payload apart from the id
        if versions:
            entity, version = versions[i]
            payload |= {"entity_id": f"entity-{entity}", "version": version}
        if i in poison:
            payload[POISON_FIELD] = True
        yield _outgoing(key, json.dumps(payload), payload, run_id, payload.get("group"))
    for j in range(shape.malformed_count):
        key = str(uuid.uuid4())
        yield _outgoing(key, f"<malformed {j}: not JSON>", None, run_id, None)


def _outgoing(
    key: str, body: str, payload: dict[str, Any] | None, run_id: str, group: str | None
) -> Outgoing:
    attributes = {KEY_ATTRIBUTE: key, RUN_ATTRIBUTE: run_id}
    return Outgoing(key=key, body=body, payload=payload, group=group, attributes=attributes)
