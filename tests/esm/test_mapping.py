"""The event source mapping for real: ``python -m queuelab.esm`` polling a queue of the
embedded server and invoking handlers inside awslambdaric. Each test names the AWS page of
the rule it checks."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from esm_processes import Running, Start

from queuelab.backend import Endpoint
from queuelab.backend.control import Control
from queuelab.check.witness import summarize
from queuelab.contract import witness
from queuelab.contract.history import FAIL, INFO, INVOKE, OK, Fn
from queuelab.contract.messages import RUN_ATTRIBUTE
from queuelab.esm.mapping import Mapping
from queuelab.system.waiting import wait_until

Queue = Callable[..., str]


def send(sqs: Any, url: str, bodies: list[str], **extra: Any) -> list[str]:
    ids = []
    for body in bodies:
        ids.append(sqs.send_message(QueueUrl=url, MessageBody=body, **extra)["MessageId"])
    return ids


def depth(sqs: Any, url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[n]) for n in names)


def drained(sqs: Any, url: str, esm: Running, count: int, timeout: float = 30) -> None:
    wait_until(lambda: depth(sqs, url) == 0 and len(esm.invoked()) >= count, timeout, "drain")


def test_a_successful_batch_is_deleted(sqs: Any, queue: Queue, start_esm: Start) -> None:
    """with-sqs.html: one invocation per batch of up to 10; a successful batch is deleted.
    The history says so as the lab's processes do (receive, invocation, delete)."""
    url = queue()
    ids = send(sqs, url, [f"m{i}" for i in range(25)])
    esm = start_esm(url, "batches.ok")
    drained(sqs, url, esm, 25)
    assert sorted(line["id"] for line in esm.invoked()) == sorted(ids)
    assert esm.stop() == 0
    invocations = esm.ops(Fn.INVOCATION, OK)
    assert all(op.value["shape"] == "feature-off" for op in invocations)
    assert sorted(i for op in invocations for i in op.value["deleted"]) == sorted(ids)
    assert {op.value["message_id"] for op in esm.ops(Fn.DELETE, OK)} == set(ids)
    received = [m for op in esm.ops(Fn.RECEIVE, OK) for m in op.value["messages"]]
    assert {m["message_id"] for m in received} == set(ids)
    assert max(len(op.value["message_ids"]) for op in esm.ops(Fn.INVOCATION, INVOKE)) <= 10
    starts = esm.ops(Fn.ENVIRONMENT, OK)
    assert starts and all(op.value["event"] == "start" for op in starts)
    assert {op.value["reason"] for op in esm.ops(Fn.ENVIRONMENT, INFO)} == {"stop"}


def test_every_record_field_is_there(sqs: Any, queue: Queue, start_esm: Start) -> None:
    """with-sqs.html's example events, standard and FIFO."""
    standard, fifo = queue(), queue(fifo=True)
    send(
        sqs,
        standard,
        ["hello"],
        MessageAttributes={RUN_ATTRIBUTE: {"DataType": "String", "StringValue": "run-1"}},
    )
    send(sqs, fifo, ["hi"], MessageGroupId="g1")
    for url, fifo_queue in ((standard, False), (fifo, True)):
        esm = start_esm(url, "batches.events")
        wait_until(lambda esm=esm: esm.invoked(), 20, "an invocation")
        esm.stop()
        record = esm.invoked()[0]["Records"][0]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn
        assert record["awsRegion"] == arn.split(":")[3]
        assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()
        attributes = record["attributes"]
        for name in (
            "ApproximateReceiveCount",
            "SentTimestamp",
            "SenderId",
            "ApproximateFirstReceiveTimestamp",
        ):
            assert attributes[name], name
        assert attributes["ApproximateReceiveCount"] == "1"
        fifo_fields = {"MessageGroupId", "SequenceNumber", "MessageDeduplicationId"}
        assert fifo_fields <= set(attributes) if fifo_queue else not fifo_fields & set(attributes)
        if not fifo_queue:
            assert record["messageAttributes"][RUN_ATTRIBUTE]["stringValue"] == "run-1"
            assert record["md5OfMessageAttributes"]


