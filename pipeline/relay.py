"""The outbox relay: send what the outbox holds as pending, then mark it sent.

The send and the mark are two steps, so a relay that dies between them sends that item again
when it (or another relay) restarts: at-least-once, like SQS itself, and the consumer's
deduplication absorbs it. Marking first would be at-most-once: a crash loses the event.
A scan is the simplest way to find pending items; at scale a DynamoDB stream or an index
on ``status`` does it.
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from pipeline.chaos import Hooks
from pipeline.sender import Event, Sender
from pipeline.shutdown import Shutdown
from queuelab.contract.history import Fn, History
from queuelab.contract.tables import OUTBOX_PENDING, OUTBOX_SENT, TABLE_KEYS

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

log = logging.getLogger("pipeline")
KEY = TABLE_KEYS["outbox"]


class Relay:
    def __init__(
        self,
        ddb: DynamoDBClient,
        outbox_table: str,
        sender: Sender,
        history: History,
        shutdown: Shutdown,
        *,
        poll_interval: float = 0.2,
        hooks: Hooks | None = None,
    ) -> None:
        self.ddb = ddb
        self.table = outbox_table
        self.sender = sender
        self.history = history
        self.shutdown = shutdown
        self.poll_interval = poll_interval
        self.hooks = hooks or Hooks()
        self.relayed = 0

    def pending(self) -> list[Event]:
        events = []
        pages = self.ddb.get_paginator("scan").paginate(
            TableName=self.table,
            ConsistentRead=True,
            FilterExpression="#status = :pending",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":pending": {"S": OUTBOX_PENDING}},
        )
        for page in pages:
            for item in page.get("Items", []):
                payload: dict[str, Any] = json.loads(item["payload"]["S"])
                events.append(Event(item[KEY]["S"], payload))
        return sorted(events, key=lambda e: e.key)

    def mark_sent(self, event: Event) -> None:
        self.history.invoke(Fn.MARK, event.key)
        self.ddb.update_item(
            TableName=self.table,
            Key={KEY: {"S": event.key}},
            UpdateExpression="SET #status = :sent, sent_at = :now",
            ConditionExpression="#status = :pending",  # two relays: the second mark is a no-op
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":sent": {"S": OUTBOX_SENT},
                ":pending": {"S": OUTBOX_PENDING},
                ":now": {"N": f"{time.time():.3f}"},
            },
        )
        self.history.ok(Fn.MARK, event.key)

    def relay(self, event: Event) -> None:
        if not self.sender.send([event]):
            return  # still pending: the next scan tries again
        self.hooks.after_send([event.key])
        self.relayed += 1
        try:
            self.mark_sent(event)
        except self.ddb.exceptions.ConditionalCheckFailedException:
            self.history.fail(Fn.MARK, event.key, error="marked sent already")
        except (ClientError, BotoCoreError) as err:  # still pending: it will be sent again
            self.history.fail(Fn.MARK, event.key, error=str(err))

    def run(self) -> int:
        log.info("relaying %s", self.table)
        while self.shutdown.running:
            try:
                events = self.pending()
                for event in events:
                    if not self.shutdown.running:
                        break
                    self.relay(event)
            except (ClientError, BotoCoreError) as err:  # what botocore's retries left
                log.error("relaying failed, trying again: %s", err)
                events = []
            if not events:
                self.shutdown.sleep(self.poll_interval)
        return self.shutdown.exit(relayed=self.relayed)
