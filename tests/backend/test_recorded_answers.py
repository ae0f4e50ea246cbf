"""The embedded backend against answers recorded from real AWS.

Each test states AWS's answer and where it was recorded: LocalStack records its SQS tests
against AWS (``tests/aws/services/sqs/test_sqs.py``, marked ``aws.validated``, with the
answers in ``test_sqs.snapshot.json``); the test names below are theirs. Stock moto answers
otherwise on each of these (``test_conformance.py`` shows it for the probed ones).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqs_helpers import bodies, error_of, make_queue, receive


def test_change_visibility_with_a_deleted_messages_handle_is_refused(sqs: Any, unique: str) -> None:
    """test_change_visibility_on_deleted_message_raises_invalid_parameter_value: once the
    message is deleted, ChangeMessageVisibility with its handle answers InvalidParameterValue,
    "Value <handle> for parameter ReceiptHandle is invalid. Reason: Message does not exist or
    is not available for visibility timeout change." (moto: ReceiptHandleIsInvalid)."""
    url = make_queue(sqs, f"cmv-deleted-{unique}")
    sqs.send_message(QueueUrl=url, MessageBody="foo")
    handle = receive(sqs, url)[0]["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=42)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)

    error = error_of(
        lambda: sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=42
        )
    )

    assert error["Code"] == "InvalidParameterValue"
    assert error["Message"] == (
        f"Value {handle} for parameter ReceiptHandle is invalid. Reason: Message does not "
        "exist or is not available for visibility timeout change."
    )


def test_a_deleted_messages_handle_deletes_again_without_error(sqs: Any, unique: str) -> None:
    """test_delete_message_with_deleted_receipt_handle: DeleteMessage with the handle of a
    message already deleted succeeds, however often."""
    url = make_queue(sqs, f"del-again-{unique}")
    sqs.send_message(QueueUrl=url, MessageBody="foo")
    handle = receive(sqs, url)[0]["ReceiptHandle"]

    for _ in range(3):
        sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)


@pytest.mark.parametrize("call", ["delete", "visibility"])
def test_a_handle_that_is_none_is_refused_as_not_valid(sqs: Any, unique: str, call: str) -> None:
    """test_delete_message_with_illegal_receipt_handle (and
    test_invalid_receipt_handle_should_return_error_message for ChangeMessageVisibility):
    ReceiptHandleIsInvalid, 'The input receipt handle "garbage" is not a valid receipt
    handle.'"""
    url = make_queue(sqs, f"garbage-{unique}")
    if call == "delete":
        error = error_of(lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage"))
    else:
        error = error_of(
            lambda: sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle="garbage", VisibilityTimeout=5
            )
        )

    assert error["Code"] == "ReceiptHandleIsInvalid"
    assert error["Message"] == 'The input receipt handle "garbage" is not a valid receipt handle.'


def test_a_fifo_queues_delay_applies_to_a_message_sent_with_delay_zero(
    sqs: Any, unique: str
) -> None:
    """test_fifo_queue_send_message_with_zero_delay_defaults_to_queue_delay: on a FIFO queue
    with DelaySeconds=2, a message sent with DelaySeconds=0 is not received within a second,
    and is after the delay (moto delivers it at once)."""
    url = make_queue(
        sqs, f"zero-delay-{unique}.fifo", ContentBasedDeduplication="true", DelaySeconds="2"
    )
    sqs.send_message(QueueUrl=url, MessageBody="message-1", MessageGroupId="1", DelaySeconds=0)

    assert receive(sqs, url, wait=1) == []
    time.sleep(1.5)
    assert bodies(receive(sqs, url, wait=2)) == ["message-1"]


def test_a_fifo_receive_returns_each_groups_messages_together(sqs: Any, unique: str) -> None:
    """test_fifo_receive_message_group_id_ordering: sent g1-m1, g2-m1, g1-m2, g1-m3, one
    receive of 10 answers g1-m1, g1-m2, g1-m3, g2-m1 (moto: in send order)."""
    url = make_queue(sqs, f"together-{unique}.fifo", ContentBasedDeduplication="true")
    for body in ("g1-m1", "g2-m1", "g1-m2", "g1-m3"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=body[:2])

    assert bodies(receive(sqs, url)) == ["g1-m1", "g1-m2", "g1-m3", "g2-m1"]


