"""StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask (stock moto has none).

As the SQS API reference describes them, and as AWS answered in LocalStack's recorded,
AWS-validated tests (``tests/aws/services/sqs/test_sqs_move_task.snapshot.json``):

- Start moves the DLQ's messages, asynchronously, to ``DestinationArn`` or, when it is left
  out, each back to the queue it was dead-lettered from; at ``MaxNumberOfMessagesPerSecond``
  (1-500) when given, else as fast as it can. Only a queue that is some queue's DLQ can be a
  source, and only one task may be active per source. The answer is a ``TaskHandle``.
- List gives the most recent tasks of a source (``MaxResults`` 1-10, default 1): status
  (RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED), ``ApproximateNumberOfMessagesMoved``,
  ``ApproximateNumberOfMessagesToMove`` (the DLQ's count when the task started), the rate
  and destination when they were given, ``TaskHandle`` while running, ``FailureReason``.
- Cancel stops a RUNNING task (CANCELLING at once, CANCELLED once the message in hand is
  moved) and answers how many messages were moved; moved messages stay moved.
- Errors: an unknown source or destination ``ResourceNotFoundException``; a source that is
  no DLQ, a second active task, a rate outside 1-500, a malformed handle
  ``InvalidParameterValue``; a deleted queue mid-task fails it with FailureReason
  ``AWS.SimpleQueueService.NonExistentQueue``.

A moved message keeps its MessageId, body and attributes and starts afresh in its new queue
(receive count 0), as a redriven message must, or it would go straight back to the DLQ.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from queuelab.backend.behaviour import fifo, leases
from queuelab.backend.behaviour.locking import LOCK

MAX_RATE = 500
NON_EXISTENT = "AWS.SimpleQueueService.NonExistentQueue"
UNBOUNDED_CHUNK = 100  # messages moved per lock hold when no rate was given


def _exceptions() -> Any:
    from moto.sqs import exceptions

    return exceptions


def _not_found(what: str) -> Exception:
    error: Exception = _exceptions().SQSException(
        "ResourceNotFoundException",
        f"The resource that you specified for the {what} parameter doesn't exist.",
    )
    return error


def _invalid(message: str) -> Exception:
    error: Exception = _exceptions().InvalidParameterValue(message)
    return error


def queue_by_arn(arn: str, what: str) -> Any:
    from moto.sqs.models import sqs_backends

    parts = str(arn).split(":")
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sqs":
        raise _invalid(
            f"You must use this format to specify the {what}: "
            "arn:<partition>:<service>:<region>:<account-id>:<resource-id>"
        )
    _, _, _, region, account, name = parts
    try:
        queue = sqs_backends[account][region].queues.get(name)
    except KeyError:
        queue = None
    if queue is None or queue.queue_arn != arn:
        raise _not_found(what)
    return queue


@dataclass
class MoveTask:
    source_arn: str
    destination_arn: str | None
    rate: int | None
    to_move: int
    task_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started_ms: int = field(default_factory=lambda: int(time.time() * 1000))
    moved: int = 0
    status: str = "RUNNING"
    failure: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def handle(self) -> str:
        doc = json.dumps({"taskId": self.task_id, "sourceArn": self.source_arn})
        return base64.b64encode(doc.encode()).decode()

    def entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "SourceArn": self.source_arn,
            "Status": self.status,
            "StartedTimestamp": self.started_ms,
            "ApproximateNumberOfMessagesMoved": self.moved,
            "ApproximateNumberOfMessagesToMove": self.to_move,
        }
        if self.status == "RUNNING":
            entry["TaskHandle"] = self.handle
        if self.destination_arn:
            entry["DestinationArn"] = self.destination_arn
        if self.rate is not None:
            entry["MaxNumberOfMessagesPerSecond"] = self.rate
        if self.failure:
            entry["FailureReason"] = self.failure
        return entry


_tasks: dict[str, MoveTask] = {}


class _Failed(Exception):
    pass


def _move_one(task: MoveTask) -> bool:
    """Move the source's oldest visible message; False when none is left."""
    try:
        source = queue_by_arn(task.source_arn, "SourceArn")
    except Exception:
        raise _Failed(NON_EXISTENT) from None
    message = next(iter(source.messages), None)
    if message is None:
        return False
    target = task.destination_arn or getattr(message, "dead_letter_source_arn", None)
    if not target:
        raise _Failed("a message in the source was not dead-lettered from any queue")
    try:
        destination = queue_by_arn(target, "DestinationArn")
    except Exception:
        raise _Failed(NON_EXISTENT) from None
    if destination.fifo_queue and not message.group_id:
        raise _Failed("a message without a MessageGroupId cannot move to a FIFO queue")
    leases.remove(source, message)
    message.approximate_receive_count = 0
    message.approximate_first_receive_timestamp = None
    message._old_receipt_handles = []
    message.receipt_handle = None
    message.visible_at = message.delayed_until = 0.0
    message.dead_letter_source_arn = None
    if destination.fifo_queue:
        message.sequence_number = fifo.next_sequence_number()
    destination.add_message(message)
    task.moved += 1
    return True


