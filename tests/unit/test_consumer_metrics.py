"""The consumer's metrics count what its history records; /readyz waits for the queue;
``LOG_FORMAT=json`` writes one JSON object per line."""

from __future__ import annotations

import json
import logging
import urllib.error
from collections.abc import Iterator

import pytest

from consumer.logs import JsonFormatter
from consumer.metrics import Metrics
from queuelab.contract.history import Fn, History
from queuelab.run.sampler import NO_PROXY, scrape


@pytest.fixture
def served() -> Iterator[tuple[Metrics, History, str]]:
    metrics = Metrics("consumer-1")
    history = History(None, "consumer-1")  # no file: the observer still sees every operation
    history.watch(metrics.observe)
    server = metrics.serve("127.0.0.1", 0)
    try:
        yield metrics, history, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def status(url: str) -> int:
    try:
        with NO_PROXY.open(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return err.code


def test_ready_only_once_a_receive_reached_the_queue(served: tuple[Metrics, History, str]) -> None:
    _, history, url = served
    assert status(url + "/livez") == 200 and status(url + "/readyz") == 503
    history.ok(Fn.RECEIVE, messages=[])
    assert status(url + "/readyz") == 200


def test_the_counters_are_the_recorded_operations(served: tuple[Metrics, History, str]) -> None:
    _, history, url = served
    two = [{"key": "a", "message_id": "1"}, {"key": "b", "message_id": "2"}]
    history.ok(Fn.RECEIVE, messages=two)
    history.ok(Fn.SIDE_EFFECT, "a", subject="a")
    history.invoke(Fn.DELETE, "a")
    history.ok(Fn.DELETE, "a")
    history.ok(Fn.REJECT, "b", reason="poison")
    history.ok(Fn.SKIP, "b", reason="done before")
    history.info(Fn.CRASH, "b", point="after receive")
    values = scrape(url + "/metrics")
    assert values["messages_received"] == 2
    assert values["messages_processed"] == 1 and values["messages_deleted"] == 1
    assert values["messages_rejected"] == 1 and values["messages_skipped"] == 1
    assert values["crashes"] == 1
    assert values["messages_in_flight"] == 2  # nothing acknowledged them (no middleware here)


def test_json_logs_are_one_object_per_line() -> None:
    record = logging.LogRecord("consumer", logging.WARNING, "x", 1, "rejecting %s", ("m1",), None)
    line = json.loads(JsonFormatter("consumer-1").format(record))
    assert line["level"] == "WARNING" and line["consumer"] == "consumer-1"
    assert line["message"] == "rejecting m1" and line["time"].endswith("+00:00")
