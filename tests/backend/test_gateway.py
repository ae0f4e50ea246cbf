"""The witness and the nemesis over real HTTP: every request of a registered run is recorded
with its caller; faults reach boto3 as AWS's errors would; a dropped answer leaves the
server's state as AWS would (a received message stays in flight); unregistered callers
pass through untouched."""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from queuelab.backend import Endpoint
from queuelab.backend.control import Control, probe
from queuelab.contract import clients, witness
from queuelab.system.waiting import wait_until


@dataclasses.dataclass
class Run:
    token: str
    witness: Path
    control: Control
    settings: clients.AwsSettings
    queue_url: str

    def client(self, process: str) -> Any:
        settings = dataclasses.replace(
            self.settings,
            access_key_id=witness.access_key(self.token, process),
            secret_access_key=witness.SECRET,
            max_attempts=1,
        )
        return clients.sqs(settings)

    def records(self) -> list[witness.Record]:
        return witness.read(self.witness)


@pytest.fixture
def run(
    endpoint: Endpoint, settings: clients.AwsSettings, sqs: Any, tmp_path: Path
) -> Iterator[Run]:
    name = f"gw-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    control = Control(endpoint.url)
    token = uuid.uuid4().hex[:8]
    control.register(token, tmp_path / witness.FILE, "", seed=1, queues=[name])
    yield Run(token, tmp_path / witness.FILE, control, settings, url)
    control.forget(token)


def test_the_embedded_server_answers_the_control_api(endpoint: Endpoint) -> None:
    assert probe(endpoint.url) is not None
    assert probe("http://127.0.0.1:9") is None  # nothing listens there


def test_every_request_of_a_run_is_witnessed_with_its_caller(run: Run) -> None:
    producer, consumer = run.client("producer"), run.client("consumer-1")
    producer.send_message(
        QueueUrl=run.queue_url,
        MessageBody="{}",
        MessageAttributes={"queuelab-id": {"DataType": "String", "StringValue": "k1"}},
    )
    [message] = consumer.receive_message(QueueUrl=run.queue_url)["Messages"]
    consumer.delete_message(QueueUrl=run.queue_url, ReceiptHandle=message["ReceiptHandle"])
    sent, received, deleted = run.records()
    assert (sent.caller, sent.op, sent.messages[0]["key"]) == ("producer", "SendMessage", "k1")
    assert received.caller == "consumer-1" and received.messages[0]["key"] == "k1"
    assert deleted.handles[0]["message_id"] == message["MessageId"] and deleted.handles[0]["ok"]


def test_unregistered_callers_are_neither_witnessed_nor_faulted(run: Run, sqs: Any) -> None:
    run.control.set_faults(run.token, "error=1")
    sqs.get_queue_attributes(QueueUrl=run.queue_url)  # the default credentials: nobody's run
    assert run.records() == []


@pytest.mark.parametrize(
    ("faults", "code"),
    [
        ("throttle=1", "RequestThrottled"),
        ("deny=1", "AccessDenied"),
    ],
)
def test_a_refusal_reaches_boto3_as_aws_s_error(run: Run, faults: str, code: str) -> None:
    run.control.set_faults(run.token, faults)
    with pytest.raises(ClientError) as caught:
        run.client("consumer-1").receive_message(QueueUrl=run.queue_url)
    assert caught.value.response["Error"]["Code"] == code
    assert run.records()[-1].fault == faults.split("=")[0]


def test_a_server_error_is_a_500_or_503_and_botocore_retries_it(run: Run) -> None:
    run.control.set_faults(run.token, "error=1")
    with pytest.raises(ClientError) as caught:
        run.client("consumer-1").receive_message(QueueUrl=run.queue_url)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] in (500, 503)


def test_a_dropped_answer_after_a_receive_leaves_the_message_in_flight(run: Run, sqs: Any) -> None:
    sqs.send_message(QueueUrl=run.queue_url, MessageBody="x")
    run.control.set_faults(run.token, "receive:ambiguous=1")
    with pytest.raises(BotoCoreError):
        run.client("consumer-1").receive_message(QueueUrl=run.queue_url)
    attributes = sqs.get_queue_attributes(QueueUrl=run.queue_url, AttributeNames=["All"])
    assert attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"
    [lost] = run.records()
    assert (lost.fault, lost.delivered, len(lost.messages)) == ("ambiguous", False, 1)


