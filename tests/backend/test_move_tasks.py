"""StartMessageMoveTask / ListMessageMoveTasks / CancelMessageMoveTask on the embedded
backend (SQS API reference; AWS's answers as recorded by LocalStack's AWS-validated tests)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from sqs_helpers import arn_of, bodies, dlq_pair, error_of, make_queue, receive


def dead_letter(sqs: Any, source: str, count: int) -> None:
    """Send ``count`` messages and receive them until the redrive policy moved them all."""
    for i in range(count):
        sqs.send_message(QueueUrl=source, MessageBody=f"m{i}")
    for _ in range(2 * count + 2):
        receive(sqs, source)


def finished(sqs: Any, dlq_arn: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        task: dict[str, Any] = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
        if task["Status"] not in ("RUNNING", "CANCELLING") or time.monotonic() > deadline:
            return task
        time.sleep(0.05)


def test_without_a_destination_messages_go_back_to_their_source(sqs: Any, unique: str) -> None:
    """StartMessageMoveTask API: with DestinationArn left out, messages are redriven to
    their respective original source queues; List reports COMPLETED with the counts."""
    source, dlq = dlq_pair(sqs, f"back-{unique}")
    other = make_queue(
        sqs,
        f"back2-{unique}",
        VisibilityTimeout="0",
        RedrivePolicy=json.dumps({"deadLetterTargetArn": arn_of(sqs, dlq), "maxReceiveCount": 1}),
    )
    dead_letter(sqs, source, 2)
    dead_letter(sqs, other, 1)
    dlq_arn = arn_of(sqs, dlq)

    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    task = finished(sqs, dlq_arn)

    assert json.loads(base64.b64decode(handle))["sourceArn"] == dlq_arn
    assert task["Status"] == "COMPLETED"
    assert task["ApproximateNumberOfMessagesMoved"] == 3
    assert task["ApproximateNumberOfMessagesToMove"] == 3
    assert "DestinationArn" not in task and "TaskHandle" not in task
    assert sorted(bodies(receive(sqs, source))) == ["m0", "m1"]
    moved = receive(sqs, other)
    assert bodies(moved) == ["m0"]
    assert moved[0]["Attributes"]["ApproximateReceiveCount"] == "1"  # starts afresh
    assert receive(sqs, dlq) == []


def test_to_a_given_destination_at_a_given_rate(sqs: Any, unique: str) -> None:
    """StartMessageMoveTask API: DestinationArn and MaxNumberOfMessagesPerSecond; the task
    is asynchronous and List reports it RUNNING, with its handle, while it moves."""
    source, dlq = dlq_pair(sqs, f"rate-{unique}")
    destination = make_queue(sqs, f"rate-dest-{unique}")
    dead_letter(sqs, source, 3)
    dlq_arn, destination_arn = arn_of(sqs, dlq), arn_of(sqs, destination)

    started = time.monotonic()
    handle = sqs.start_message_move_task(
        SourceArn=dlq_arn, DestinationArn=destination_arn, MaxNumberOfMessagesPerSecond=5
    )["TaskHandle"]
    running = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
    task = finished(sqs, dlq_arn)

    assert running["Status"] == "RUNNING" and running["TaskHandle"] == handle
    assert running["MaxNumberOfMessagesPerSecond"] == 5
    assert task["Status"] == "COMPLETED" and task["DestinationArn"] == destination_arn
    assert time.monotonic() - started >= 0.35  # 3 messages at 5 per second
    assert sorted(bodies(receive(sqs, destination))) == ["m0", "m1", "m2"]


def test_cancel_stops_a_running_task_and_keeps_what_was_moved(sqs: Any, unique: str) -> None:
    """CancelMessageMoveTask API: only a RUNNING task; messages already moved stay moved;
    the answer is how many were moved."""
    source, dlq = dlq_pair(sqs, f"cancel-{unique}")
    destination = make_queue(sqs, f"cancel-dest-{unique}")
    dead_letter(sqs, source, 5)
    dlq_arn = arn_of(sqs, dlq)
    handle = sqs.start_message_move_task(
        SourceArn=dlq_arn, DestinationArn=arn_of(sqs, destination), MaxNumberOfMessagesPerSecond=2
    )["TaskHandle"]
    time.sleep(0.7)

    moved = sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"]
    task = finished(sqs, dlq_arn)
    again = error_of(lambda: sqs.cancel_message_move_task(TaskHandle=handle))

    assert 1 <= moved < 5 and task["Status"] == "CANCELLED"
    assert len(receive(sqs, destination)) == task["ApproximateNumberOfMessagesMoved"]
    assert len(receive(sqs, dlq)) == 5 - task["ApproximateNumberOfMessagesMoved"]
    assert again["Code"] == "InvalidParameterValue"


def test_list_answers_the_most_recent_tasks_first(sqs: Any, unique: str) -> None:
    """ListMessageMoveTasks API: up to MaxResults (default 1, at most 10), most recent first."""
    source, dlq = dlq_pair(sqs, f"list-{unique}")
    dlq_arn = arn_of(sqs, dlq)
    for _ in range(2):
        dead_letter(sqs, source, 1)
        sqs.start_message_move_task(SourceArn=dlq_arn)
        finished(sqs, dlq_arn)
        receive(sqs, source)  # the redriven message goes to the DLQ again on the next receive

    assert len(sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]) == 1
    tasks = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10)["Results"]
    assert len(tasks) == 2 and tasks[0]["StartedTimestamp"] >= tasks[1]["StartedTimestamp"]
    error = error_of(lambda: sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=11))
    assert error["Code"] == "InvalidParameterValue"


def test_a_deleted_destination_fails_the_task(sqs: Any, unique: str) -> None:
    """A task whose destination disappears ends FAILED, FailureReason
    AWS.SimpleQueueService.NonExistentQueue (AWS, per LocalStack's recorded test)."""
    source, dlq = dlq_pair(sqs, f"gone-{unique}")
    destination = make_queue(sqs, f"gone-dest-{unique}")
    dead_letter(sqs, source, 3)
    dlq_arn = arn_of(sqs, dlq)
    sqs.start_message_move_task(
        SourceArn=dlq_arn, DestinationArn=arn_of(sqs, destination), MaxNumberOfMessagesPerSecond=1
    )
    sqs.delete_queue(QueueUrl=destination)

    task = finished(sqs, dlq_arn)

    assert task["Status"] == "FAILED"
    assert task["FailureReason"] == "AWS.SimpleQueueService.NonExistentQueue"


@pytest.mark.parametrize(
    ("case", "code", "words"),
    [
        ("unknown source", "ResourceNotFoundException", "SourceArn parameter doesn't exist"),
        ("not a dlq", "InvalidParameterValue", "must be configured as a Dead Letter Queue"),
        ("unknown destination", "ResourceNotFoundException", "DestinationArn parameter"),
        ("rate -1", "InvalidParameterValue", "MaxNumberOfMessagesPerSecond"),
        ("rate 0", "InvalidParameterValue", "MaxNumberOfMessagesPerSecond"),
        ("rate 501", "InvalidParameterValue", "MaxNumberOfMessagesPerSecond"),
        ("already running", "InvalidParameterValue", "There is already a task running"),
        ("malformed arn", "InvalidParameterValue", "You must use this format"),
    ],
)
def test_start_validates_its_arguments_as_aws_does(
    sqs: Any, unique: str, case: str, code: str, words: str
) -> None:
    """StartMessageMoveTask API errors, with AWS's codes and messages."""
    source, dlq = dlq_pair(sqs, f"v{abs(hash(case)) % 10_000}-{unique}")
    dlq_arn = arn_of(sqs, dlq)
    dead_letter(sqs, source, 2)
    arguments: dict[str, Any] = {"SourceArn": dlq_arn}
    if case == "unknown source":
        arguments["SourceArn"] = dlq_arn + "-missing"
    elif case == "not a dlq":
        arguments["SourceArn"] = arn_of(sqs, source)
    elif case == "unknown destination":
        arguments["DestinationArn"] = dlq_arn + "-missing"
    elif case.startswith("rate"):
        arguments["MaxNumberOfMessagesPerSecond"] = int(case.split()[1])
    elif case == "already running":
        sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=1)
    elif case == "malformed arn":
        arguments["SourceArn"] = "not-an-arn"

    error = error_of(lambda: sqs.start_message_move_task(**arguments))

    assert error["Code"] == code and words in error["Message"]


