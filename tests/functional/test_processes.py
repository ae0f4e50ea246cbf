"""Real processes and signals: graceful shutdown, and nothing left behind after Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

from queuelab.backend import Endpoint
from queuelab.contract.history import INVOKE, OK, Fn, Op, read_dir
from queuelab.contract.messages import KEY_ATTRIBUTE, RUN_ATTRIBUTE
from queuelab.contract.processes import EXIT_CRASH
from queuelab.targets.session import Session


def wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def start_consumer(
    endpoint: Endpoint, session: Session, history: Path, **knobs: str
) -> subprocess.Popen[bytes]:
    resources = session.outputs["dup-graceful-shutdown"]
    env = {
        **os.environ,
        **endpoint.env(),
        **resources.env(),
        "HISTORY_PATH": str(history / "c.jsonl"),
    }
    env |= {"WAIT_TIME_SECONDS": "1", "CONSUMER_ID": "c"} | knobs
    return subprocess.Popen([sys.executable, "-m", "consumer"], env=env, stderr=subprocess.DEVNULL)


def send_one(sqs: Any, session: Session) -> None:
    sqs.purge_queue(QueueUrl=session.outputs["dup-graceful-shutdown"].queue_url)
    body = json.dumps({"id": f"m-{time.time()}", "work": 1})
    sqs.send_message(QueueUrl=session.outputs["dup-graceful-shutdown"].queue_url, MessageBody=body)


def ops(history: Path, f: Fn) -> list[Op]:
    return [op for op in read_dir(history) if op.f == f] if history.exists() else []


def test_first_sigterm_finishes_the_message_in_hand_then_exits_0(
    endpoint: Endpoint, session: Session, sqs: Any, tmp_path: Path
) -> None:
    send_one(sqs, session)
    consumer = start_consumer(endpoint, session, tmp_path, SIDE_EFFECT_DELAY_SECONDS="1.5")
    wait_for(lambda: ops(tmp_path, Fn.CLAIM))  # it holds the message and is working

    consumer.send_signal(signal.SIGTERM)

    assert consumer.wait(timeout=15) == 0
    assert [op.type for op in ops(tmp_path, Fn.SIDE_EFFECT)] == [INVOKE, OK]
    assert [op.type for op in ops(tmp_path, Fn.DELETE)] == [INVOKE, OK]


def test_second_sigterm_exits_at_once(
    endpoint: Endpoint, session: Session, sqs: Any, tmp_path: Path
) -> None:
    send_one(sqs, session)
    consumer = start_consumer(endpoint, session, tmp_path, SIDE_EFFECT_DELAY_SECONDS="30")
    wait_for(lambda: ops(tmp_path, Fn.CLAIM))

    consumer.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    consumer.send_signal(signal.SIGTERM)

    assert consumer.wait(timeout=5) == 128 + signal.SIGTERM
    assert ops(tmp_path, Fn.SIDE_EFFECT) == []


def test_a_stray_of_another_run_is_dropped_without_tripping_the_chaos_knobs(
    endpoint: Endpoint, session: Session, sqs: Any, tmp_path: Path
) -> None:
    # Given a leftover of an earlier run ahead of this run's message
    url = session.outputs["dup-graceful-shutdown"].queue_url
    sqs.purge_queue(QueueUrl=url)
    for key, run in (("old", "run-0"), ("mine", "run-1")):
        sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps({"id": key, "work": 1}),
            MessageAttributes={
                KEY_ATTRIBUTE: {"DataType": "String", "StringValue": key},
                RUN_ATTRIBUTE: {"DataType": "String", "StringValue": run},
            },
        )
    # When this run's consumer is told to crash after its first message
    consumer = start_consumer(
        endpoint, session, tmp_path, RUN_ID="run-1", CRASH_AFTER_RECEIVE="1", MAX_MESSAGES="10"
    )

    # Then the stray is deleted unprocessed and the crash hits this run's message
    assert consumer.wait(timeout=15) == EXIT_CRASH
    assert [op.key for op in ops(tmp_path, Fn.STRAY)] == ["old"]
    assert [op.key for op in ops(tmp_path, Fn.CRASH)] == ["mine"]
    assert [op.key for op in ops(tmp_path, Fn.DELETE) if op.type == OK] == ["old"]


def test_an_idle_timeout_is_not_overshot_by_a_long_poll(
    endpoint: Endpoint, session: Session, sqs: Any, tmp_path: Path
) -> None:
    sqs.purge_queue(QueueUrl=session.outputs["dup-graceful-shutdown"].queue_url)
    consumer = start_consumer(
        endpoint, session, tmp_path, WAIT_TIME_SECONDS="20", IDLE_TIMEOUT_SECONDS="1"
    )
    # a whole 20 s poll would blow this generous bound
    assert consumer.wait(timeout=12) == 0


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def test_ctrl_c_during_a_run_leaves_no_process_behind(tmp_path: Path) -> None:
    run = subprocess.Popen(
        [sys.executable, "-m", "queuelab", "run", "dup"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    # Wait until the server and the three consumers are up and working.
    wait_for(lambda: len(descendants(run.pid)) >= 4, timeout=30)
    spawned = descendants(run.pid)

    os.killpg(run.pid, signal.SIGINT)  # what a terminal's Ctrl-C does

    assert run.wait(timeout=30) == 130
    _, alive = psutil.wait_procs(spawned, timeout=10)
    assert alive == [], f"left behind: {[p.cmdline() for p in alive]}"
    assert run.stderr is not None and "interrupted" in run.stderr.read().decode()
