"""A Lambda handler as a run's consumer, without processes: the spec the CLI builds (and
refuses), a function and mapping declared as one, where a crash knob finds the environment
to kill, what a slot starts, and the Lambda scenarios' measures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from queuelab.cli import app
from queuelab.contract import clients
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import FAIL, INFO, INVOKE, OK, Fn, Op
from queuelab.esm.command import Command
from queuelab.esm.deployment import Deployment
from queuelab.esm.errors import ValidationError
from queuelab.run.drivers import Consumer, ConsumerError
from queuelab.run.drivers.lambda_ import LambdaConsumer, environment_pid
from queuelab.run.lab import Lab
from queuelab.targets.outputs import Outputs, SetOutputs
from scenarios.shared import lambda_

EXAMPLES = Path(__file__).parents[2] / "examples" / "lambda" / "python"
RESOURCES = SetOutputs("http://q/queue", "arn:aws:sqs:us-east-1:1:q", "d", "arn:d", "st", "fx",
                       False, 4, 1, 2, {})  # fmt: skip


def op(t: float, type_: str, f: Fn, **value: Any) -> Op:
    return Op(t, "consumer-1", type_, f, None, value)


def test_a_handler_spec_is_a_lambda_consumer_never_ours() -> None:
    consumer = Consumer.of(handler=f"{EXAMPLES}:correct.handler")

    assert (consumer.ours, consumer.kind) == (False, "lambda")
    assert "correct.handler (python)" in consumer.describe()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"command": ["python", "x.py"]}, "not both"),
        ({"unsafe": True}, "judged on the safe expectations"),
        ({"handler": "no-colon"}, "expected PATH:module.function"),
        ({"handler": "examples:nodot"}, "expected module.function"),
        ({"handler": "/nowhere/at/all:m.f"}, "no folder"),
        ({"runtime": "ruby"}, "expected one of"),
    ],
)
def test_a_handler_that_cannot_run_is_refused_before_anything_runs(
    options: dict[str, Any], message: str
) -> None:
    arguments = {"handler": f"{EXAMPLES}:correct.handler"} | options
    with pytest.raises(ConsumerError, match=message):
        Consumer.of(**arguments)


def test_the_cli_refuses_a_handler_with_unsafe_naming_the_negative_control() -> None:
    result = CliRunner().invoke(
        app, ["run", "happy", "--unsafe", "--lambda-handler", f"{EXAMPLES}:correct.handler"]
    )
    assert result.exit_code == 2
    assert "naive.handler" in result.output


def test_a_deployment_is_a_function_and_its_mapping_checked_as_lambda_does() -> None:
    deployment = Deployment(f"{EXAMPLES}:correct.handler", timeout=3, batch_size=20, window=1,
                            maximum_concurrency=2, environment={"A": "1"})  # fmt: skip
    function = deployment.function("f", {"B": "2"})

    assert (function.code, function.handler, function.name) == (EXAMPLES, "correct.handler", "f")
    assert dict(function.environment) == {"A": "1", "B": "2"}
    assert deployment.mapping().function_response_types == ["ReportBatchItemFailures"]
    deployment.check(visibility_timeout=3)
    with pytest.raises(ValidationError, match="less than Function timeout: 3"):
        deployment.check(visibility_timeout=2)
    with pytest.raises(ValidationError, match="FIFO"):
        deployment.but(window=0, batch_size=20).check(visibility_timeout=6, fifo=True)


def test_the_environment_to_kill_is_the_one_whose_invocation_holds_the_key() -> None:
    ops = [
        op(1, OK, Fn.ENVIRONMENT, event="start", environment="env-1", pid=101),
        op(1.1, INVOKE, Fn.INVOCATION, environment="env-1", keys=["a", "b"]),
        op(1.2, OK, Fn.ENVIRONMENT, event="start", environment="env-2", pid=102),
        op(1.3, INVOKE, Fn.INVOCATION, environment="env-2", keys=["c"]),
        op(2.0, INFO, Fn.ENVIRONMENT, event="kill", environment="env-1", reason="exited"),
        op(2.1, INVOKE, Fn.INVOCATION, environment="env-2", keys=["a"]),  # back, elsewhere
    ]
    assert environment_pid(ops[:4], "a") == 101
    assert environment_pid(ops, "a") == 102
    assert environment_pid(ops, "c") == 102
    assert environment_pid(ops, "nobody") is None


class Spawned(Exception):
    """What a slot would have started."""


class Host:
    """Stands for the lab: records the one spawn and stops there."""

    run_id, token, ports = "run-1", "tok", set[int]()
    settings = clients.AwsSettings()
    resources = RESOURCES

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir

    def environment(self, name: str, extra: dict[str, str]) -> dict[str, str]:
        return {"HISTORY_PATH": str(self.run_dir / "history" / f"{name}.jsonl")} | extra

    def spawn(self, name: str, role: Any, argv: list[str], env: dict[str, str], grace: float,
              foreign: bool = False) -> Any:  # fmt: skip
        raise Spawned(name, argv, env, foreign)


def test_a_slot_is_its_own_function_and_mapping_with_the_scenarios_knobs(tmp_path: Path) -> None:
    driver = LambdaConsumer.for_handler(
        f"{EXAMPLES}:correct.handler", "python", tmp_path, "tok", clients.AwsSettings(), "", 0
    )
    try:
        with pytest.raises(Spawned) as spawned:
            driver.start(Host(tmp_path), ConsumerKnobs(max_messages=7), "consumer-1", 0)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="delete_mode='before'"):
            driver.start(Host(tmp_path), ConsumerKnobs(delete_mode="before"), "c-2", 0)  # type: ignore[arg-type]
    finally:
        driver.close()
    name, argv, env, foreign = spawned.value.args
    command = Command.parse(argv[3:], env)
    assert (name, foreign, env["QUEUE_URL"]) == ("consumer-1", False, RESOURCES.queue_url)
    assert command.function.name == "consumer-1-function"
    assert command.function.timeout == RESOURCES.visibility_timeout
    assert command.mapping.batch_size == 7 and command.mapping.report_batch_item_failures
    assert command.function.environment["SIDE_EFFECT_URL"].endswith("/tok/consumer-1")
    assert command.process_name == "consumer-1"
    assert driver.outsiders() == set()  # the slot's function is named once it started


def test_a_lambda_scenario_deploys_its_own_handler_with_the_run_table(tmp_path: Path) -> None:
    outputs = Outputs("us-east-1", "local", {"x": RESOURCES})
    lab = Lab("run-1", tmp_path, clients.AwsSettings(), outputs, RESOURCES, sqs=None)  # type: ignore[arg-type]
    started: list[tuple[list[str], dict[str, str]]] = []
    lab.spawn = lambda name, role, argv, env, grace, foreign=False: started.append((argv, env))  # type: ignore[assignment,method-assign,misc,return-value]

    lambda_.deploy(lab, lambda_.Lambda(lambda_.CORRECT, timeout=2))

    command = Command.parse(started[0][0][3:], started[0][1])
    assert command.function.environment == {
        "SIDE_EFFECTS_TABLE": RESOURCES.side_effects_table,
        "STATUS_TABLE": RESOURCES.status_table,
        "RUN_ID": "run-1",
    }
    assert command.function.handler == "correct.handler"


def test_the_invocation_measures_leave_throttles_out() -> None:
    history = [
        op(1, INVOKE, Fn.INVOCATION, environment="env-1", request_id="r1", keys=["a"]),
        op(2, OK, Fn.INVOCATION, request_id="r1", shape="documented"),
        op(2, INVOKE, Fn.INVOCATION, environment="", request_id="r2", keys=["b"]),
        op(2.1, FAIL, Fn.INVOCATION, request_id="r2", throttled_by="concurrency"),
        op(3, INVOKE, Fn.INVOCATION, environment="env-2", request_id="r3", keys=["b"]),
        op(3.5, INVOKE, Fn.INVOCATION, environment="env-1", request_id="r4", keys=["c"]),
        op(4, FAIL, Fn.INVOCATION, request_id="r3", error_type="Sandbox.Timedout"),
        op(4.5, OK, Fn.INVOCATION, request_id="r4", shape="http-wrapped"),
    ]
    assert lambda_.invoked(history) == {"invocations": 3, "function_errors": 1}
    assert lambda_.batches(history) == [["a"], ["b"], ["c"]]
    assert lambda_.shapes(history) == {"documented": 1, "http-wrapped": 1}
    assert lambda_.peak(history) == 2
    assert lambda_.error_types(history) == {"Sandbox.Timedout": 1}
