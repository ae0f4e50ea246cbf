"""Faults at the endpoint (the nemesis), as a spec both the runner and the embedded server
read. Pure: parsing, validation, and the seeded decision of which request gets which fault.

    --faults "throttle=0.1,error=0.05,latency=200ms,reset=0.02,ambiguous=0.05"
    --faults "send:ambiguous=0.3,ReceiveMessage+DeleteMessage:throttle=0.2"
    --faults "aws-delivery"                       (a named preset)

An item is ``[SCOPE:]FAULT=VALUE`` (or a preset's name); SCOPE is operations or groups joined
with ``+``, all operations of the lab's processes when omitted. Faults, in the order a
request meets them:

- ``deny=P``: refused with AccessDenied (the offline stand-in for a deny statement in the
  queue policy); ``throttle=P``: RequestThrottled (SQS) / ThrottlingException (DynamoDB);
  ``error=P``: HTTP 500 or 503; ``reset=P``: the connection is dropped before the request
  reaches the backend (nothing applied): each refused before anything is applied;
- ``latency=D``: every request waits D (``200ms``, ``1.5s``) before it is served;
- ``ambiguous=P``: the request is applied, then the connection is dropped (the response is
  lost: the caller cannot know the outcome);
- ``duplicate=P`` and ``reorder=P`` (receives from standard queues, the AWS-like delivery
  mode): a received message is also handed out again at once, as SQS's at-least-once
  delivery may; visible messages are handed out in a shuffled order.

Decisions are seeded and keyed by (caller, operation, the caller's n-th such request), so the
same seed replays the same faults whatever the interleaving of processes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

PROBABILITIES = ("deny", "throttle", "error", "reset", "ambiguous", "duplicate", "reorder")
DURATIONS = ("latency",)
FAULTS = PROBABILITIES + DURATIONS
REFUSALS = ("deny", "throttle", "error", "reset")  # nothing applied
ANSWERED = ("deny", "throttle", "error", "unavailable")  # refused with an error response
DELIVERY = ("duplicate", "reorder")  # receives from standard queues

SQS_OPERATIONS = (
    "SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch",
    "ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "GetQueueAttributes",
    "GetQueueUrl", "PurgeQueue", "ListQueues", "SetQueueAttributes", "CreateQueue",
    "StartMessageMoveTask", "ListMessageMoveTasks", "CancelMessageMoveTask",
)  # fmt: skip
DYNAMODB_OPERATIONS = (
    "PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchWriteItem",
    "BatchGetItem", "TransactWriteItems", "TransactGetItems", "DescribeTable",
)  # fmt: skip
# A Lambda function's invocations by queuelab.esm (the mapping applies its own spec to them).
LAMBDA_OPERATIONS = ("Invoke",)
GROUPS: dict[str, tuple[str, ...]] = {
    "sqs": SQS_OPERATIONS,
    "dynamodb": DYNAMODB_OPERATIONS,
    "lambda": LAMBDA_OPERATIONS,
    "send": ("SendMessage", "SendMessageBatch"),
    "receive": ("ReceiveMessage",),
    "delete": ("DeleteMessage", "DeleteMessageBatch"),
    "visibility": ("ChangeMessageVisibility", "ChangeMessageVisibilityBatch"),
}
PRESETS: dict[str, str] = {
    # Standard queues as AWS may deliver them: now and then twice, not in send order.
    "aws-delivery": "duplicate=0.1,reorder=0.3",
}
ALL = "*"


class FaultSpecError(ValueError):
    """A malformed spec; the message names the bad part."""


@dataclass(frozen=True)
class Rule:
    fault: str
    value: float  # a probability, or seconds for latency
    operations: frozenset[str] = frozenset({ALL})

    def applies_to(self, operation: str) -> bool:
        return ALL in self.operations or operation in self.operations


@dataclass(frozen=True)
class FaultSpec:
    rules: tuple[Rule, ...] = ()
    text: str = ""

    def __bool__(self) -> bool:
        return bool(self.rules)

    def value(self, fault: str, operation: str) -> float:
        """The fault's value for this operation (the last matching rule wins; 0 if none)."""
        found = 0.0
        for rule in self.rules:
            if rule.fault == fault and rule.applies_to(operation):
                found = rule.value
        return found

    def delivery(self) -> dict[str, float]:
        return {fault: self.value(fault, "ReceiveMessage") for fault in DELIVERY}


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)$")


