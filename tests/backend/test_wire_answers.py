"""Parameter checks, error codes and HTTP statuses of the operations the lab serves, in both
SQS wire protocols (JSON and query) and DynamoDB's JSON, against AWS's recorded answers
(LocalStack's AWS-validated tests, named in each docstring) or, for a malformed request
nobody recorded, AWS's rule that it is the caller's fault: a 4xx, never a 500 (an SDK
retries a 500 as a server fault, which changes what a scenario shows)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from raw_requests import Answer, dynamodb_json, query, sqs_json
from sqs_helpers import error_of, make_queue, receive

from queuelab.backend import Endpoint

PROTOCOLS = ("json", "query")
WRONG = {"string": 123, "integer": "abc", "long": "abc", "boolean": "maybe", "list": "x",
         "map": "x", "structure": "x", "blob": 5, "timestamp": "x", "double": "x"}  # fmt: skip


def call(endpoint: Endpoint, protocol: str, operation: str, **params: Any) -> Answer:
    if protocol == "json":
        return sqs_json(endpoint.url, operation, params)
    return query(endpoint.url, operation, **{k: str(v) for k, v in params.items()})


def test_an_unknown_action_is_refused(endpoint: Endpoint, sqs: Any, unique: str) -> None:
    """test_invalid_action_raises_exception: 400 InvalidAction, "The action FooBar is not
    valid for this endpoint." (moto: an empty 404)."""
    url = make_queue(sqs, f"action-{unique}")

    by_query = query(url, "FooBar")
    by_json = sqs_json(endpoint.url, "FooBar", {"QueueUrl": url})

    assert (by_query.status, by_query.code) == (400, "InvalidAction")
    assert by_query.message == "The action FooBar is not valid for this endpoint."
    assert (by_json.status, by_json.json_type) == (400, "UnknownOperationException")


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("body", [None, ""])
def test_a_message_body_is_required(
    endpoint: Endpoint, sqs: Any, unique: str, protocol: str, body: str | None
) -> None:
    """test_send_empty_message, test_valid_action_with_missing_parameter_raises_exception:
    400 MissingParameter, "The request must contain the parameter MessageBody."; in JSON
    its __type is MissingRequiredParameterException (moto: a 500 without it, accepted
    empty)."""
    url = make_queue(sqs, f"body-{unique}")
    params = {"QueueUrl": url} | ({} if body is None else {"MessageBody": body})

    answer = call(endpoint, protocol, "SendMessage", **params)

    assert (answer.status, answer.code) == (400, "MissingParameter")
    assert answer.message == "The request must contain the parameter MessageBody."
    if protocol == "json":
        assert answer.json_type == "MissingRequiredParameterException"


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("MaxNumberOfMessages", 11, "Must be between 1 and 10, if provided."),
        ("WaitTimeSeconds", 21, "Must be >= 0 and <= 20, if provided."),
        ("WaitTimeSeconds", -1, "Must be >= 0 and <= 20, if provided."),
    ],
)
def test_receive_parameters_out_of_range(
    endpoint: Endpoint, sqs: Any, unique: str, protocol: str, name: str, value: int, reason: str
) -> None:
    """test_send_receive_max_number_of_messages, test_send_receive_wait_time_seconds: 400
    InvalidParameterValue, "Value 11 for parameter MaxNumberOfMessages is invalid. Reason:
    Must be between 1 and 10, if provided." (JSON __type InvalidParameterValueException;
    moto's message repeats botocore's prefix and inverts the wait's bounds)."""
    url = make_queue(sqs, f"range-{unique}")

    answer = call(endpoint, protocol, "ReceiveMessage", QueueUrl=url, **{name: value})

    assert (answer.status, answer.code) == (400, "InvalidParameterValue")
    assert answer.message == f"Value {value} for parameter {name} is invalid. Reason: {reason}"
    if protocol == "json":
        assert answer.json_type == "InvalidParameterValueException"


