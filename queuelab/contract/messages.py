"""What a message looks like to every process: its tracking attributes, its body fields and
the subject rule (what a side effect acts on)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Message attributes that let every process name a message the same way, even when its
# body is malformed, and let a run ignore stray messages of earlier runs.
KEY_ATTRIBUTE = "queuelab-id"
RUN_ATTRIBUTE = "queuelab-run"

# Body fields of the producer's JSON messages.
ID_FIELD = "id"  # the producer's key for the message (also in KEY_ATTRIBUTE)
ORDER_FIELD = "order_id"  # a business key: several messages may name one order
POISON_FIELD = "poison"  # true on poison messages
POISON_MARKER = '"poison": true'  # how a poison message's JSON body spells it


def subject_of(payload: Mapping[str, Any] | None, key: str) -> str:
    """What a side effect acts on: the order when the payload names one, else the message
    (``key`` for a body that is not JSON)."""
    if payload is None:
        return key
    return str(payload.get(ORDER_FIELD) or payload.get(ID_FIELD) or key)
