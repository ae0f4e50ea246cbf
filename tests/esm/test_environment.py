"""Execution environments for real: awslambdaric processes running tiny handlers against the
lab's Runtime API (runtimes-api.html), started cold, reused warm, killed at the function's
timeout (lambda-runtime-environment.html)."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from queuelab.esm import environment as e
from queuelab.esm.function import NODE, Function

HANDLERS = Path(__file__).parent / "handlers"
NODE_EXAMPLE = Path(__file__).parents[2] / "examples" / "lambda" / "node"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:test"


def event(*bodies: str) -> bytes:
    records = [{"messageId": f"m{i}", "body": b, "attributes": {}} for i, b in enumerate(bodies)]
    return json.dumps({"Records": records}).encode()


@pytest.fixture
def start(tmp_path: Path) -> Iterator[object]:
    started: list[e.Environment] = []

    def make(handler: str, **config: object) -> e.Environment:
        code = config.pop("code", HANDLERS)
        function = Function(code=code, handler=handler, name="test", **config)  # type: ignore[arg-type]
        base = {"PATH": os.environ["PATH"], "AWS_ACCESS_KEY_ID": "ql-t-test"}
        env = e.Environment(
            f"env-{len(started) + 1}", function, ARN, "us-east-1", base, tmp_path / "env.log"
        )
        started.append(env)
        return env

    yield make
    for env in started:
        env.kill("test over")


def test_cold_then_warm_in_one_process(start) -> None:  # type: ignore[no-untyped-def]
    env = start("fn.echo", timeout=3, memory=256)
    assert env.cold
    first = env.invoke("req-1", event("a"))
    assert first.ok and not env.cold
    second = env.invoke("req-2", event("a", "b"))
    one, two = json.loads(first.payload), json.loads(second.payload)
    assert one["pid"] == two["pid"] == env.process.pid and one["started"] == two["started"]
    assert (one["request_id"], two["request_id"], two["records"]) == ("req-1", "req-2", 2)
    assert 2000 < two["remaining_ms"] <= 3000  # Lambda-Runtime-Deadline-Ms: the timeout
    assert (two["function"], two["memory"], two["key"]) == ("test", "256", "ql-t-test")


def test_a_function_error_keeps_the_environment_warm(start) -> None:  # type: ignore[no-untyped-def]
    env = start("fn.act")
    result = env.invoke("req-1", event("raise"))
    assert result.kind == e.ERROR and result.error_type == "RuntimeError"
    assert "asked to fail" in result.error_message
    assert env.alive and env.invoke("req-2", event("ok")).ok


def test_a_timeout_kills_the_environment(start) -> None:  # type: ignore[no-untyped-def]
    env = start("fn.act", timeout=1)
    pid = env.process.pid
    began = time.monotonic()
    result = env.invoke("req-1", event("sleep:30"))
    assert result.kind == e.TIMEOUT and result.error_type == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in result.error_message
    assert 1.0 <= time.monotonic() - began < 3.0 and 1.0 <= result.seconds < 2.0
    assert not env.alive and env.ended == e.TIMEOUT and not psutil.pid_exists(pid)


def test_an_init_error_fails_the_invocation(start) -> None:  # type: ignore[no-untyped-def]
    env = start("broken.handler")
    result = env.invoke("req-1", event("ok"))
    assert result.kind == e.INIT_ERROR and result.error_type == "Runtime.ImportModuleError"
    assert "a dependency is missing" in result.error_message and not env.alive


def test_a_runtime_that_exits_fails_the_invocation(start) -> None:  # type: ignore[no-untyped-def]
    env = start("fn.act")
    result = env.invoke("req-1", event("exit"))
    assert result.kind == e.EXITED and result.error_type == "Runtime.ExitError"
    assert "exit status 7" in result.error_message and not env.alive


def test_outgrowing_the_memory_kills_it(start) -> None:  # type: ignore[no-untyped-def]
    env = start("fn.act", memory=128, timeout=10)
    result = env.invoke("req-1", event("hog:200"))
    assert result.kind == e.OUT_OF_MEMORY and result.error_type == "Runtime.OutOfMemory"
    assert not env.alive


def test_a_response_over_6_mb_is_a_function_error(start) -> None:  # type: ignore[no-untyped-def]
    env = start("fn.act", memory=512)
    result = env.invoke("req-1", event("big:7"))
    assert result.kind == e.ERROR and result.error_type == "Function.ResponseSizeTooLarge"


@pytest.mark.skipif(
    shutil.which("node") is None or not (NODE_EXAMPLE / e.NODE_RIC).exists(),
    reason="needs node and examples/lambda/node's aws-lambda-ric (npm ci there)",
)
def test_a_node_handler_runs_inside_aws_lambda_ric(start) -> None:  # type: ignore[no-untyped-def]
    env = start("correct.handler", code=NODE_EXAMPLE, runtime=NODE)
    body = json.dumps({"id": "x", "poison": True})
    first = env.invoke("req-1", event(body))
    assert first.ok, first
    assert json.loads(first.payload) == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    assert env.invoke("req-2", event(body)).ok and env.invocations == 2