@pytest.mark.parametrize(
    "operation", ["SendMessageBatch", "DeleteMessageBatch", "ChangeMessageVisibilityBatch"]
)
def test_a_batch_of_more_than_ten_is_refused_first(sqs: Any, unique: str, operation: str) -> None:
    """test_too_many_entries_in_batch_request, test_delete_message_batch_with_too_large_batch,
    test_change_message_visibility_batch_with_too_large_batch: 20 entries answer
    AWS.SimpleQueueService.TooManyEntriesInBatchRequest, "Maximum number of entries per
    request are 10. You have sent 20." (moto: a delete batch naming one handle twice is
    BatchEntryIdsNotDistinct; a visibility batch is accepted)."""
    url = make_queue(sqs, f"batch-{unique}")
    entries: list[dict[str, Any]] = [
        {"Id": f"m{i}", "MessageBody": "b", "ReceiptHandle": "h", "VisibilityTimeout": 1}
        for i in range(20)
    ]
    keep = {
        "SendMessageBatch": ("Id", "MessageBody"),
        "DeleteMessageBatch": ("Id", "ReceiptHandle"),
        "ChangeMessageVisibilityBatch": ("Id", "ReceiptHandle", "VisibilityTimeout"),
    }[operation]
    method = getattr(sqs, "".join(f"_{c.lower()}" if c.isupper() else c for c in operation)[1:])

    error = error_of(
        lambda: method(QueueUrl=url, Entries=[{k: e[k] for k in keep} for e in entries])
    )

    assert error["Code"] == "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
    assert error["Message"] == "Maximum number of entries per request are 10. You have sent 20."


@pytest.mark.parametrize("entry_id", ["", "invalid:id", "testLongId" * 10])
def test_a_batch_entry_id_must_be_valid(sqs: Any, unique: str, entry_id: str) -> None:
    """test_delete_message_batch_invalid_msg_id: AWS.SimpleQueueService.InvalidBatchEntryId
    (moto accepts them)."""
    url = make_queue(sqs, f"ids-{unique}")

    error = error_of(
        lambda: sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": entry_id, "ReceiptHandle": "x"}]
        )
    )

    assert error["Code"] == "AWS.SimpleQueueService.InvalidBatchEntryId"


def test_an_empty_string_attribute_is_refused(sqs: Any, unique: str) -> None:
    """test_send_message_with_empty_string_attribute: InvalidParameterValue, "Message (user)
    attribute 'ErrorDetails' must contain a non-empty value of type 'String'." (moto accepts
    it)."""
    url = make_queue(sqs, f"attr-{unique}")

    error = error_of(
        lambda: sqs.send_message(
            QueueUrl=url,
            MessageBody="test",
            MessageAttributes={"ErrorDetails": {"StringValue": "", "DataType": "String"}},
        )
    )

    assert (error["Code"], error["Message"]) == (
        "InvalidParameterValue",
        "Message (user) attribute 'ErrorDetails' must contain a non-empty value of type 'String'.",
    )


@pytest.mark.parametrize("name", ["aWs.-Invalid-attr", "AMAZON.-Invalid-attr", ".-Invalid-attr",
                                  "Invalid.", "L" * 257])  # fmt: skip
def test_reserved_or_malformed_attribute_names_are_refused(
    sqs: Any, unique: str, name: str
) -> None:
    """test_send_message_with_invalid_string_attributes: refused as invalid (moto accepts
    them); a name like attr.1øßä is valid."""
    url = make_queue(sqs, f"names-{unique}")
    value = {"StringValue": "Valid", "DataType": "String"}
    sqs.send_message(QueueUrl=url, MessageBody="ok", MessageAttributes={"attr.1øßä": value})

    error = error_of(
        lambda: sqs.send_message(QueueUrl=url, MessageBody="t", MessageAttributes={name: value})
    )

    assert error["Code"] == "InvalidParameterValue"


@pytest.mark.parametrize("group", ["", "group 123", "a" * 129])
def test_a_standard_queue_checks_a_message_group_id(sqs: Any, unique: str, group: str) -> None:
    """test_send_message_to_standard_queue_with_invalid_message_group_id: InvalidParameterValue,
    "Value group 123 for parameter MessageGroupId is invalid. Reason: MessageGroupId can
    only include alphanumeric and punctuation characters. 1 to 128 in length."; a valid one
    is kept and returned (test_fair_queue_with_message_group_id)."""
    url = make_queue(sqs, f"fair-{unique}")
    sqs.send_message(QueueUrl=url, MessageBody="message", MessageGroupId="test")

    error = error_of(lambda: sqs.send_message(QueueUrl=url, MessageBody="m", MessageGroupId=group))

    assert error["Code"] == "InvalidParameterValue"
    assert error["Message"] == (
        f"Value {group} for parameter MessageGroupId is invalid. Reason: MessageGroupId can "
        "only include alphanumeric and punctuation characters. 1 to 128 in length."
    )
    assert receive(sqs, url)[0]["Attributes"]["MessageGroupId"] == "test"


