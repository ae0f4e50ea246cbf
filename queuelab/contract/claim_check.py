"""The claim check: a payload too large for SQS is stored in S3 and the message carries a
pointer to it. Producer and consumer agree here on the pointer's shape and the object keys.

    {"id": "6f1c...", "claim_check": {"bucket": "...", "key": "claims/RUN/6f1c...",
     "bytes": 1258291, "sha256": "..."}}

The pointer keeps the payload's ``id`` (and ``order_id`` if any), so a consumer can name and
deduplicate the message before it fetches anything.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from queuelab.contract.messages import ID_FIELD, ORDER_FIELD

POINTER_FIELD = "claim_check"
PREFIX = "claims/"  # every claim-checked object (AWS: a lifecycle rule expires leftovers)
SQS_MAX_BYTES = 1_048_576  # SQS's largest message (body and attributes), since 2025
EXPIRE_DAYS = 1  # the bucket's lifecycle rule: objects under PREFIX older than this go


@dataclass(frozen=True)
class Pointer:
    bucket: str
    key: str
    bytes: int
    sha256: str


def object_key(run_id: str, message_key: str) -> str:
    return f"{PREFIX}{run_id or 'by-hand'}/{message_key}"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pointer_body(payload: dict[str, Any], pointer: Pointer) -> str:
    """The message body standing for ``payload``: its names, and where the rest is."""
    names = {k: payload[k] for k in (ID_FIELD, ORDER_FIELD) if k in payload}
    return json.dumps(names | {POINTER_FIELD: asdict(pointer)})


def pointer_of(body: str) -> Pointer | None:
    """The pointer a claim-check body carries, else None (an ordinary body)."""
    if POINTER_FIELD not in body:
        return None
    try:
        raw = json.loads(body).get(POINTER_FIELD)
        return Pointer(str(raw["bucket"]), str(raw["key"]), int(raw["bytes"]), str(raw["sha256"]))
    except (ValueError, AttributeError, KeyError, TypeError):
        return None
