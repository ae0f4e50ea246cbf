"""Queue attributes and the redrive-allow policy on the embedded backend."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqs_helpers import arn_of, error_of, make_queue


def redrive(dlq_arn: str, count: int = 3) -> str:
    return json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": count})


def test_redrive_allow_policy_is_stored_and_returned(sqs: Any, unique: str) -> None:
    """SetQueueAttributes API, RedriveAllowPolicy (stock moto accepts and forgets it)."""
    policy = json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": ["arn:x"]})
    url = make_queue(sqs, f"rap-{unique}", RedriveAllowPolicy=policy)

    answer = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedriveAllowPolicy"])
    everything = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])

    assert json.loads(answer["Attributes"]["RedriveAllowPolicy"]) == json.loads(policy)
    assert "RedriveAllowPolicy" in everything["Attributes"]


def test_deny_all_refuses_every_source_queue(sqs: Any, unique: str) -> None:
    """Dead-letter queues guide: redrivePermission denyAll, no queue may use this DLQ."""
    dlq = make_queue(sqs, f"deny-{unique}", RedriveAllowPolicy='{"redrivePermission":"denyAll"}')

    policy = redrive(arn_of(sqs, dlq))

    error = error_of(lambda: make_queue(sqs, f"src-{unique}", RedrivePolicy=policy))

    assert error["Code"] == "InvalidParameterValue"
    assert "RedriveAllowPolicy" in error["Message"]


def test_by_queue_admits_only_the_listed_sources(sqs: Any, unique: str) -> None:
    """redrivePermission byQueue: only the queues in sourceQueueArns."""
    allowed_name, other_name = f"allowed-{unique}", f"other-{unique}"
    allowed = make_queue(sqs, allowed_name)
    policy = {"redrivePermission": "byQueue", "sourceQueueArns": [arn_of(sqs, allowed)]}
    dlq = make_queue(sqs, f"byq-{unique}", RedriveAllowPolicy=json.dumps(policy))
    dlq_arn = arn_of(sqs, dlq)

    sqs.set_queue_attributes(QueueUrl=allowed, Attributes={"RedrivePolicy": redrive(dlq_arn)})
    error = error_of(lambda: make_queue(sqs, other_name, RedrivePolicy=redrive(dlq_arn)))

    assert error["Code"] == "InvalidParameterValue"


@pytest.mark.parametrize(
    "policy",
    [
        {"redrivePermission": "sometimes"},
        {"redrivePermission": "byQueue"},
        {"redrivePermission": "byQueue", "sourceQueueArns": [f"arn:{i}" for i in range(11)]},
        {"redrivePermission": "allowAll", "sourceQueueArns": ["arn:x"]},
    ],
)
def test_malformed_redrive_allow_policies_are_refused(
    sqs: Any, unique: str, policy: dict[str, Any]
) -> None:
    """SetQueueAttributes API: byQueue needs 1-10 sourceQueueArns, the others take none."""
    url = make_queue(sqs, f"bad-rap-{unique}")

    error = error_of(
        lambda: sqs.set_queue_attributes(
            QueueUrl=url, Attributes={"RedriveAllowPolicy": json.dumps(policy)}
        )
    )

    assert error["Code"] == "InvalidAttributeValue"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("VisibilityTimeout", "-1"),
        ("VisibilityTimeout", "43201"),
        ("DelaySeconds", "901"),
        ("MessageRetentionPeriod", "59"),
        ("ReceiveMessageWaitTimeSeconds", "21"),
    ],
)
def test_attribute_values_out_of_range_are_refused(
    sqs: Any, unique: str, name: str, value: str
) -> None:
    """SetQueueAttributes API ranges (stock moto accepts these)."""
    url = make_queue(sqs, f"range-{unique}")

    error = error_of(lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={name: value}))

    assert error["Code"] == "InvalidAttributeValue"


def test_max_receive_count_must_be_between_1_and_1000(sqs: Any, unique: str) -> None:
    """SetQueueAttributes API, RedrivePolicy: maxReceiveCount 1 to 1,000."""
    dlq_arn = arn_of(sqs, make_queue(sqs, f"mrc-dlq-{unique}"))

    error = error_of(lambda: make_queue(sqs, f"mrc-{unique}", RedrivePolicy=redrive(dlq_arn, 0)))

    assert error["Code"] == "InvalidParameterValue"


def counts(sqs: Any, url: str) -> tuple[int, int, int]:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
             "ApproximateNumberOfMessagesDelayed"]  # fmt: skip
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return (int(got[names[0]]), int(got[names[1]]), int(got[names[2]]))


def test_counts_stay_exact_as_leases_and_delays_begin_and_end(sqs: Any, unique: str) -> None:
    """The counts follow every message's visibility and delay (the backend keeps only the
    messages in flight or delayed aside, and counts the rest as visible)."""
    url = make_queue(sqs, f"counts-{unique}", VisibilityTimeout="1")
    for i in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}", DelaySeconds=1 if i >= 3 else 0)
    assert counts(sqs, url) == (3, 0, 2)

    leased = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)["Messages"]
    assert counts(sqs, url) == (1, 2, 2)
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=leased[0]["ReceiptHandle"], VisibilityTimeout=0
    )
    time.sleep(0.01)
    assert counts(sqs, url) == (2, 1, 2)

    time.sleep(1.2)  # the lease and the delays are over
    assert counts(sqs, url) == (5, 0, 0)
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)
    for message in again["Messages"][:2]:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert len(again["Messages"]) == 5 and counts(sqs, url) == (0, 3, 0)
    sqs.purge_queue(QueueUrl=url)
    assert counts(sqs, url) == (0, 0, 0)