def test_a_second_purge_is_forbidden(short_sqs: Any, unique: str) -> None:
    """test_successive_purge_calls_fail: HTTP 403, AWS.SimpleQueueService.PurgeQueueInProgress,
    "Only one PurgeQueue operation on <queue> is allowed every 60 seconds." (moto: 400)."""
    url = make_queue(short_sqs, f"purge-{unique}")
    short_sqs.purge_queue(QueueUrl=url)

    with pytest.raises(short_sqs.exceptions.PurgeQueueInProgress) as refused:
        short_sqs.purge_queue(QueueUrl=url)

    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert refused.value.response["Error"]["Code"] == "AWS.SimpleQueueService.PurgeQueueInProgress"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_queue_that_does_not_exist(endpoint: Endpoint, protocol: str, unique: str) -> None:
    """test_non_existent_queue: 400, AWS.SimpleQueueService.NonExistentQueue; JSON __type
    QueueDoesNotExist, "The specified queue does not exist."; query "The specified queue does
    not exist for this wsdl version."."""
    url = f"{endpoint.url}/123456789012/nowhere-{unique}"

    answer = call(endpoint, protocol, "GetQueueAttributes", QueueUrl=url)

    assert (answer.status, answer.code) == (400, "AWS.SimpleQueueService.NonExistentQueue")
    if protocol == "json":
        assert answer.json_type == "QueueDoesNotExist"
        assert answer.message == "The specified queue does not exist."
    else:
        assert answer.message == "The specified queue does not exist for this wsdl version."


# -- never a 500 ---------------------------------------------------------------------------

SQS_OPERATIONS = (
    *("CreateQueue", "GetQueueUrl", "GetQueueAttributes", "SetQueueAttributes", "DeleteQueue"),
    *("ListQueues", "PurgeQueue", "SendMessage", "SendMessageBatch", "ReceiveMessage"),
    *("DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility"),
    *("ChangeMessageVisibilityBatch", "TagQueue", "UntagQueue", "ListQueueTags"),
    *("ListDeadLetterSourceQueues", "StartMessageMoveTask", "ListMessageMoveTasks"),
    "CancelMessageMoveTask",
)
DYNAMODB_OPERATIONS = ("CreateTable", "DescribeTable", "DeleteTable", "ListTables", "PutItem",
                       "GetItem", "UpdateItem", "DeleteItem", "Query", "Scan",
                       "BatchWriteItem", "BatchGetItem", "TransactWriteItems",
                       "TransactGetItems", "UpdateTimeToLive", "DescribeTimeToLive",
                       "TagResource", "ListTagsOfResource")  # fmt: skip


