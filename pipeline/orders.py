"""An order service that must publish an ``order-created`` event for every order it writes.

Two ways to write (``wiring`` picks one):

- ``TransactionalOutbox``: the order row and an outbox item in one DynamoDB transaction, so
  both exist or neither does; a relay (``pipeline/relay.py``) publishes the outbox later;
- ``DualWrite``: the row, then the send: two systems and no transaction between them, so a
  crash (or a failed send) after the row loses the event. The negative control.
"""

from __future__ import annotations

import json
import logging
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.chaos import Hooks
from pipeline.sender import Event, Sender
from pipeline.shutdown import Shutdown
from queuelab.contract.history import Fn, History
from queuelab.contract.tables import OUTBOX_PENDING, TABLE_KEYS

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

log = logging.getLogger("pipeline")


def order_event(run_id: str, number: int) -> Event:
    order_id = f"order-{run_id}-{number}"
    payload = {"id": f"{order_id}-created", "order_id": order_id, "amount": 10 + number}
    return Event(str(payload["id"]), payload)


def order_row(event: Event) -> dict[str, AttributeValueTypeDef]:
    return {
        TABLE_KEYS["orders"]: {"S": event.subject},
        "amount": {"N": str(event.payload["amount"])},
        "created_at": {"N": f"{time.time():.3f}"},
    }


class OrderWriter(ABC):
    """How an order and its event are written, then published."""

    @abstractmethod
    def write(self, event: Event) -> None:
        """Write the order (and, with an outbox, its event in the same transaction)."""

    @abstractmethod
    def publish(self, event: Event) -> None:
        """Once the order is written: send its event, or leave that to the relay."""


@dataclass
class TransactionalOutbox(OrderWriter):
    ddb: DynamoDBClient
    orders_table: str
    outbox_table: str

    def write(self, event: Event) -> None:
        outbox_item: dict[str, AttributeValueTypeDef] = {
            TABLE_KEYS["outbox"]: {"S": event.key},
            "status": {"S": OUTBOX_PENDING},
            "payload": {"S": json.dumps(event.payload)},
            "created_at": {"N": f"{time.time():.3f}"},
        }
        self.ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": self.orders_table, "Item": order_row(event)}},
                {"Put": {"TableName": self.outbox_table, "Item": outbox_item}},
            ]
        )

    def publish(self, event: Event) -> None:
        """Nothing to do: the relay publishes what the outbox holds."""


@dataclass
class DualWrite(OrderWriter):
    ddb: DynamoDBClient
    orders_table: str
    sender: Sender

    def write(self, event: Event) -> None:
        self.ddb.put_item(TableName=self.orders_table, Item=order_row(event))

    def publish(self, event: Event) -> None:
        self.sender.send([event])


class OrderService:
    def __init__(
        self,
        writer: OrderWriter,
        history: History,
        shutdown: Shutdown,
        hooks: Hooks | None = None,
    ) -> None:
        self.writer = writer
        self.history = history
        self.shutdown = shutdown
        self.hooks = hooks or Hooks()

    def place(self, event: Event) -> None:
        """Write one order; once written, its event is committed: it must reach the queue."""
        self.history.invoke(Fn.COMMIT, event.key, subject=event.subject)
        self.writer.write(event)
        self.history.ok(Fn.COMMIT, event.key, subject=event.subject)
        self.hooks.after_commit(event.key)
        self.writer.publish(event)

    def run(self, events: list[Event]) -> int:
        placed = 0
        for event in events:
            if not self.shutdown.running:
                break
            self.place(event)
            placed += 1
        log.info("placed %d orders", placed)
        return self.shutdown.exit(placed=placed)
