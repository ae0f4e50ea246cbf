"""A queue outage for a bounded window, as AWS FIS impairs SQS: consumers are denied
(ReceiveMessage, DeleteMessage, ChangeMessageVisibility) while producers can still send, and a
rollback that always runs lifts it and verifies it is gone.

On AWS it is a temporary ``Deny`` statement in the queue policy (data-plane actions only, so
the rollback's own SetQueueAttributes is never denied). On the embedded backend it is the
same fault from the nemesis: ``deny=1`` for the consumers' calls, switched on and off.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from queuelab.backend.control import Control
from queuelab.targets.outputs import SetOutputs

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

CONSUMER_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility")
CONSUMER_OPERATIONS = "receive+delete+visibility"


class ImpairmentError(RuntimeError):
    """The impairment could not be added or removed: the run must not go on."""


@dataclass
class Rollback:
    """What the rollback did, for the journal."""

    how: str
    lifted: bool = False
    verified: bool = False
    notes: list[str] = field(default_factory=list)


def _policy(sqs: SQSClient, url: str) -> dict[str, Any]:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
    raw = attributes.get("Attributes", {}).get("Policy")
    return json.loads(raw) if raw else {"Version": "2012-10-17", "Statement": []}


def _set_policy(sqs: SQSClient, url: str, policy: dict[str, Any]) -> None:
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})


def deny_statement(sid: str, queue_arn: str) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(CONSUMER_ACTIONS),
        "Resource": queue_arn,
    }


def _has(sqs: SQSClient, url: str, sid: str) -> bool:
    return any(s.get("Sid") == sid for s in _policy(sqs, url).get("Statement", []))


def _add(sqs: SQSClient, resources: SetOutputs, sid: str) -> None:
    policy = _policy(sqs, resources.queue_url)
    policy["Statement"] = [s for s in policy.get("Statement", []) if s.get("Sid") != sid]
    policy["Statement"].append(deny_statement(sid, resources.queue_arn))
    _set_policy(sqs, resources.queue_url, policy)
    if not _has(sqs, resources.queue_url, sid):
        raise ImpairmentError(f"the deny statement {sid} did not stick on {resources.queue_url}")


def _remove(sqs: SQSClient, resources: SetOutputs, sid: str) -> None:
    policy = _policy(sqs, resources.queue_url)
    policy["Statement"] = [s for s in policy.get("Statement", []) if s.get("Sid") != sid]
    _set_policy(sqs, resources.queue_url, policy)


def preflight(sqs: SQSClient, resources: SetOutputs, sid: str) -> None:
    """Add and remove the statement once before the run relies on it (refuse if either
    fails): the outage must be one the run can end."""
    try:
        _add(sqs, resources, sid)
    finally:
        _remove(sqs, resources, sid)
    if _has(sqs, resources.queue_url, sid):
        raise ImpairmentError(f"could not remove the deny statement {sid} again")


@contextmanager
def policy_deny(sqs: SQSClient, resources: SetOutputs, sid: str) -> Iterator[Rollback]:
    """A deny statement in the queue policy for the duration of the block; removed and
    verified on the way out, whatever happened inside."""
    rollback = Rollback(how=f"queue policy statement {sid}")
    _add(sqs, resources, sid)
    try:
        yield rollback
    finally:
        try:
            _remove(sqs, resources, sid)
            rollback.lifted = True
            rollback.verified = not _has(sqs, resources.queue_url, sid)
        except Exception as err:  # report it: the caller must not believe it was lifted
            rollback.notes.append(f"rollback failed: {type(err).__name__}: {err}")


@contextmanager
def endpoint_deny(control: Control, token: str, faults: str) -> Iterator[Rollback]:
    """The nemesis denies the consumers' calls for the block; the run's faults after it."""
    rollback = Rollback(how="nemesis deny on " + CONSUMER_OPERATIONS)
    impaired = ",".join(p for p in (faults, f"{CONSUMER_OPERATIONS}:deny=1") if p)
    control.set_faults(token, impaired)
    try:
        yield rollback
    finally:
        try:
            control.set_faults(token, faults)
            rollback.lifted = rollback.verified = True
        except Exception as err:
            rollback.notes.append(f"rollback failed: {type(err).__name__}: {err}")


def for_run(
    sqs: SQSClient,
    resources: SetOutputs,
    run_id: str,
    control: Control | None,
    token: str | None,
    faults: str,
) -> AbstractContextManager[Rollback]:
    """The outage this target allows: the nemesis where there is one, else a deny statement
    (after a preflight that proves it can be added and removed)."""
    if control is not None and token is not None:
        return endpoint_deny(control, token, faults)
    sid = "queuelabOutage" + "".join(c for c in run_id if c.isalnum())[-24:]
    preflight(sqs, resources, sid)
    return policy_deny(sqs, resources, sid)