@pytest.mark.parametrize("handle", ["not-base64!", base64.b64encode(b'{"taskId": "x"}').decode()])
def test_cancel_refuses_a_malformed_handle(sqs: Any, handle: str) -> None:
    error = error_of(lambda: sqs.cancel_message_move_task(TaskHandle=handle))

    assert error["Code"] == "InvalidParameterValue"
    assert error["Message"] == "Value for parameter TaskHandle is invalid."


def test_cancel_of_an_unknown_task_is_not_found(sqs: Any, unique: str) -> None:
    _, dlq = dlq_pair(sqs, f"unknown-task-{unique}")
    task_id = "10f57157-fc38-4da9-a113-4de7e12d05aa"
    doc = json.dumps({"taskId": task_id, "sourceArn": arn_of(sqs, dlq)})

    error = error_of(
        lambda: sqs.cancel_message_move_task(TaskHandle=base64.b64encode(doc.encode()).decode())
    )

    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == "Task does not exist."


def test_a_dead_lettered_message_names_its_source(sqs: Any, unique: str) -> None:
    """ReceiveMessage API, MessageSystemAttributeNames: DeadLetterQueueSourceArn, the queue a
    message was moved to the DLQ from (stock moto leaves it out)."""
    source, dlq = dlq_pair(sqs, f"named-{unique}")
    dead_letter(sqs, source, 1)

    (message,) = receive(sqs, dlq)

    assert message["Attributes"]["DeadLetterQueueSourceArn"] == arn_of(sqs, source)