def test_a_group_is_available_again_once_its_first_message_is(sqs: Any, unique: str) -> None:
    """test_fifo_message_group_visibility_after_terminate_visibility_timeout: g1-m1 and g1-m2
    received (visibility 30), g1-m1 released (ChangeMessageVisibility 0): a receive of 3
    answers g2-m1, g1-m1 (g1-m2 still in flight; moto: g2-m1 only, the group blocked)."""
    url = make_queue(
        sqs, f"head-{unique}.fifo", ContentBasedDeduplication="true", VisibilityTimeout="30"
    )
    for body in ("g1-m1", "g1-m2", "g2-m1"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=body[:2])
    first = receive(sqs, url, MaxNumberOfMessages=2)
    assert bodies(first) == ["g1-m1", "g1-m2"]

    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"], VisibilityTimeout=0
    )

    assert bodies(receive(sqs, url, MaxNumberOfMessages=3)) == ["g2-m1", "g1-m1"]


def test_an_extended_message_holds_back_the_rest_of_its_group(sqs: Any, unique: str) -> None:
    """test_fifo_group_visibility_extends_with_change_message_visibility[1-invisible]: foo,
    bar, baz received (visibility 1), bar extended to 4 s; after 2.5 s a receive answers foo
    only: the extended message and every later one of its group stay hidden."""
    url = make_queue(sqs, f"extend-{unique}.fifo", VisibilityTimeout="1")
    for body in ("foo", "bar", "baz"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="1",
                         MessageDeduplicationId=body)  # fmt: skip
    held = receive(sqs, url, MaxNumberOfMessages=5)
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=held[1]["ReceiptHandle"], VisibilityTimeout=4
    )
    time.sleep(2.5)

    assert bodies(receive(sqs, url, MaxNumberOfMessages=5)) == ["foo"]


def test_groups_released_by_a_zero_visibility_receive_go_behind_the_waiting_ones(
    sqs: Any, unique: str
) -> None:
    """test_fifo_receive_message_with_zero_visibility_timeout: a receive of 3 with
    VisibilityTimeout=0 answers g1-m1, g1-m2, g2-m1; the next receive of 10 answers g3-m1,
    g1-m1, g1-m2, g2-m1, g2-m2."""
    url = make_queue(sqs, f"zero-vis-{unique}.fifo", ContentBasedDeduplication="true")
    for body in ("g1-m1", "g2-m1", "g2-m2", "g3-m1", "g1-m2"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=body[:2])

    first = receive(sqs, url, MaxNumberOfMessages=3, VisibilityTimeout=0)
    then = receive(sqs, url, MaxNumberOfMessages=10, VisibilityTimeout=0)

    assert bodies(first) == ["g1-m1", "g1-m2", "g2-m1"]
    assert bodies(then) == ["g3-m1", "g1-m1", "g1-m2", "g2-m1", "g2-m2"]


def test_a_standard_queue_named_dot_fifo_is_refused(sqs: Any, unique: str) -> None:
    """test_standard_queue_cannot_have_fifo_suffix: CreateQueue of x.fifo without
    FifoQueue=true answers InvalidParameterValue (moto creates a standard queue)."""
    error = error_of(lambda: sqs.create_queue(QueueName=f"std-{unique}.fifo"))

    assert error["Code"] == "InvalidParameterValue"
    assert error["Message"] == (
        "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
    )


def test_a_fifo_queue_without_the_suffix_is_refused(sqs: Any, unique: str) -> None:
    """test_fifo_queue_requires_suffix: FifoQueue=true on a name without .fifo answers
    InvalidParameterValue."""
    error = error_of(
        lambda: sqs.create_queue(QueueName=f"fifo-{unique}", Attributes={"FifoQueue": "true"})
    )

    assert error["Code"] == "InvalidParameterValue"
    assert "must end with .fifo suffix" in error["Message"]