def _run(task: MoveTask) -> None:
    interval = 1.0 / task.rate if task.rate else 0.0
    while True:
        with LOCK:
            try:
                for _ in range(1 if interval else UNBOUNDED_CHUNK):
                    if task.cancel.is_set():
                        task.status = "CANCELLED"
                        return
                    if task.moved >= task.to_move or not _move_one(task):
                        task.status = "COMPLETED"
                        return
            except _Failed as failure:
                task.status, task.failure = "FAILED", str(failure)
                return
        task.cancel.wait(interval or 0.001)


def start(source_arn: str, destination_arn: str | None, rate: int | None) -> MoveTask:
    from moto.sqs.models import sqs_backends

    source = queue_by_arn(source_arn, "SourceArn")
    backend = sqs_backends[source.account_id][source.region]
    if not any(q.dead_letter_queue is source for q in backend.queues.values()):
        raise _invalid("Source queue must be configured as a Dead Letter Queue.")
    if destination_arn:
        queue_by_arn(destination_arn, "DestinationArn")
    if rate is not None and not 1 <= int(rate) <= MAX_RATE:
        raise _invalid(
            f"Value {rate} for parameter MaxNumberOfMessagesPerSecond is invalid. "
            f"Reason: must be between 1 and {MAX_RATE}."
        )
    active = ("RUNNING", "CANCELLING")
    if any(t.source_arn == source_arn and t.status in active for t in _tasks.values()):
        raise _invalid(
            "There is already a task running. Only one active task is allowed for a source "
            "queue arn at a given time."
        )
    to_move = sum(1 for _ in source.messages)
    rate = None if rate is None else int(rate)
    task = MoveTask(source_arn, destination_arn or None, rate, to_move)
    _tasks[task.task_id] = task
    threading.Thread(target=_run, args=(task,), name="queuelab-move-task", daemon=True).start()
    return task


def listed(source_arn: str, max_results: int | None) -> list[dict[str, Any]]:
    queue_by_arn(source_arn, "SourceArn")
    count = 1 if max_results is None else int(max_results)
    if not 1 <= count <= 10:
        raise _invalid(
            f"Value {count} for parameter MaxResults is invalid. Reason: must be between 1 and 10."
        )
    mine = sorted(
        (t for t in _tasks.values() if t.source_arn == source_arn),
        key=lambda t: t.started_ms,
        reverse=True,
    )
    return [t.entry() for t in mine[:count]]


def cancel(handle: str) -> int:
    try:
        doc = json.loads(base64.b64decode(handle, validate=True))
        task_id, source_arn = doc["taskId"], doc["sourceArn"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise _invalid("Value for parameter TaskHandle is invalid.") from None
    queue_by_arn(source_arn, "SourceArn")
    task = _tasks.get(task_id)
    if task is None or task.source_arn != source_arn:
        raise _exceptions().SQSException("ResourceNotFoundException", "Task does not exist.")
    if task.status != "RUNNING":
        raise _invalid("Only a task that is in RUNNING status can be cancelled.")
    task.status = "CANCELLING"
    task.cancel.set()
    return task.moved


# The patches: SQSResponse's actions, which stock moto does not have (``queuelab.backend.patches``).


def start_message_move_task(_moto: None) -> Any:
    from moto.core.responses import ActionResult

    def start_message_move_task(self: Any) -> Any:
        task = start(
            self._get_param("SourceArn"),
            self._get_param("DestinationArn"),
            self._get_param("MaxNumberOfMessagesPerSecond"),
        )
        return ActionResult({"TaskHandle": task.handle})

    return start_message_move_task


def list_message_move_tasks(_moto: None) -> Any:
    from moto.core.responses import ActionResult

    def list_message_move_tasks(self: Any) -> Any:
        results = listed(self._get_param("SourceArn"), self._get_param("MaxResults"))
        return ActionResult({"Results": results})

    return list_message_move_tasks


def cancel_message_move_task(_moto: None) -> Any:
    from moto.core.responses import ActionResult

    def cancel_message_move_task(self: Any) -> Any:
        moved = cancel(self._get_param("TaskHandle"))
        return ActionResult({"ApproximateNumberOfMessagesMoved": moved})

    return cancel_message_move_task