def test_a_reset_before_the_request_applies_nothing(run: Run, sqs: Any) -> None:
    run.control.set_faults(run.token, "send:reset=1")
    with pytest.raises(BotoCoreError):
        run.client("producer").send_message(QueueUrl=run.queue_url, MessageBody="x")
    attributes = sqs.get_queue_attributes(QueueUrl=run.queue_url, AttributeNames=["All"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "0"
    assert not run.records()[0].applied


def test_latency_delays_every_request_in_scope(run: Run) -> None:
    run.control.set_faults(run.token, "GetQueueAttributes:latency=300ms")
    started = time.monotonic()
    run.client("consumer-1").get_queue_attributes(QueueUrl=run.queue_url)
    assert time.monotonic() - started >= 0.3


def test_the_lab_s_own_calls_are_witnessed_but_never_faulted(run: Run) -> None:
    run.control.set_faults(run.token, "error=1")
    run.client(witness.LAB_CALLER).get_queue_attributes(QueueUrl=run.queue_url)
    assert run.records()[-1].caller == witness.LAB_CALLER and not run.records()[-1].fault


def test_aws_like_delivery_hands_a_message_out_again_and_says_so(run: Run, sqs: Any) -> None:
    sqs.send_message(QueueUrl=run.queue_url, MessageBody="x")
    run.control.set_faults(run.token, "duplicate=1")
    first = run.client("consumer-1").receive_message(QueueUrl=run.queue_url)["Messages"][0]
    second = run.client("consumer-2").receive_message(
        QueueUrl=run.queue_url, MessageSystemAttributeNames=["ApproximateReceiveCount"]
    )["Messages"][0]
    assert first["MessageId"] == second["MessageId"]  # inside a 30 s visibility timeout
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    assert run.records()[0].injected == [first["MessageId"]]


def test_aws_like_delivery_reorders_a_standard_queue(run: Run, sqs: Any) -> None:
    for i in range(10):
        sqs.send_message(QueueUrl=run.queue_url, MessageBody=str(i))
    run.control.set_faults(run.token, "reorder=1")
    consumer = run.client("consumer-1")
    bodies = [
        m["Body"]
        for _ in range(10)
        for m in consumer.receive_message(QueueUrl=run.queue_url).get("Messages", [])
    ]
    assert sorted(bodies) == [str(i) for i in range(10)] and bodies != sorted(bodies)


def test_a_receive_s_own_visibility_timeout_is_witnessed(run: Run) -> None:
    producer, consumer = run.client("producer"), run.client("consumer-1")
    producer.send_message(QueueUrl=run.queue_url, MessageBody="{}")
    consumer.receive_message(QueueUrl=run.queue_url, VisibilityTimeout=5)
    consumer.receive_message(QueueUrl=run.queue_url)  # nothing asked: the queue's own
    _, own, queue_s = run.records()
    assert (own.visibility, queue_s.visibility) == (5, None)


def test_a_long_poll_still_open_when_the_run_ends_is_witnessed_unfinished(
    endpoint: Endpoint, settings: clients.AwsSettings, sqs: Any, tmp_path: Path
) -> None:
    # Given a run whose consumer is in a long poll of 3 s on an empty queue
    name = f"gw-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    control, token = Control(endpoint.url), uuid.uuid4().hex[:8]
    control.register(token, tmp_path / witness.FILE, "", seed=1, queues=[name])
    consumer = Run(token, tmp_path / witness.FILE, control, settings, url).client("consumer-1")
    polling = threading.Thread(
        target=lambda: consumer.receive_message(QueueUrl=url, WaitTimeSeconds=3)
    )
    polling.start()
    time.sleep(1)  # a moment to reach the server (not what is judged)
    # When the run ends first
    control.forget(token)
    polling.join()
    # Then its record says it was open until then, never answered within the run; the late
    # answer is not witnessed again
    [open_poll] = witness.read(tmp_path / witness.FILE)
    assert (open_poll.op, open_poll.unfinished, open_poll.delivered) == (
        "ReceiveMessage", True, False,
    )  # fmt: skip
    assert open_poll.t1 - open_poll.t0 < 2.5


def test_the_control_api_says_whose_long_poll_is_being_served(run: Run) -> None:
    consumer = run.client("consumer-1")
    polling = threading.Thread(
        target=lambda: consumer.receive_message(QueueUrl=run.queue_url, WaitTimeSeconds=2)
    )
    polling.start()
    try:
        open_calls = wait_until(
            lambda: run.control.serving(run.token), timeout=5, what="a receive being served"
        )
    finally:
        polling.join()
    assert [(c["caller"], c["op"]) for c in open_calls] == [("consumer-1", "ReceiveMessage")]
    assert run.control.serving(run.token) == []  # answered: witnessed, no longer open
