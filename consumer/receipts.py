"""What the consumer does with a receipt handle: delete the message (one, or ten a call),
change its visibility. A call or batch entry that SQS refuses because the handle is no
longer valid (a FIFO queue refuses a handle whose visibility timeout expired) means the
lease was lost: the message will come back, so it is not done, whatever the work did.
Visibility changes: a failed message's retry, the heartbeat's extension, a release.
Every call is recorded in the history, its invoke before it is made."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from consumer.backoff import RetryPolicy
from consumer.message import Received
from queuelab.contract.history import Fn, History

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger("consumer")


def lease_lost(err: Exception) -> bool:
    """SQS refused the receipt handle: it expired or was replaced by a later receive."""
    if not isinstance(err, ClientError):
        return False
    error = err.response.get("Error", {})
    return handle_refused(str(error.get("Code", "")), str(error.get("Message", "")))


def handle_refused(code: str, message: str) -> bool:
    """An error code (a call's or a batch entry's) saying the receipt handle is invalid."""
    return code in ("ReceiptHandleIsInvalid", "MessageNotInflight") or (
        code == "InvalidParameterValue" and "ReceiptHandle" in message
    )


class Receipts:
    def __init__(self, sqs: SQSClient, queue_url: str, history: History) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.history = history

    def change_visibility(self, message: Received, seconds: int, fn: Fn) -> bool:
        """ChangeMessageVisibility, its invoke already recorded; False when refused (the
        receipt handle is no longer valid: the lease is lost)."""
        try:
            self.sqs.change_message_visibility(
                QueueUrl=self.queue_url,
                ReceiptHandle=message.receipt_handle,
                VisibilityTimeout=seconds,
            )
        except (ClientError, BotoCoreError) as err:
            log.warning("%s of %s refused: %s", fn.value, message.key, err)
            lost = lease_lost(err)
            self.history.fail(
                fn, message.key, message_id=message.message_id, error=str(err), lease_lost=lost
            )
            return False
        self.history.ok(fn, message.key, message_id=message.message_id)
        return True

    def delete(self, message: Received) -> bool:
        """True once SQS confirmed; False when it refused (a lost lease: the message comes
        back) or the call failed."""
        self.history.invoke(Fn.DELETE, message.key, message_id=message.message_id)
        try:
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message.receipt_handle)
        except (ClientError, BotoCoreError) as err:
            lost = lease_lost(err)
            why = "the lease was lost, it will come back" if lost else "it may come back"
            log.warning("delete of %s refused (%s): %s", message.key, why, err)
            self.history.fail(Fn.DELETE, message.key, error=str(err), lease_lost=lost)
            return False
        self.history.ok(Fn.DELETE, message.key, message_id=message.message_id)
        return True

    def delete_many(self, messages: list[Received]) -> list[tuple[Received, bool]]:
        """DeleteMessageBatch (ten entries a call): each message with whether SQS confirmed
        its delete. A refused entry is recorded like a refused delete."""
        answers: list[tuple[Received, bool]] = []
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            for message in chunk:
                self.history.invoke(Fn.DELETE, message.key, message_id=message.message_id)
            try:
                response = self.sqs.delete_message_batch(
                    QueueUrl=self.queue_url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m.receipt_handle}
                        for i, m in enumerate(chunk)
                    ],
                )
            except (ClientError, BotoCoreError) as err:
                log.warning(
                    "delete of %d messages failed (they may come back): %s", len(chunk), err
                )
                for message in chunk:
                    self.history.fail(Fn.DELETE, message.key, error=str(err), lease_lost=False)
                answers += [(message, False) for message in chunk]
                continue
            refused = {entry["Id"]: entry for entry in response.get("Failed", [])}
            for i, message in enumerate(chunk):
                entry = refused.get(str(i))
                if entry is None:
                    self.history.ok(Fn.DELETE, message.key, message_id=message.message_id)
                    answers.append((message, True))
                    continue
                code, text = entry.get("Code", ""), entry.get("Message", "")
                lost = handle_refused(code, text)
                log.warning("delete of %s refused: %s %s", message.key, code, text)
                self.history.fail(Fn.DELETE, message.key, error=f"{code}: {text}", lease_lost=lost)
                answers.append((message, False))
        return answers

    def retry_later(self, message: Received, policy: RetryPolicy) -> None:
        """Set when the failed message comes back, as the retry policy says."""
        delay = policy.delay(message)
        if delay is None:
            return  # after its visibility timeout
        ceiling = round(policy.ceiling(message), 3)
        self.history.invoke(
            Fn.RETRY,
            message.key,
            message_id=message.message_id,
            receive_count=message.receive_count,
            delay=delay,
            ceiling=ceiling,
        )
        log.info("%s: retry in %d s (receive %d)", message.key, delay, message.receive_count)
        self.change_visibility(message, delay, Fn.RETRY)

    def extend(self, message: Received, seconds: int) -> bool:
        """The heartbeat's call: the message stays ours for ``seconds`` from now."""
        self.history.invoke(
            Fn.HEARTBEAT, message.key, message_id=message.message_id, visibility=seconds
        )
        return self.change_visibility(message, seconds, Fn.HEARTBEAT)

    def release(self, messages: list[Received], reason: str = "stopping") -> None:
        """Make messages we will not handle visible again at once (graceful stop, or a
        group that failed earlier in the batch)."""
        for message in messages:
            # Recorded before the call: another consumer may receive the message before
            # this one gets the answer back.
            self.history.invoke(
                Fn.RELEASE, message.key, message_id=message.message_id, reason=reason
            )
            self.change_visibility(message, 0, Fn.RELEASE)