def malformed(service: str, operation: str, base: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Each member missing-as-null and of the wrong JSON type, one level deep, and nothing."""
    shape = botocore.session.get_session().get_service_model(service)
    input_shape = shape.operation_model(operation).input_shape
    yield "{}", {}
    for name, member in (input_shape.members if input_shape else {}).items():
        yield f"{name}=null", base | {name: None}
        yield f"{name}=wrong", base | {name: WRONG.get(member.type_name)}
        if member.type_name == "list":
            yield f"{name}=[wrong]", base | {name: [WRONG.get(member.member.type_name)]}
        if member.type_name == "map":
            yield f"{name}={{k: wrong}}", base | {name: {"k": WRONG.get(member.value.type_name)}}
        if member.type_name == "structure":
            yield f"{name}={{}}", base | {name: {}}


def test_no_malformed_sqs_request_gets_a_500(endpoint: Endpoint, sqs: Any, unique: str) -> None:
    """Every SQS operation the lab serves, each member null or of the wrong type: 400s (moto
    answered 45 of them with an HTML 500)."""
    url = make_queue(sqs, f"malformed-{unique}")
    served = []
    for operation in SQS_OPERATIONS:
        base = (
            {} if operation in ("CreateQueue", "GetQueueUrl", "ListQueues") else {"QueueUrl": url}
        )
        for label, body in malformed("sqs", operation, base):
            answer = sqs_json(endpoint.url, operation, body)
            served.append((operation, label, answer.status, answer.body[:80]))

    assert [s for s in served if s[2] >= 500] == []
    assert all(400 <= s[2] < 500 for s in served if s[1] == "{}" and s[0] != "ListQueues")


def test_no_malformed_dynamodb_request_gets_a_500(endpoint: Endpoint, unique: str) -> None:
    """Every DynamoDB operation the lab uses, each member null or of the wrong type: 400s
    (moto answered about a hundred of them with an HTML 500)."""
    table = f"malformed-{unique}"
    created = dynamodb_json(endpoint.url, "CreateTable", {
        "TableName": table, "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST"})  # fmt: skip
    assert created.status == 200, created.body
    item = {"TableName": table, "Key": {"id": {"S": "a"}}, "Item": {"id": {"S": "a"}}}
    served = []
    for operation in DYNAMODB_OPERATIONS:
        base = item if operation.endswith("Item") else {"TableName": table}
        for label, body in malformed("dynamodb", operation, base):
            answer = dynamodb_json(endpoint.url, operation, body)
            served.append((operation, label, answer.status, answer.body[:80]))

    assert [s for s in served if s[2] >= 500] == []


@pytest.mark.parametrize(
    ("operation", "body", "json_type", "message"),
    [
        ("PutItem", {"TableName": "t"}, "ValidationException", "1 validation error detected: "
         "Value null at 'item' failed to satisfy constraint: Member must not be null"),
        ("CreateTable", {"TableName": "t", "BillingMode": "NOPE", "KeySchema": [{"AttributeName":
         "id", "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "id",
         "AttributeType": "S"}]}, "ValidationException", "1 validation error detected: Value "
         "'NOPE' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value "
         "set: [PROVISIONED, PAY_PER_REQUEST]"),
        ("Scan", {"TableName": "t", "Limit": "ten"}, "SerializationException", None),
        ("DescribeEverything", {}, "UnknownOperationException", None),
    ],
)  # fmt: skip
def test_dynamodb_answers_a_malformed_request_as_its_front_end_does(
    endpoint: Endpoint, operation: str, body: dict[str, Any], json_type: str, message: str | None
) -> None:
    """AWS's format of a validation error, as LocalStack's AWS-validated DynamoDB tests record
    it ("1 validation error detected: Value '[]' at 'parameters' failed to satisfy constraint:
    Member must have length greater than or equal to 1")."""
    answer = dynamodb_json(endpoint.url, operation, body)

    assert (answer.status, answer.json_type) == (400, json_type)
    if message is not None:
        assert json.loads(answer.body)["message"] == message


def test_the_query_protocol_still_sends_and_receives_in_batches(sqs: Any, unique: str) -> None:
    """What an SDK of the query protocol sends (entries flattened, to the queue's URL): a
    batch of two is sent, one of eleven refused as too many, and a receive answers both."""
    url = make_queue(sqs, f"query-batch-{unique}")
    entry = "SendMessageBatchRequestEntry"
    two = {f"{entry}.{n}.{field}": f"{value}{n}" for n in (1, 2)
           for field, value in (("Id", "m"), ("MessageBody", "body-"))}  # fmt: skip
    eleven = {f"{entry}.{n}.{field}": f"{value}{n}" for n in range(1, 12)
              for field, value in (("Id", "m"), ("MessageBody", "body-"))}  # fmt: skip

    sent = query(url, "SendMessageBatch", **two)
    refused = query(url, "SendMessageBatch", **eleven)
    received = query(url, "ReceiveMessage", MaxNumberOfMessages="10", **{"AttributeName.1": "All"})

    assert sent.status == 200 and sent.body.count("<SendMessageBatchResultEntry>") == 2
    assert (refused.status, refused.code) == (
        400,
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
    )
    assert received.status == 200 and {"body-1", "body-2"} <= set(
        re.findall(r"<Body>([^<]*)</Body>", received.body)
    )