def test_a_function_error_returns_the_whole_batch(sqs: Any, queue: Queue, start_esm: Start) -> None:
    """services-sqs-errorhandling.html: the whole batch becomes visible again after the
    visibility timeout (2 s), the messages that were fine included."""
    url = queue(visibility=2)
    ids = send(sqs, url, ["fine", "flaky", "fine too"])
    esm = start_esm(url, "batches.flaky", mapping=Mapping(batch_size=10))
    wait_until(lambda: depth(sqs, url) == 0, 30, "drain")
    esm.stop()
    failed = esm.ops(Fn.INVOCATION, FAIL)
    assert failed and failed[0].value["error_type"] == "RuntimeError"
    assert set(failed[0].value["returned"]) <= set(ids)
    counts = {}
    for line in esm.invoked():
        counts.setdefault(line["id"], []).append(line["count"])
    assert all(counts[i][-1] >= 2 for i in failed[0].value["returned"])  # every one came back
    retried = [line for line in esm.invoked() if line["count"] == 2]
    # the lease started with the receive that handed the batch out, not with the invocation
    # (a cold start on a busy machine comes later)
    first = min(op.time for op in esm.ops(Fn.RECEIVE, OK) if op.value.get("messages"))
    assert min(line["t"] for line in retried) - first >= 1.5  # after the visibility timeout


def test_partial_batch_responses(sqs: Any, queue: Queue, start_esm: Start) -> None:
    """services-sqs-errorhandling.html: with ReportBatchItemFailures only the reported
    messages come back; the others are deleted once."""
    url = queue(visibility=2)
    send(sqs, url, ["good-1", "bad-1", "good-2", "bad-2"])
    esm = start_esm(url, "batches.report", mapping=Mapping(report_batch_item_failures=True))
    drained(sqs, url, esm, 4)
    esm.stop()
    done = [line["body"] for line in esm.invoked()]
    assert sorted(done) == ["bad-1", "bad-2", "good-1", "good-2"]  # each once
    shapes = {op.value["shape"] for op in esm.ops(Fn.INVOCATION, OK)}
    assert shapes == {"documented"}
    assert any(op.value["returned"] for op in esm.ops(Fn.INVOCATION, OK))


def test_a_malformed_partial_response_fails_the_batch(
    sqs: Any, queue: Queue, start_esm: Start
) -> None:
    """services-sqs-errorhandling.html: an itemIdentifier that is not in the batch fails the
    whole batch; with the feature off the same response is ignored (deleted)."""
    response = json.dumps({"batchItemFailures": [{"itemIdentifier": "not-a-message-id"}]})
    url = queue(visibility=30)
    send(sqs, url, ["one", "two"])
    esm = start_esm(
        url,
        "batches.respond",
        env={"RESPONSE": response},
        mapping=Mapping(report_batch_item_failures=True),
    )
    wait_until(lambda: esm.ops(Fn.INVOCATION, OK), 20, "an invocation")
    esm.stop()
    verdict = esm.ops(Fn.INVOCATION, OK)[0].value
    assert verdict["shape"] == "unknown-id" and verdict["deleted"] == []
    assert depth(sqs, url) == 2 and not esm.ops(Fn.DELETE)

    url = queue(visibility=30, DelaySeconds="0")
    send(sqs, url, ["one", "two"])
    esm = start_esm(url, "batches.respond", env={"RESPONSE": response})
    drained(sqs, url, esm, 2)
    esm.stop()
    assert esm.ops(Fn.INVOCATION, OK)[0].value["shape"] == "feature-off"


def test_a_timeout_kills_the_environment_and_returns_the_batch(
    sqs: Any, queue: Queue, start_esm: Start
) -> None:
    """lambda-runtime-environment.html, services-sqs-errorhandling.html: the invocation ends
    at the function's timeout, the environment is reset (the next start is cold), the batch
    comes back."""
    url = queue(visibility=2)
    send(sqs, url, ["sleep:30"])
    esm = start_esm(url, "fn.act", timeout=1)
    wait_until(lambda: len(esm.ops(Fn.INVOCATION, FAIL)) >= 2, 30, "two timeouts")
    esm.stop()
    fails = esm.ops(Fn.INVOCATION, FAIL)
    assert {op.value["error_type"] for op in fails} == {"Sandbox.Timedout"}
    kills = [op.value for op in esm.ops(Fn.ENVIRONMENT, INFO) if op.value["reason"] == "timeout"]
    starts = [op.value["environment"] for op in esm.ops(Fn.ENVIRONMENT, OK)]
    assert len(kills) >= 2 and len(starts) >= 2 and len(set(starts)) == len(starts)


