"""CreateQueue and SetQueueAttributes: the queue's name and type as SQS checks them.

- Names (CreateQueue API, QueueName): up to 80 characters, alphanumeric, hyphens and
  underscores; a FIFO queue's name ends with ``.fifo`` (the suffix counts). A standard
  queue named ``x.fifo`` (no ``FifoQueue=true``) is refused with ``InvalidParameterValue``,
  "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length";
  ``FifoQueue=true`` without the suffix with "The name of a FIFO queue can only include
  alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80
  in length." (AWS's answers: LocalStack's AWS-validated test_standard_queue_cannot_have_fifo_
  suffix and test_fifo_queue_requires_suffix record the code; the messages are AWS's as its
  users quote them.) moto creates the first as a standard queue.
- FIFO-only attributes on a standard queue (CreateQueue, SetQueueAttributes):
  ``InvalidAttributeName``, "Unknown Attribute FifoQueue." (even ``FifoQueue=false``),
  "Unknown Attribute ContentBasedDeduplication.", "You can specify the DeduplicationScope
  only when FifoQueue is set to true." (FifoThroughputLimit likewise); on a FIFO queue
  ``FifoQueue=false`` is ``InvalidAttributeValue``, "Invalid value for the parameter
  FifoQueue. Reason: Modifying queue type is not supported." (recorded by LocalStack's
  test_create_standard_queue_with_fifo_attribute_raises_error and
  test_set_unsupported_attribute_standard / _fifo). moto accepts them all, and
  ``FifoQueue=false`` turns a FIFO queue into a standard one.
- KMS and SQS-managed encryption together: ``InvalidAttributeName``, "You can use one type of
  server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE."
  (test_sse_kms_and_sqs_are_mutually_exclusive).
- An existing name with other attribute values: ``QueueAlreadyExists``, "A queue already
  exists with the same name and a different value for attribute <name>" (moto: "The
  specified queue already exists.").
"""

from __future__ import annotations

import re
from typing import Any

STANDARD_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
FIFO_NAME = re.compile(r"[A-Za-z0-9_-]{1,75}\.fifo")
BAD_NAME = "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
BAD_FIFO_NAME = (
    "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
    "underscores, must end with .fifo suffix and be 1 to 80 in length."
)
FIFO_ONLY = {
    "FifoQueue": "Unknown Attribute FifoQueue.",
    "ContentBasedDeduplication": "Unknown Attribute ContentBasedDeduplication.",
    "DeduplicationScope": "You can specify the DeduplicationScope only when FifoQueue is set "
    "to true.",
    "FifoThroughputLimit": "You can specify the FifoThroughputLimit only when FifoQueue is "
    "set to true.",
}
ONE_SSE = (
    "You can use one type of server-side encryption (SSE) at one time. You can either enable "
    "KMS SSE or SQS SSE."
)


def _exceptions() -> Any:
    from moto.sqs import exceptions

    return exceptions


def _true(value: Any) -> bool:
    return str(value).lower() == "true"


def _check_type(fifo: bool, attributes: dict[str, Any]) -> None:
    exceptions = _exceptions()
    if not fifo:
        for name, refusal in FIFO_ONLY.items():
            if name in attributes:
                raise exceptions.SQSException("InvalidAttributeName", refusal)
    elif "FifoQueue" in attributes and not _true(attributes["FifoQueue"]):
        raise exceptions.SQSException(
            "InvalidAttributeValue",
            "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not "
            "supported.",
        )
    if attributes.get("KmsMasterKeyId") and _true(attributes.get("SqsManagedSseEnabled")):
        raise exceptions.SQSException("InvalidAttributeName", ONE_SSE)


def check_create(name: str, attributes: dict[str, Any]) -> None:
    fifo = _true(attributes.get("FifoQueue"))
    _check_type(fifo, attributes)
    if not (FIFO_NAME if fifo else STANDARD_NAME).fullmatch(name or ""):
        raise _exceptions().InvalidParameterValue(BAD_FIFO_NAME if fifo else BAD_NAME)


def _differing(queue: Any, attributes: dict[str, Any]) -> str:
    """The first attribute a re-create asks another value of, or ""."""
    from moto.sqs import models

    queue_class: Any = models.Queue
    asked = queue_class(queue.name, region=queue.region, account_id=queue.account_id, **attributes)
    have, want = queue.attributes, asked.attributes
    return next((key for key in attributes if have.get(key) != want.get(key)), "")


# The patches: each takes moto's attribute and returns ours (``queuelab.backend.patches``).


def create_queue(original: Any) -> Any:
    def create_queue(
        self: Any, name: str, tags: dict[str, str] | None = None, **kwargs: Any
    ) -> Any:
        check_create(name, kwargs)
        existing = self.queues.get(name)
        if existing is not None:
            attributes = {k: v for k, v in kwargs.items() if k != "region"}
            differing = _differing(existing, attributes)
            if differing:
                raise _exceptions().QueueAlreadyExists(
                    "A queue already exists with the same name and a different value for "
                    f"attribute {differing}"
                )
        return original(self, name, tags, **kwargs)

    return create_queue


def set_queue_attributes(original: Any) -> Any:
    def set_queue_attributes(self: Any, queue_name: str, attributes: dict[str, Any]) -> Any:
        _check_type(self.get_queue(queue_name).fifo_queue, attributes)
        return original(self, queue_name, attributes)

    return set_queue_attributes
