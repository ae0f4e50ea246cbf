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
- 429 (throttled) and 500/503 mean "not performed, try again"; 400 a malformed request.

    {"t0": 1700000000.1, "t1": 1700000000.3, "process": "consumer-1", "method": "POST",
     "id": "6f1c...", "key": "6f1c...", "outcome": "performed", "status": 200}
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

FILE = "external.jsonl"
QUEUE_URL_ENV = "QUEUE_URL"
SIDE_EFFECT_URL_ENV = "SIDE_EFFECT_URL"
# The consumer's own DynamoDB table at the same endpoint (contract version 2): its key schema
# is ``contract.tables.CONSUMER_TABLE_KEY`` / ``CONSUMER_TTL_ATTRIBUTE``.
STATE_TABLE_ENV = "STATE_TABLE"
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"

# What became of a call (``outcome``).
PERFORMED = "performed"  # the side effect happened (answered 200, unless the answer was dropped)
REPLAYED = "replayed"  # the key was done before: the first result again, nothing performed
CONFLICT = "conflict"  # 409: a request with the same key is in progress
REFUSED = "refused"  # a fault the lab injected (429, 500, 503, 403, a reset): not performed
ABANDONED = "abandoned"  # held by the lab while its caller was stopped: never performed
FOUND, NOT_FOUND = "found", "not found"  # answers to GET
BAD_REQUEST = "bad request"  # 400: no JSON object with an "id"
FLOODED = "flooded"  # 429: the caller went over the request rate the lab allows


@dataclass
class Call:
    t0: float  # the request arrived
    t1: float  # it was answered (or dropped)
    process: str
    method: str  # POST | GET
    id: str = ""
    key: str = ""  # the Idempotency-Key, if any
    outcome: str = ""
    status: int = 0  # 0: no answer (the connection was dropped)
    performed_at: float = 0.0  # when the side effect happened (PERFORMED)

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
