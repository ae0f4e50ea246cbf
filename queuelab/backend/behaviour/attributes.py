"""Queue attributes as SQS validates them, and ``RedriveAllowPolicy`` stored, returned and
enforced (stock moto accepts it on write and forgets it).

- Ranges (SetQueueAttributes API): ``DelaySeconds`` 0-900, ``MessageRetentionPeriod``
  60-1,209,600, ``ReceiveMessageWaitTimeSeconds`` 0-20, ``VisibilityTimeout`` 0-43,200;
  ``InvalidAttributeValue`` otherwise. ``RedrivePolicy.maxReceiveCount`` 1-1,000.
  ``DeduplicationScope`` is ``messageGroup`` or ``queue``; ``FifoThroughputLimit`` is
  ``perQueue`` or ``perMessageGroupId``.
- ``RedriveAllowPolicy`` (SetQueueAttributes API; "Configuring a dead-letter queue redrive
  allow policy"): ``redrivePermission`` ``allowAll`` (default), ``denyAll`` or ``byQueue``
  with 1-10 ``sourceQueueArns`` (and only then). A queue whose ``RedrivePolicy`` names a
  dead-letter queue that does not allow it as a source is refused.
"""

from __future__ import annotations

import json
from typing import Any

RANGES = {
    "DelaySeconds": (0, 900),
    "MessageRetentionPeriod": (60, 1_209_600),
    "ReceiveMessageWaitTimeSeconds": (0, 20),
    "VisibilityTimeout": (0, 43_200),
}
CHOICES = {
    "DeduplicationScope": ("messageGroup", "queue"),
    "FifoThroughputLimit": ("perQueue", "perMessageGroupId"),
}
PERMISSIONS = ("allowAll", "denyAll", "byQueue")
MAX_SOURCE_QUEUES = 10


def _exceptions() -> Any:
    from moto.sqs import exceptions

    return exceptions


def _invalid(name: str, reason: str = "") -> Exception:
    exceptions = _exceptions()
    if not reason:
        error: Exception = exceptions.InvalidAttributeValue(name)
        return error
    error = exceptions.SQSException(
        "InvalidAttributeValue", f"Invalid value for the parameter {name}. Reason: {reason}"
    )
    return error


def allow_policy(raw: Any) -> dict[str, Any] | None:
    """The parsed RedriveAllowPolicy, or None for "" (none: allowAll)."""
    if raw in (None, ""):
        return None
    try:
        policy = json.loads(raw) if isinstance(raw, str) else dict(raw)
    except (TypeError, ValueError):
        raise _invalid("RedriveAllowPolicy", "not valid JSON") from None
    permission = policy.get("redrivePermission")
    sources = policy.get("sourceQueueArns")
    if permission not in PERMISSIONS:
        raise _invalid("RedriveAllowPolicy", f"redrivePermission must be one of {PERMISSIONS}")
    if permission == "byQueue":
        if not isinstance(sources, list) or not 1 <= len(sources) <= MAX_SOURCE_QUEUES:
            raise _invalid(
                "RedriveAllowPolicy",
                f"byQueue needs sourceQueueArns, 1 to {MAX_SOURCE_QUEUES} queue ARNs",
            )
    elif sources is not None:
        raise _invalid("RedriveAllowPolicy", "sourceQueueArns is only valid with byQueue")
    return policy


def admits(dlq: Any, source_arn: str) -> bool:
    policy = allow_policy(getattr(dlq, "redrive_allow_policy", None))
    if policy is None or policy["redrivePermission"] == "allowAll":
        return True
    return policy["redrivePermission"] == "byQueue" and source_arn in policy["sourceQueueArns"]


def _check(queue: Any, attributes: dict[str, Any]) -> None:
    for name, (low, high) in RANGES.items():
        if name in attributes:
            try:
                value = int(attributes[name])
            except (TypeError, ValueError):
                raise _invalid(name) from None
            if not low <= value <= high:
                raise _invalid(name)
    for name, choices in CHOICES.items():
        if name in attributes and attributes[name] not in choices:
            raise _invalid(name)
    allow_policy(attributes.get("RedriveAllowPolicy"))
    raw = attributes.get("RedrivePolicy")
    if raw in (None, "", "{}", {}):
        return
    policy = json.loads(raw) if isinstance(raw, str) else raw
    exceptions = _exceptions()
    count = policy.get("maxReceiveCount")
    try:
        bad_count = count is not None and not 1 <= int(count) <= 1000
    except (TypeError, ValueError):
        bad_count = True
    if bad_count:
        raise exceptions.InvalidParameterValue(
            f"Value {raw} for parameter RedrivePolicy is invalid. Reason: Invalid value for "
            f"maxReceiveCount: {count}, valid values are from 1 to 1000 both inclusive."
        )
    from moto.sqs.models import sqs_backends

    target = policy.get("deadLetterTargetArn")
    backend = sqs_backends[queue.account_id][queue.region]
    dlq = next((q for q in backend.queues.values() if q.queue_arn == target), None)
    if dlq is not None and not admits(dlq, queue.queue_arn):
        raise exceptions.InvalidParameterValue(
            f"Value {raw} for parameter RedrivePolicy is invalid. Reason: the dead-letter queue "
            f"{target} does not allow {queue.queue_arn} as a source queue (RedriveAllowPolicy)."
        )


# The patches: each takes moto's attribute and returns ours (``queuelab.backend.patches``).


def base_attributes(original: list[str]) -> list[str]:
    """The attributes a queue has (and ``GetQueueAttributes`` answers): ``RedriveAllowPolicy``
    too."""
    return original if "RedriveAllowPolicy" in original else [*original, "RedriveAllowPolicy"]


def queue_init(original: Any) -> Any:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        self.redrive_allow_policy = None
        original(self, *args, **kwargs)

    return __init__


def set_attributes(original: Any) -> Any:
    def _set_attributes(self: Any, attributes: dict[str, Any], now: float | None = None) -> None:
        _check(self, attributes)
        if attributes.get("RedriveAllowPolicy") == "":
            attributes = {**attributes, "RedriveAllowPolicy": None}
        original(self, attributes, now)

    return _set_attributes