def test_throttled_invocations_return_after_the_visibility_timeout(
    sqs: Any, queue: Queue, start_esm: Start
) -> None:
    """services-sqs-errorhandling.html: throttled invocations are retried until the
    visibility timeout, then the message returns to the queue; the mapping reads whatever
    the function's reserved concurrency (here 0)."""
    url = queue(visibility=2)
    send(sqs, url, ["m"])
    esm = start_esm(url, "batches.ok", reserved_concurrency=0)
    wait_until(lambda: len(esm.ops(Fn.LEAVE)) >= 2, 30, "two give-ups")
    esm.stop()
    throttles = esm.ops(Fn.INVOCATION, FAIL)
    assert throttles and {op.value["error_type"] for op in throttles} == {
        "TooManyRequestsException"
    }
    assert {op.value["throttled_by"] for op in throttles} == {"concurrency"}
    counts = [m["receive_count"] for op in esm.ops(Fn.RECEIVE, OK) for m in op.value["messages"]]
    assert counts[:2] == [1, 2]  # it came back after the visibility timeout
    assert not esm.invoked() and not esm.ops(Fn.ENVIRONMENT)


@pytest.mark.parametrize(
    ("faults", "error_type"),
    [
        ("Invoke:error=1", "queuelab.InjectedError"),
        ("lambda:throttle=1", "TooManyRequestsException"),
    ],
)
def test_the_nemesis_throttles_and_fails_invocations(
    sqs: Any, queue: Queue, start_esm: Start, faults: str, error_type: str
) -> None:
    """queuelab.contract.faults applied to invocations (operation Invoke, group lambda); an
    unscoped SQS fault would apply too, an SQS-scoped one does not."""
    url = queue(visibility=30)
    send(sqs, url, ["a", "b"])
    esm = start_esm(url, "batches.ok", faults=f"sqs:latency=1ms,{faults}", seed=3)
    wait_until(lambda: esm.ops(Fn.INVOCATION, FAIL), 20, "a failed invocation")
    esm.stop()
    failed = esm.ops(Fn.INVOCATION, FAIL)[0].value
    assert failed["error_type"] == error_type
    assert failed.get("throttled_by", "fault") == "fault"
    assert not esm.invoked()


@pytest.mark.slow
def test_maximum_concurrency_is_enforced(sqs: Any, queue: Queue, start_esm: Start) -> None:
    """API_ScalingConfig.html: at most MaximumConcurrency batches at once; without it, five
    to start (services-sqs-scaling.html), not one batch at a time."""
    for maximum, expected in ((2, 2), (None, 5)):
        url = queue(visibility=30)
        send(sqs, url, [f"m{i}" for i in range(40)])
        esm = start_esm(
            url,
            "batches.slow",
            mapping=Mapping(batch_size=1, maximum_concurrency=maximum),
            env={"SLOW_SECONDS": "0.4"},
        )
        ends = 15 if maximum else 40  # the default ramp: the whole backlog, cold starts and all
        wait_until(
            lambda esm=esm, ends=ends: sum(x["phase"] == "end" for x in esm.invoked()) >= ends,
            60,
            f"{ends} batches",
        )
        esm.stop()
        events = sorted((x["t"], 1 if x["phase"] == "start" else -1) for x in esm.invoked())
        level = peak = 0
        for _, step in events:
            level += step
            peak = max(peak, level)
        assert peak == expected if maximum else peak >= expected, (maximum, peak)


def test_a_function_timeout_over_the_visibility_timeout_is_refused(
    sqs: Any, queue: Queue, start_esm: Start
) -> None:
    """services-sqs-configure.html: refused when the mapping is created; nothing is read."""
    url = queue(visibility=2)
    send(sqs, url, ["m"])
    esm = start_esm(url, "batches.ok", timeout=3)
    assert esm.popen.wait(timeout=30) == 2
    assert (
        "Queue visibility timeout: 2 seconds is less than Function timeout: 3 seconds"
        in esm.log.read_text()
    )
    assert not esm.ops() and depth(sqs, url) == 1