def _number(part: str, fault: str, raw: str) -> float:
    if fault in DURATIONS:
        match = _DURATION.match(raw)
        if not match:
            raise FaultSpecError(f"{part!r}: {fault} needs a duration like 200ms or 1.5s")
        amount, unit = float(match.group(1)), match.group(2)
        return amount / 1000 if unit == "ms" else amount
    try:
        value = float(raw)
    except ValueError:
        raise FaultSpecError(f"{part!r}: {raw!r} is not a probability (0-1)") from None
    if not 0 <= value <= 1:
        raise FaultSpecError(f"{part!r}: probability {raw} is outside 0-1")
    return value


def _operations(part: str, scope: str) -> frozenset[str]:
    known = set(SQS_OPERATIONS) | set(DYNAMODB_OPERATIONS) | set(LAMBDA_OPERATIONS)
    operations: set[str] = set()
    for name in scope.split("+"):
        if name in GROUPS:
            operations |= set(GROUPS[name])
        elif name in known:
            operations.add(name)
        else:
            choices = ", ".join([*GROUPS, "or an operation such as SendMessageBatch, PutItem"])
            raise FaultSpecError(f"{part!r}: unknown operation {name!r} (use {choices})")
    return frozenset(operations)


def parse(text: str) -> FaultSpec:
    """Parse a spec; raise ``FaultSpecError`` naming the first bad part."""
    rules: list[Rule] = []
    for raw_part in (p.strip() for p in text.split(",")):
        if not raw_part:
            continue
        if raw_part in PRESETS:
            rules += parse(PRESETS[raw_part]).rules
            continue
        scope, colon, assignment = raw_part.rpartition(":")
        fault, eq, raw = assignment.partition("=")
        fault = fault.strip()
        if not eq:
            presets = ", ".join(PRESETS)
            raise FaultSpecError(f"{raw_part!r}: expected FAULT=VALUE or a preset ({presets})")
        if fault not in FAULTS:
            raise FaultSpecError(
                f"{raw_part!r}: unknown fault {fault!r} (known: {', '.join(FAULTS)})"
            )
        operations = _operations(raw_part, scope.strip()) if colon else frozenset({ALL})
        rules.append(Rule(fault, _number(raw_part, fault, raw.strip()), operations))
    return FaultSpec(tuple(rules), text)


def draw(seed: int, *key: object) -> float:
    """A uniform number in [0, 1) fixed by the seed and the key (no shared state)."""
    digest = hashlib.sha256(repr((seed, *key)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass
class Decider:
    """Which fault a request gets: the refusal or ``ambiguous`` it draws, and its latency."""

    spec: FaultSpec
    seed: int
    counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def decide(self, caller: str, operation: str) -> tuple[str | None, float]:
        """(the fault or None, the latency); ``error`` comes out as ``error`` (HTTP 500) or
        ``unavailable`` (503), half and half."""
        n = self.counts.get((caller, operation), 0)
        self.counts[(caller, operation)] = n + 1
        latency = self.spec.value("latency", operation)
        for fault in (*REFUSALS, "ambiguous"):
            chance = self.spec.value(fault, operation)
            if chance and draw(self.seed, caller, operation, n, fault) < chance:
                if fault == "error" and draw(self.seed, caller, operation, n, "503") < 0.5:
                    return "unavailable", latency
                return fault, latency
        return None, latency
