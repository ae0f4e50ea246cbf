"""A received message, and what a valid one asks for."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from queuelab.contract.messages import ID_FIELD, KEY_ATTRIBUTE, RUN_ATTRIBUTE

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import MessageTypeDef

# System attributes the worker asks for on every receive.
SYSTEM_ATTRIBUTES = ["ApproximateReceiveCount", "MessageGroupId", "SentTimestamp"]


class Reject(Exception):
    """The message cannot be processed: it is not deleted, so it comes back after its
    visibility timeout and the redrive policy takes it to the DLQ after maxReceiveCount."""


class Unavailable(Exception):
    """A dependency failed (an outage, a timeout): the message is not deleted and is
    retried later, as the retry policy says (``consumer/backoff.py``)."""


@dataclass(frozen=True)
class Received:
    message_id: str
    receipt_handle: str
    body: str
    key: str  # the producer's tracking id (queuelab-id attribute), else the MessageId
    receive_count: int
    group: str | None = None
    run: str = ""  # the run that sent it (queuelab-run attribute), if any
    sent_at: float = 0.0  # SentTimestamp, epoch seconds
    received_at: float = 0.0  # epoch seconds the receive was asked for: the lease began later

    @classmethod
    def from_sqs(cls, message: MessageTypeDef, received_at: float = 0.0) -> Received:
        attributes: dict[str, Any] = dict(message.get("MessageAttributes", {}))
        system = message.get("Attributes", {})
        return cls(
            message_id=message["MessageId"],
            receipt_handle=message["ReceiptHandle"],
            body=message.get("Body", ""),
            key=attributes.get(KEY_ATTRIBUTE, {}).get("StringValue") or message["MessageId"],
            receive_count=int(system.get("ApproximateReceiveCount", "0")),
            group=system.get("MessageGroupId"),
            run=attributes.get(RUN_ATTRIBUTE, {}).get("StringValue", ""),
            sent_at=int(system.get("SentTimestamp", "0")) / 1000,
            received_at=received_at,
        )

    def summary(self) -> dict[str, Any]:
        """How the history records it."""
        return {
            "key": self.key,
            "message_id": self.message_id,
            "receive_count": self.receive_count,
            "run": self.run,
            "sent_at": self.sent_at,
        }


@dataclass(frozen=True)
class Work:
    """What a valid message asks for."""

    payload: dict[str, Any]
    dedupe_key: str  # what the claim and check-before-doing are keyed on
    subject: str  # what the side effect acts on: the order if the payload names one


def parse_payload(body: str) -> dict[str, Any]:
    """The payload of a usable body; raises ``Reject`` saying why a body is unusable."""
    try:
        payload = json.loads(body)
    except ValueError:
        raise Reject("body is not JSON") from None
    if not isinstance(payload, dict):
        raise Reject("body is not a JSON object")
    if not payload.get(ID_FIELD):
        raise Reject("payload lacks an id")
    return payload