def test_fifo_order_holds_through_a_retry(sqs: Any, queue: Queue, start_esm: Start) -> None:
    """services-sqs-scaling.html: a group's later messages wait until its retries finish;
    services-sqs-errorhandling.html: a FIFO handler reports its failure and all after it."""
    url = queue(visibility=2, fifo=True)
    for group in ("a", "b"):
        send(
            sqs,
            url,
            [
                f"{group}1",
                f"flaky-{group}2" if group == "a" else f"{group}2",
                f"{group}3",
                f"{group}4",
            ],
            MessageGroupId=group,
        )
    esm = start_esm(url, "batches.fifo", mapping=Mapping(report_batch_item_failures=True))
    drained(sqs, url, esm, 8)
    esm.stop()
    order = [line["body"] for line in esm.invoked()]
    assert [b for b in order if "a" in b] == ["a1", "flaky-a2", "a3", "a4"]
    assert [b for b in order if "b" in b] == ["b1", "b2", "b3", "b4"]
    assert all(op.value["overtaken"] == [] for op in esm.ops(Fn.INVOCATION, OK))


def test_fifo_overtaking_is_recorded(sqs: Any, queue: Queue, start_esm: Start) -> None:
    """A FIFO handler that reports only its failure: the group's later messages of the batch
    are deleted before it (the mapping does what the response says) and the history names
    them."""
    url = queue(visibility=2, fifo=True)
    send(sqs, url, ["a1", "flaky-a2", "a3"], MessageGroupId="a")
    esm = start_esm(
        url, "batches.fifo_only_failed", mapping=Mapping(report_batch_item_failures=True)
    )
    drained(sqs, url, esm, 3)
    esm.stop()
    assert [line["body"] for line in esm.invoked()] == ["a1", "a3", "flaky-a2"]
    assert any(op.value["overtaken"] for op in esm.ops(Fn.INVOCATION, OK))


def test_a_window_gathers_a_batch_over_ten(sqs: Any, queue: Queue, start_esm: Start) -> None:
    """services-sqs-parameters.html / API_CreateEventSourceMapping.html: over 10 with a
    window; the batch goes when the window ends."""
    url = queue(visibility=30)
    send(sqs, url, [f"m{i}" for i in range(25)])
    esm = start_esm(
        url, "batches.ok", mapping=Mapping(batch_size=100, window=2, maximum_concurrency=2)
    )
    drained(sqs, url, esm, 25)
    esm.stop()
    sizes = sorted(len(op.value["message_ids"]) for op in esm.ops(Fn.INVOCATION, INVOKE))
    assert sum(sizes) == 25 and sizes[-1] > 10


def test_other_runs_messages_are_filtered_out(sqs: Any, queue: Queue, start_esm: Start) -> None:
    """invocation-eventfiltering.html: messages that match no filter are deleted; the lab's
    filter is its run."""
    url = queue()
    stray = {RUN_ATTRIBUTE: {"DataType": "String", "StringValue": "another-run"}}
    send(sqs, url, ["old"], MessageAttributes=stray)
    send(sqs, url, ["mine"])
    esm = start_esm(url, "batches.ok")
    drained(sqs, url, esm, 1)
    esm.stop()
    assert [line["body"] for line in esm.invoked()] == ["mine"]
    assert len(esm.ops(Fn.STRAY)) == 1


def test_its_history_agrees_with_the_witness(
    sqs: Any, queue: Queue, start_esm: Start, endpoint: Endpoint, tmp_path: Path
) -> None:
    """The mapping signs with its own key (``ql-<token>-esm``): every receive and delete the
    endpoint served is in its history, and nothing in its history was not served, with the
    nemesis throttling a fifth of its SQS calls (queuelab.check.witness)."""
    url = queue(visibility=2)
    token = uuid.uuid4().hex[:8]
    control = Control(endpoint.url)
    control.register(
        token, tmp_path / witness.FILE, "sqs:throttle=0.2", seed=5, queues=[url.rsplit("/", 1)[1]]
    )
    try:
        send(sqs, url, [f"m{i}" for i in range(30)] + ["flaky"])
        esm = start_esm(url, "batches.flaky", token=token)
        drained(sqs, url, esm, 31)
        assert esm.stop() == 0
    finally:
        control.forget(token)
    records = witness.read(tmp_path / witness.FILE)
    summary = summarize(records, esm.ops())
    assert (summary.unconfirmed, summary.unrecorded) == (0, 0), summary.samples
    assert summary.faults_injected > 0 and {r.caller for r in records} == {"esm"}
