"""Delete and ChangeMessageVisibility by receipt handle: O(1) through the handle index, and on
FIFO queues a handle whose lease is over is refused, as SQS does.

AWS (ReceiveMessage, ``ReceiveRequestAttemptId``: "if a consumer whose message processing
time is longer than the visibility timeout tries to delete the processed messages, the action
fails with an error"): on a FIFO queue a receipt handle stops working once the message's
visibility timeout has expired (or the message was received again). The refusal is
``InvalidParameterValue``, "Value <handle> for parameter ReceiptHandle is invalid. Reason:
The receipt handle has expired."; in a batch, a ``Failed`` entry ``ReceiptHandleIsInvalid``,
"The receipt handle has expired". Standard queues keep accepting stale handles (AWS does too
while the message has not been received again; moto even after, a documented difference).

A handle that is not one (moto's are 185 lower-case letters) is refused with
``ReceiptHandleIsInvalid``, 'The input receipt handle "<handle>" is not a valid receipt
handle.'; a well-formed handle whose message is gone (deleted, purged, moved) deletes
nothing and succeeds, and a ChangeMessageVisibility with it is refused with
``InvalidParameterValue``, "Value <handle> for parameter ReceiptHandle is invalid. Reason:
Message does not exist or is not available for visibility timeout change." (AWS's answers,
recorded by LocalStack's AWS-validated tests test_delete_message_with_illegal_receipt_handle,
test_delete_message_with_deleted_receipt_handle and
test_change_visibility_on_deleted_message_raises_invalid_parameter_value).
"""

from __future__ import annotations

import re
from typing import Any

from queuelab.backend.behaviour.locking import notify
from queuelab.backend.speed import store

MAX_VISIBILITY_SECONDS = 43200
EXPIRED = "The receipt handle has expired"
GONE = "Message does not exist or is not available for visibility timeout change"
# What moto's handles look like (moto.sqs.utils.generate_receipt_handle).
_HANDLE = re.compile(r"[a-z]{185}")


def _exceptions() -> Any:
    from moto.sqs import exceptions

    return exceptions


def expired_error(receipt_handle: str) -> Exception:
    error: Exception = _exceptions().InvalidParameterValue(
        f"Value {receipt_handle} for parameter ReceiptHandle is invalid. Reason: {EXPIRED}."
    )
    error.queuelab_expired = True  # type: ignore[attr-defined]
    return error


def malformed_error(receipt_handle: str) -> Exception:
    error: Exception = _exceptions().SQSException(
        "ReceiptHandleIsInvalid",
        f'The input receipt handle "{receipt_handle}" is not a valid receipt handle.',
    )
    return error


def gone_error(receipt_handle: str) -> Exception:
    error: Exception = _exceptions().InvalidParameterValue(
        f"Value {receipt_handle} for parameter ReceiptHandle is invalid. Reason: {GONE}."
    )
    return error


class Gone(Exception):
    """A well-formed receipt handle whose message is no longer in the queue."""


def held(queue: Any, receipt_handle: str) -> Any:
    """The message this handle may still act on; raises as SQS does when it may not
    (``Gone`` for a well-formed handle whose message left the queue)."""
    if not _HANDLE.fullmatch(receipt_handle or ""):
        raise malformed_error(receipt_handle)
    message = store.find(queue, receipt_handle)
    if message is None:
        raise Gone(receipt_handle)
    if queue.fifo_queue and (receipt_handle != message.receipt_handle or message.visible):
        raise expired_error(receipt_handle)
    return message


def remove(queue: Any, message: Any) -> None:
    """Take a message out of its queue for good (deleted, moved or purged)."""
    queue._messages.remove(message)
    queue.pending_messages.discard(message)
    store.forget(message)
    notify()


def _failed(entry_id: str, err: Exception) -> dict[str, Any]:
    if isinstance(err, Gone):
        err = gone_error(str(err))
    if getattr(err, "queuelab_expired", False):
        code, message = "ReceiptHandleIsInvalid", EXPIRED
    else:
        code, message = getattr(err, "code", "InvalidParameterValue"), getattr(err, "message", "")
    return {"Id": entry_id, "SenderFault": True, "Code": code, "Message": message}


def _refusals() -> tuple[type[Exception], ...]:
    exceptions = _exceptions()
    return (exceptions.SQSException, Gone)


def _delete(queue: Any, receipt_handle: str) -> None:
    if receipt_handle in queue.deleted_messages:
        return  # already deleted: moto answers success again
    try:
        message = held(queue, receipt_handle)
    except Gone:
        return  # deleted before, purged or moved: nothing to delete, as SQS answers
    queue.deleted_messages.update(message.all_receipt_handles)
    remove(queue, message)


def _change_visibility(
    backend: Any, queue_name: str, receipt_handle: str, visibility_timeout: int
) -> None:
    queue = backend.get_queue(queue_name)
    try:
        message = held(queue, receipt_handle)
    except Gone:
        raise gone_error(receipt_handle) from None
    limit_ms = MAX_VISIBILITY_SECONDS * 1000
    if store.now_ms() + int(visibility_timeout) * 1000 - message.sent_timestamp > limit_ms:
        raise _exceptions().InvalidParameterValue(
            f"Value {visibility_timeout} for parameter VisibilityTimeout is invalid. "
            "Reason: Total VisibilityTimeout for the message is beyond the limit "
            f"[{MAX_VISIBILITY_SECONDS} seconds]"
        )
    message.change_visibility(visibility_timeout)
    if message.visible:
        queue.pending_messages.discard(message)
        notify()


def _delete_batch(
    backend: Any, queue_name: str, receipts: list[dict[str, Any]]
) -> tuple[list[str], list[dict[str, Any]]]:
    queue = backend.get_queue(queue_name)
    refusals = _refusals()
    success, failed = [], []
    for entry in receipts:
        try:
            queue.delete_message(entry["ReceiptHandle"])
            success.append(entry["Id"])
        except refusals as err:
            failed.append(_failed(entry["Id"], err))
    return success, failed


def _change_visibility_batch(
    backend: Any, queue_name: str, entries: list[dict[str, Any]]
) -> tuple[list[str], list[dict[str, Any]]]:
    refusals = _refusals()
    success, failed = [], []
    for entry in entries:
        try:
            timeout = int(entry["VisibilityTimeout"])
            if not 0 <= timeout <= MAX_VISIBILITY_SECONDS:
                raise ValueError
        except (KeyError, TypeError, ValueError):
            failed.append(
                {
                    "Id": entry["Id"],
                    "SenderFault": True,
                    "Code": "InvalidParameterValue",
                    "Message": "Visibility timeout invalid",
                }
            )
            continue
        try:
            _change_visibility(backend, queue_name, entry["ReceiptHandle"], timeout)
            success.append(entry["Id"])
        except refusals as err:
            failed.append(_failed(entry["Id"], err))
    return success, failed


# The patches: each takes moto's attribute and returns ours (``queuelab.backend.patches``).


def delete_message(_moto: Any) -> Any:
    return _delete


def change_message_visibility(_moto: Any) -> Any:
    return _change_visibility


def delete_message_batch(_moto: Any) -> Any:
    return _delete_batch


def change_message_visibility_batch(_moto: Any) -> Any:
    return _change_visibility_batch
