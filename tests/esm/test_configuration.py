"""The mapping's and the function's checks, worded as AWS words them (pure). Each rule names
its page: services-sqs-parameters.html, API_CreateEventSourceMapping.html,
API_ScalingConfig.html, services-sqs-configure.html, API_CreateFunction.html."""

from __future__ import annotations

from pathlib import Path

import pytest

from queuelab.esm.errors import INVALID_PARAMETER, VALIDATION, ValidationError
from queuelab.esm.function import Function
from queuelab.esm.mapping import Mapping, Queue

STANDARD = Queue("http://q/standard", "arn:aws:sqs:us-east-1:123456789012:standard", 30, False)
FIFO = Queue("http://q/f.fifo", "arn:aws:sqs:us-east-1:123456789012:f.fifo", 30, True)
FUNCTION = Function(code=Path("."), handler="app.handler")


def refused(mapping: Mapping, queue: Queue = STANDARD, function: Function = FUNCTION) -> str:
    with pytest.raises(ValidationError) as caught:
        mapping.validate(queue, function)
    return str(caught.value)


def test_the_defaults_are_awss() -> None:
    """services-sqs-parameters.html: BatchSize 10, MaximumBatchingWindowInSeconds 0;
    API_CreateFunction.html: Timeout 3, MemorySize 128."""
    mapping = Mapping()
    assert (mapping.batch_size, mapping.window, mapping.function_response_types) == (10, 0, [])
    assert (FUNCTION.timeout, FUNCTION.memory) == (3, 128)
    mapping.validate(STANDARD, FUNCTION)
    mapping.validate(FIFO, FUNCTION)


def test_batch_size_bounds() -> None:
    assert refused(Mapping(batch_size=0)) == (
        "ValidationException: 1 validation error detected: Value '0' at 'batchSize' failed to "
        "satisfy constraint: Member must have value greater than or equal to 1"
    )
    assert "less than or equal to 10000" in refused(Mapping(batch_size=10_001, window=1))
    Mapping(batch_size=10_000, window=1).validate(STANDARD, FUNCTION)


def test_over_ten_needs_a_window_of_one_second() -> None:
    """API_CreateEventSourceMapping.html, BatchSize; AWS's own sentence."""
    assert refused(Mapping(batch_size=11)) == (
        f"{INVALID_PARAMETER}: Maximum batch window in seconds must be greater than 0 if "
        "maximum batch size is greater than 10"
    )
    Mapping(batch_size=11, window=1).validate(STANDARD, FUNCTION)


def test_fifo_queues_take_ten_and_no_window() -> None:
    """services-sqs-parameters.html: "For FIFO queues, the maximum is 10"; "Batching window
    is not supported for FIFO queues"."""
    assert refused(Mapping(window=1), FIFO).endswith(
        "Batching window is not supported for FIFO queues"
    )
    assert "FIFO" in refused(Mapping(batch_size=11, window=0), FIFO)
    Mapping(batch_size=10).validate(FIFO, FUNCTION)


def test_window_bounds() -> None:
    assert "less than or equal to 300" in refused(Mapping(window=301))
    assert "greater than or equal to 0" in refused(Mapping(window=-1))
    Mapping(window=300).validate(STANDARD, FUNCTION)


@pytest.mark.parametrize(("value", "ok"), [(1, False), (2, True), (1000, True), (1001, False)])
def test_maximum_concurrency_is_2_to_1000(value: int, ok: bool) -> None:
    """API_ScalingConfig.html: MaximumConcurrency 2-1000."""
    mapping = Mapping(maximum_concurrency=value)
    if ok:
        mapping.validate(STANDARD, FUNCTION)
    else:
        assert "scalingConfig.maximumConcurrency" in refused(mapping)


def test_a_function_timeout_over_the_visibility_timeout_is_refused() -> None:
    """services-sqs-configure.html: the function's timeout must be <= the queue's visibility
    timeout, checked when the mapping is created."""
    slow = Function(code=Path("."), handler="app.handler", timeout=31)
    assert refused(Mapping(), STANDARD, slow) == (
        f"{INVALID_PARAMETER}: Queue visibility timeout: 30 seconds is less than Function "
        "timeout: 31 seconds"
    )
    Mapping().validate(STANDARD, Function(code=Path("."), handler="app.handler", timeout=30))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": 901}, "timeout"),
        ({"memory": 127}, "memorySize"),
        ({"memory": 10241}, "memorySize"),
        ({"reserved_concurrency": -1}, "reservedConcurrentExecutions"),
    ],
)
def test_function_bounds(change: dict[str, int], field: str) -> None:
    """API_CreateFunction.html: Timeout 1-900, MemorySize 128-10240."""
    function = Function(code=Path("."), handler="app.handler", **change)  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as caught:
        function.validate()
    assert caught.value.code == VALIDATION and f"at '{field}'" in str(caught.value)


def test_handler_spec() -> None:
    function = Function.from_spec("examples/lambda/python:correct.handler", timeout=5)
    assert (function.code, function.handler, function.timeout) == (
        Path("examples/lambda/python"),
        "correct.handler",
        5,
    )
    with pytest.raises(ValidationError):
        Function.from_spec("no-colon")
    with pytest.raises(ValidationError):
        Function(code=Path("."), handler="nodot").validate()


def test_the_environment_has_lambdas_variables() -> None:
    """configuration-envvars.html, "Defined runtime environment variables"; the function's
    own variables cannot replace them."""
    function = Function(
        code=Path("."),
        handler="app.handler",
        name="f",
        memory=256,
        environment={"MINE": "1", "AWS_LAMBDA_FUNCTION_NAME": "spoofed"},
    )
    env = function.variables("eu-west-1", "127.0.0.1:9001", "env-1")
    assert env["MINE"] == "1" and env["AWS_LAMBDA_FUNCTION_NAME"] == "f"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:9001"
    assert env["_HANDLER"] == "app.handler" and env["AWS_REGION"] == "eu-west-1"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert function.arn("eu-west-1", "1") == "arn:aws:lambda:eu-west-1:1:function:f"
