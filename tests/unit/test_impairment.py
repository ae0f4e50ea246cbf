"""The queue outage on AWS: a deny statement for consumers' actions, removed by a rollback
that always runs and is verified (moto in-process stands for SQS here)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from queuelab.targets import impairment
from queuelab.targets.outputs import SetOutputs

SID = "queuelabOutageTest"
KEEP = {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "sqs:*"}


@pytest.fixture
def queue() -> Iterator[tuple[Any, SetOutputs]]:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        policy = {"Version": "2012-10-17", "Statement": [KEEP]}
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
        yield sqs, SetOutputs(url, arn, "d", "arn:d", "s", "e", False, 2, 1, 2)


def statements(sqs: Any, url: str) -> list[dict[str, Any]]:
    raw = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"]
    found: list[dict[str, Any]] = json.loads(raw)["Statement"]
    return found


def test_the_deny_covers_consumer_actions_only_and_goes_away_after(
    queue: tuple[Any, SetOutputs],
) -> None:
    sqs, resources = queue
    with impairment.policy_deny(sqs, resources, SID) as rollback:
        [kept, deny] = statements(sqs, resources.queue_url)
        assert kept == KEEP and deny["Sid"] == SID
        assert "sqs:SendMessage" not in deny["Action"]  # producers go on
        assert "sqs:SetQueueAttributes" not in deny["Action"]  # the rollback stays possible
    assert statements(sqs, resources.queue_url) == [KEEP]
    assert rollback.lifted and rollback.verified


def test_the_rollback_runs_when_the_run_fails_or_is_interrupted(
    queue: tuple[Any, SetOutputs],
) -> None:
    sqs, resources = queue
    with pytest.raises(KeyboardInterrupt), impairment.policy_deny(sqs, resources, SID):
        raise KeyboardInterrupt
    assert statements(sqs, resources.queue_url) == [KEEP]


def test_preflight_refuses_a_queue_where_the_statement_does_not_stick(
    queue: tuple[Any, SetOutputs], monkeypatch: pytest.MonkeyPatch
) -> None:
    sqs, resources = queue
    impairment.preflight(sqs, resources, SID)  # adds and removes: fine
    assert statements(sqs, resources.queue_url) == [KEEP]
    monkeypatch.setattr(sqs, "set_queue_attributes", lambda **kwargs: None)  # ignored
    with pytest.raises(impairment.ImpairmentError, match="did not stick"):
        impairment.preflight(sqs, resources, SID)
