"""What a message is deduplicated on: the key of its claim and of check-before-doing. Chosen
in ``consumer/wiring.py`` from the knobs; each raises ``Reject`` for a message without one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from consumer.message import Received, Reject
from queuelab.contract.messages import ID_FIELD

DedupeKey = Callable[[Received, dict[str, Any]], str]


def payload_id(message: Received, payload: dict[str, Any]) -> str:
    """The producer's id for the logical message: the same in every copy of it."""
    return str(payload[ID_FIELD])


def payload_field(field: str) -> DedupeKey:
    """A business key (``order_id``): different messages for one order share it."""

    def key(message: Received, payload: dict[str, Any]) -> str:
        if not payload.get(field):
            raise Reject(f"payload lacks {field} (BUSINESS_IDEMPOTENCY_FIELD)")
        return str(payload[field])

    return key


def sqs_message_id(message: Received, payload: dict[str, Any]) -> str:
    """SQS's MessageId: unique per send, so two sends of one message look like two (the
    mistake a negative control shows)."""
    return message.message_id
