"""The lab's DLQ watcher: most systems let messages dead-letter in silence. This one reads
the DLQ's depth every ``interval`` seconds; when messages have landed it peeks at them
(a receive with visibility 0: they stay visible), and raises an alert per message: a line in
the journal, an ``alert`` in its own history (``dlq-watcher``) with the message's key,
MessageId and the last error a process recorded for it, and the run's ``dlq_alerts`` metric.

What it costs on AWS: one GetQueueAttributes per interval, and a receive when the count
says something landed (which adds to the DLQ copy's receive count, harmless: a DLQ has no
redrive policy of its own). In production this is a CloudWatch alarm on the DLQ's
``ApproximateNumberOfMessagesVisible``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from queuelab.contract.history import OK, Fn, History, Op
from queuelab.contract.messages import KEY_ATTRIBUTE

if TYPE_CHECKING:
    from types import TracebackType

    from queuelab.run.lab import Lab

PROCESS = "dlq-watcher"
ERRORS = (Fn.REJECT, Fn.LEAVE)  # what a process records when it gives a message back
NO_ERROR = "no error recorded"


def last_error(history: list[Op], key: str) -> str:
    """The reason the last reject (or leave) of ``key`` gave, else that none was recorded."""
    for op in reversed(history):
        if op.key == key and op.f in ERRORS and op.type == OK:
            return str(op.value.get("reason", ""))
    return NO_ERROR


class DlqWatcher:
    def __init__(self, lab: Lab, interval: float = 0.25) -> None:
        self.lab = lab
        self.interval = interval
        self.history = History(lab.run_dir / "history" / f"{PROCESS}.jsonl", PROCESS)
        self.alerted: set[str] = set()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, name=PROCESS, daemon=True)

    def _peek(self) -> list[dict[str, Any]]:
        messages = self.lab.sqs.receive_message(  # boto3 clients are thread-safe
            QueueUrl=self.lab.resources.dlq_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=0,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        ).get("Messages", [])
        return [dict(m) for m in messages]

    def look(self) -> None:
        """One look at the DLQ: alert on every message not alerted on yet."""
        if self.lab.depth(self.lab.resources.dlq_url).visible <= len(self.alerted):
            return
        history = self.lab.history()
        for message in self._peek():
            attributes = message.get("MessageAttributes", {})
            key = attributes.get(KEY_ATTRIBUTE, {}).get("StringValue") or message["MessageId"]
            if key in self.alerted:
                continue
            self.alerted.add(key)
            error = last_error(history, key)
            self.history.ok(Fn.ALERT, key, message_id=message["MessageId"], error=error)
            self.lab.metric("dlq_alerts", len(self.alerted))
            self.lab.note(
                f"ALERT: a message dead-lettered: {key} (MessageId {message['MessageId']}); "
                f"last error: {error}"
            )

    def _watch(self) -> None:
        while not self.stopping.wait(self.interval):
            try:
                self.look()
            except (ClientError, BotoCoreError) as err:  # the watch goes on
                self.lab.note(f"the DLQ watcher could not look: {err}")

    def __enter__(self) -> DlqWatcher:
        self.lab.metric("dlq_alerts", 0)
        self.thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        try:
            self.look()  # a last look: what landed since
        except (ClientError, BotoCoreError) as err:
            self.lab.note(f"the DLQ watcher could not look: {err}")
        self.history.close()
