"""Send events to SQS, recording each as the producer does (invoke, then ok / fail / info per
message, keyed by the event's key), so the checker and the witness can hold them to account."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from queuelab.contract.history import Fn, History
from queuelab.contract.messages import KEY_ATTRIBUTE, RUN_ATTRIBUTE, subject_of

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger("pipeline")


@dataclass(frozen=True)
class Event:
    key: str  # the message's queuelab-id: the same on every resend
    payload: dict[str, Any]

    @property
    def subject(self) -> str:
        return subject_of(self.payload, self.key)


class Sender:
    def __init__(self, sqs: SQSClient, queue_url: str, history: History, run_id: str) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.history = history
        self.run_id = run_id

    def send(self, events: list[Event]) -> list[Event]:
        """Send up to ten events in one batch; the ones SQS confirmed."""
        for event in events:
            self.history.invoke(Fn.SEND, event.key, subject=event.subject, payload=event.payload)
        entries = [
            {"Id": str(i), "MessageBody": json.dumps(e.payload), "MessageAttributes": self._tags(e)}
            for i, e in enumerate(events)
        ]
        try:
            response = self.sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries)  # type: ignore[arg-type]
        except ClientError as err:  # refused: nothing sent
            log.error("send refused: %s", err)
            for event in events:
                self.history.fail(Fn.SEND, event.key, error=str(err))
            return []
        except BotoCoreError as err:  # no answer: sent or not, nobody knows
            log.error("send outcome unknown: %s", err)
            for event in events:
                self.history.info(Fn.SEND, event.key, error=str(err))
            return []
        ids = {int(s["Id"]): s["MessageId"] for s in response.get("Successful", [])}
        sent = []
        for i, event in enumerate(events):
            if i in ids:
                self.history.ok(Fn.SEND, event.key, message_id=ids[i])
                sent.append(event)
            else:
                self.history.fail(Fn.SEND, event.key, error="not in the batch's successes")
        return sent

    def _tags(self, event: Event) -> dict[str, Any]:
        """The attributes that name a message whatever its body: its key, and its run."""
        names = {KEY_ATTRIBUTE: event.key} | ({RUN_ATTRIBUTE: self.run_id} if self.run_id else {})
        return {k: {"DataType": "String", "StringValue": v} for k, v in names.items()}
