"""The direct path to moto's SQS and DynamoDB response classes answers exactly as moto's
stock routing through Flask does: the same calls, replayed from the same state with the same
random seed, get the same status, headers and body on both paths."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from moto.moto_api._internal import mock_random
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.test import EnvironBuilder

from queuelab.backend.speed.dispatch import Dispatcher

Answer = tuple[str, list[tuple[str, str]], bytes]
# Timestamps differ between the two runs; nothing else may.
_CLOCK = re.compile(rb'("(?:CreatedTimestamp|LastModifiedTimestamp|CreationDateTime)": )"?[\d.]+"?')
SIGNED = "AWS4-HMAC-SHA256 Credential=testing/20240101/eu-west-1/{}/aws4_request, S=x"


def call(app: Callable[..., Any], environ: dict[str, Any]) -> Answer:
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started["status"], started["headers"] = status, headers
        return lambda data: None

    body = b"".join(app(environ, start_response))
    return started["status"], list(started["headers"]), body


def environ_of(request: AWSPreparedRequest) -> dict[str, Any]:
    url = urlsplit(request.url)
    headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
    body = request.body or b""
    data = body.encode() if isinstance(body, str) else body
    builder = EnvironBuilder(
        path=url.path or "/", base_url=f"{url.scheme}://{url.netloc}", method=request.method,
        query_string=url.query, headers=headers, data=data,
    )  # fmt: skip
    return builder.get_environ()  # type: ignore[no-any-return]


class Replayer:
    """boto3 clients whose requests are served in-process by one WSGI app; every answer is
    kept."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.answers: list[Answer] = []

    def client(self, service: str) -> Any:
        client = boto3.client(
            service, endpoint_url="http://127.0.0.1:9", region_name="eu-west-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )  # fmt: skip
        client.meta.events.register("before-send", self.send)
        return client

    def send(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        status, headers, body = call(self.app, environ_of(request))
        assert dict(headers)["Content-Length"] == str(len(body))
        # The checksum and the length cover the clock's digits too.
        masked = [(k, "" if k in ("x-amz-crc32", "Content-Length") else v) for k, v in headers]
        self.answers.append((status, masked, _CLOCK.sub(rb"\1 0", body)))
        raw = _Raw(body)
        return AWSResponse(request.url, int(status.split()[0]), dict(headers), raw)


class _Raw(io.BytesIO):
    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.getvalue()


def scenario(replayer: Replayer) -> None:
    """What the lab's clients do, and the errors they meet."""
    sqs, ddb = replayer.client("sqs"), replayer.client("dynamodb")
    url = sqs.create_queue(QueueName="d", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    attributes = {"k": {"DataType": "String", "StringValue": "v"}}
    sqs.send_message(QueueUrl=url, MessageBody="hello", MessageAttributes=attributes)
    entries = [{"Id": "a", "MessageBody": "1"}, {"Id": "b", "MessageBody": "", "DelaySeconds": 901}]
    sqs.send_message_batch(QueueUrl=url, Entries=entries)  # "b" fails: per-entry Failed
    handle = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=handle["ReceiptHandle"], VisibilityTimeout=0
    )
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle["ReceiptHandle"])
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName="missing")
    ddb.create_table(
        TableName="t", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )  # fmt: skip
    put = {"TableName": "t", "Item": {"id": {"S": "1"}, "n": {"N": "2"}},
           "ConditionExpression": "attribute_not_exists(id)"}  # fmt: skip
    ddb.put_item(**put)
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.put_item(**put, ReturnValuesOnConditionCheckFailure="ALL_OLD")
    ddb.get_item(TableName="t", Key={"id": {"S": "1"}}, ConsistentRead=True)
    ddb.get_item(TableName="t", Key={"id": {"S": "none"}})
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.get_item(TableName="missing", Key={"id": {"S": "1"}})


def run(app: Callable[..., Any]) -> list[Answer]:
    reset = EnvironBuilder(path="/moto-api/reset", method="POST").get_environ()
    call(app, reset)
    mock_random.seed(1234)
    replayer = Replayer(app)
    scenario(replayer)
    return replayer.answers


def test_the_direct_path_answers_exactly_as_moto_s_flask_path() -> None:
    stock = run(DomainDispatcherApplication(create_backend_app))
    direct_app = Dispatcher(create_backend_app)
    direct = run(direct_app)
    assert set(direct_app.handlers) == {"sqs", "dynamodb"}  # the direct path did serve them
    assert len(direct) == len(stock) == 14
    for mine, theirs in zip(direct, stock, strict=True):
        assert mine == theirs


@pytest.mark.parametrize(
    "change",
    [
        {"REQUEST_METHOD": "GET"},
        {"PATH_INFO": "/123456789012/d"},
        {"HTTP_ORIGIN": "http://localhost"},
        {"HTTP_X_AMZ_TARGET": "DynamoDBStreams_20120810.ListStreams"},
        {"HTTP_AUTHORIZATION": SIGNED.format("sns")},
        {"HTTP_AUTHORIZATION": ""},
    ],
)  # fmt: skip
def test_requests_the_direct_path_does_not_know_take_moto_s_path(change: dict[str, str]) -> None:
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "HTTP_X_AMZ_TARGET": "AmazonSQS.ListQueues",
        "HTTP_AUTHORIZATION": SIGNED.format("sqs"),
    }  # fmt: skip
    app = Dispatcher(create_backend_app)
    assert app.direct_handler(environ) is not None
    assert app.direct_handler({**environ, **change}) is None


def test_moto_s_service_lookup_is_made_once_per_host(monkeypatch: pytest.MonkeyPatch) -> None:
    looked: list[str | None] = []
    original = DomainDispatcherApplication.get_backend_for_host

    def counting(self: Any, host: str | None) -> Any:
        looked.append(host)
        return original(self, host)

    monkeypatch.setattr(DomainDispatcherApplication, "get_backend_for_host", counting)
    app = Dispatcher(create_backend_app)
    for _ in range(3):
        assert app.get_backend_for_host("sqs.eu-west-1.amazonaws.com") == "sqs"
    assert looked == ["sqs.eu-west-1.amazonaws.com"]
