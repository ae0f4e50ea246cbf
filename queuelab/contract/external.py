"""The contract with a consumer the lab did not write (``queuelab run --consumer-command``):
the variables it is started with, the side-effect API it calls, and the log in which the
lab's side-effect endpoint records every call (JSON lines in the run's ``external.jsonl``).

The side-effect endpoint stands for the external system (a payment API):

- ``POST $SIDE_EFFECT_URL`` with a JSON body ``{"id": "<payload id>"}`` performs the side
  effect once per call and answers 200 with a result;
- with an ``Idempotency-Key: K`` header it performs it at most once per key and answers the
  first successful result again (header ``Idempotent-Replayed: true``); while a request
  with the same key is still in progress it answers 409;
- ``GET $SIDE_EFFECT_URL/<id>`` answers 200 if that id's side effect was performed, else 404;
- ``PUT $SIDE_EFFECT_URL/entities/<entity_id>`` with ``{"id": "<payload id>", "version": N}``
  is a versioned, conditional update (contract version 2): the endpoint keeps each
  entity's version and applies N only if it is newer; it answers 200 with ``{"entity_id",
  "version": <the entity's version now>, "applied": true | false}`` (a stale update is done
  too, not applied); the same payload id again is a replay. ``GET
  $SIDE_EFFECT_URL/entities/<entity_id>`` answers the entity's version (404: none yet);
- 429 (throttled) and 500/503 mean "not performed, try again" (503 also while the lab holds
  the external system down: an outage window); 400 a malformed request. A 500 on a request
  the lab's deliberate bug meets may come *after* the side effect was performed (a partial
  success: the same key makes the retry safe).

    {"t0": 1700000000.1, "t1": 1700000000.3, "process": "consumer-1", "method": "POST",
     "id": "6f1c...", "key": "6f1c...", "outcome": "performed", "status": 200}
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

VERSION = 2  # 1: POST and GET; 2: the outage window, the bug, PUT and GET of /entities
FILE = "external.jsonl"
QUEUE_URL_ENV = "QUEUE_URL"
SIDE_EFFECT_URL_ENV = "SIDE_EFFECT_URL"
# The consumer's own DynamoDB table at the same endpoint (contract version 2): its key schema
# is ``contract.tables.CONSUMER_TABLE_KEY`` / ``CONSUMER_TTL_ATTRIBUTE``.
STATE_TABLE_ENV = "STATE_TABLE"
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
ENTITIES = "entities"  # PUT / GET $SIDE_EFFECT_URL/entities/<entity_id>

# What became of a call (``outcome``).
PERFORMED = "performed"  # the side effect happened (answered 200, unless the answer was dropped,
# or 500 when the lab's bug failed it afterwards); for a PUT: applied, or stale (``applied``)
REPLAYED = "replayed"  # the key was done before: the first result again, nothing performed
CONFLICT = "conflict"  # 409: a request with the same key is in progress
REFUSED = "refused"  # a fault the lab injected (429, 500, 503, 403, a reset): not performed
DOWN = "down"  # 503: the lab holds the external system down (an outage window): not performed
ABANDONED = "abandoned"  # held by the lab while its caller was stopped: never performed
FOUND, NOT_FOUND = "found", "not found"  # answers to GET
BAD_REQUEST = "bad request"  # 400: no JSON object with an "id" (and an integer "version")
FLOODED = "flooded"  # 429: the caller went over the request rate the lab allows


@dataclass
class Call:
    t0: float  # the request arrived
    t1: float  # it was answered (or dropped)
    process: str
    method: str  # POST | GET | PUT
    id: str = ""
    key: str = ""  # the Idempotency-Key, if any (a PUT without one: the payload id's)
    outcome: str = ""
    status: int = 0  # 0: no answer (the connection was dropped)
    performed_at: float = 0.0  # when the side effect happened (PERFORMED)
    entity: str = ""  # a PUT's (or an entity GET's) entity id
    version: int = 0  # the version a PUT asked for
    applied: bool = False  # a performed PUT: newer than the entity's, so applied

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, line: str) -> Call:
        return cls(**json.loads(line))


def read(path: Path) -> list[Call]:
    """Every call in arrival order (a torn last line is skipped)."""
    if not path.exists():
        return []
    calls = []
    for line in path.read_text().splitlines():
        try:
            calls.append(Call.from_json(line))
        except (ValueError, TypeError):
            continue
    return sorted(calls, key=lambda c: c.t0)