@pytest.mark.parametrize(
    ("attribute", "value", "message"),
    [
        ("FifoQueue", "false", "Unknown Attribute FifoQueue."),
        ("ContentBasedDeduplication", "false", "Unknown Attribute ContentBasedDeduplication."),
        (
            "DeduplicationScope",
            "queue",
            "You can specify the DeduplicationScope only when FifoQueue is set to true.",
        ),
        (
            "FifoThroughputLimit",
            "perQueue",
            "You can specify the FifoThroughputLimit only when FifoQueue is set to true.",
        ),
    ],
)
def test_fifo_attributes_on_a_standard_queue_are_refused(
    sqs: Any, unique: str, attribute: str, value: str, message: str
) -> None:
    """test_create_standard_queue_with_fifo_attribute_raises_error: InvalidAttributeName with
    these messages (moto accepts them)."""
    error = error_of(
        lambda: sqs.create_queue(QueueName=f"std-{unique}", Attributes={attribute: value})
    )

    assert (error["Code"], error["Message"]) == ("InvalidAttributeName", message)


def test_a_queues_type_cannot_be_changed(sqs: Any, unique: str) -> None:
    """test_set_unsupported_attribute_standard / _fifo: FifoQueue on a standard queue is an
    unknown attribute; FifoQueue=true on a FIFO queue is accepted, false is refused (moto
    turns the FIFO queue into a standard one)."""
    standard = make_queue(sqs, f"type-{unique}")
    fifo = make_queue(sqs, f"type-{unique}.fifo")

    refused = error_of(
        lambda: sqs.set_queue_attributes(QueueUrl=standard, Attributes={"FifoQueue": "true"})
    )
    sqs.set_queue_attributes(QueueUrl=fifo, Attributes={"FifoQueue": "true"})
    modified = error_of(
        lambda: sqs.set_queue_attributes(QueueUrl=fifo, Attributes={"FifoQueue": "false"})
    )

    assert (refused["Code"], refused["Message"]) == (
        "InvalidAttributeName",
        "Unknown Attribute FifoQueue.",
    )
    assert (modified["Code"], modified["Message"]) == (
        "InvalidAttributeValue",
        "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.",
    )


def test_recreating_a_queue_with_another_value_names_the_attribute(sqs: Any, unique: str) -> None:
    """test_create_queue_with_different_attributes_raises_exception: QueueAlreadyExists, "A
    queue already exists with the same name and a different value for attribute
    DelaySeconds"; the same call without attributes, or with the same values, answers the
    queue's URL."""
    name = f"again-{unique}"
    url = make_queue(sqs, name, ReceiveMessageWaitTimeSeconds="1", DelaySeconds="1")

    assert sqs.create_queue(QueueName=name)["QueueUrl"] == url
    assert sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "1"})["QueueUrl"] == url
    error = error_of(
        lambda: sqs.create_queue(
            QueueName=name, Attributes={"ReceiveMessageWaitTimeSeconds": "1", "DelaySeconds": "2"}
        )
    )
    assert (error["Code"], error["Message"]) == (
        "QueueAlreadyExists",
        "A queue already exists with the same name and a different value for attribute "
        "DelaySeconds",
    )


def test_kms_and_sqs_managed_encryption_are_exclusive(sqs: Any, unique: str) -> None:
    """test_sse_kms_and_sqs_are_mutually_exclusive: InvalidAttributeName, "You can use one
    type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS
    SSE." (moto accepts both)."""
    url = make_queue(sqs, f"sse-{unique}")

    error = error_of(
        lambda: sqs.set_queue_attributes(
            QueueUrl=url, Attributes={"KmsMasterKeyId": "testKeyId", "SqsManagedSseEnabled": "true"}
        )
    )

    assert error["Code"] == "InvalidAttributeName"
    assert error["Message"].startswith("You can use one type of server-side encryption (SSE)")
