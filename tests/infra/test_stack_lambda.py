"""The Lambda scenarios' functions in the Pulumi program (infra/lambda_.py), under mocks: each
is built from its handler's folder with the scenario's settings, a least-privilege role, its
log group and its event source mapping, tagged; a function whose timeout exceeds its queue's
visibility timeout is refused before anything is created."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest
from test_stack import (
    BASE_CONFIG,
    DEFAULT_PREFIX,
    ESM,
    FUNCTION,
    LOG_GROUP,
    PLAN,
    ROLE,
    ROLE_POLICY,
    STACK,
    TABLE,
    Recorded,
    RecordingMocks,
    Run,
    run_program,
)

from infra import lambda_ as infra_lambda
from infra import stack as infra_stack
from queuelab.targets import plan as planmod
from scenarios.shared.lambda_ import deployments

DEPLOYED = deployments()
SETS = [item for item in PLAN if item.key in DEPLOYED]


@pytest.fixture(scope="module")
def run() -> Run:
    return run_program(BASE_CONFIG)


def one(run: Run, type_: str, **inputs: Any) -> Recorded:
    found = [r for r in run.of_type(type_) if all(r.inputs.get(k) == v for k, v in inputs.items())]
    assert len(found) == 1, f"{len(found)} {type_} with {inputs}"
    return found[0]


def policy_of(recorded: Recorded) -> dict[str, Any]:
    """The role policy, checked to be a real document naming real ARNs (an unknown value
    fails it)."""
    raw = recorded.inputs.get("policy")
    assert isinstance(raw, str), f"{recorded.name}: the policy is not a known value: {raw!r}"
    document: dict[str, Any] = json.loads(raw)
    for statement in document["Statement"]:
        resources = statement["Resource"]
        for arn in resources if isinstance(resources, list) else [resources]:
            assert isinstance(arn, str) and arn.startswith("arn:aws:") and "None" not in arn, (
                f"{recorded.name}: {statement['Sid']} names no ARN: {arn!r}"
            )
    return document


def test_every_lambda_scenario_has_a_function_role_policy_log_group_and_mapping(run: Run) -> None:
    assert {"lambda-partial-batch", "lambda-timeout-in-progress"} <= set(DEPLOYED)
    for item in SETS:
        name = f"{DEFAULT_PREFIX}-{item.key}"
        function = one(run, FUNCTION, name=name)
        role = one(run, ROLE, name=f"{name}-role")
        logs = one(run, LOG_GROUP, name=f"/aws/lambda/{name}")
        esm = one(run, ESM, functionName=function.state["arn"])
        policy = one(run, ROLE_POLICY, role=f"{name}-role-id")
        expected_tags = planmod.tags(item.key, STACK)
        for resource in (function, role, logs, esm):
            assert resource.inputs["tags"] == expected_tags, resource.name
        assert function.inputs["role"] == role.state["arn"]
        assert logs.inputs["retentionInDays"] == infra_lambda.LOG_RETENTION_DAYS
        assert policy_of(policy)["Statement"]


def test_the_function_is_the_handlers_folder_with_the_scenarios_settings(run: Run) -> None:
    for item in SETS:
        declared = DEPLOYED[item.key]
        function = one(run, FUNCTION, name=f"{DEFAULT_PREFIX}-{item.key}")
        inputs = function.inputs
        assert isinstance(inputs["code"], pulumi.FileArchive)
        assert Path(inputs["code"].path) == declared.code
        assert (inputs["handler"], inputs["runtime"]) == (declared.entry, "python3.11")
        assert (inputs["timeout"], inputs["memorySize"]) == (declared.timeout, declared.memory)
        reserved = declared.reserved_concurrency
        assert inputs["reservedConcurrentExecutions"] == (-1 if reserved is None else reserved)
        assert inputs["environment"]["variables"] == {
            "STATUS_TABLE": item.status_table(DEFAULT_PREFIX),
            "SIDE_EFFECTS_TABLE": item.side_effects_table(DEFAULT_PREFIX),
        }


def test_the_role_can_do_only_what_the_function_and_its_mapping_need(run: Run) -> None:
    for item in SETS:
        name = f"{DEFAULT_PREFIX}-{item.key}"
        role = one(run, ROLE, name=f"{name}-role")
        trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert trust == [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                          "Action": "sts:AssumeRole"}]  # fmt: skip
        statements = policy_of(one(run, ROLE_POLICY, role=f"{name}-role-id"))["Statement"]
        queue = run.queue(item, DEFAULT_PREFIX).state["arn"]
        tables = sorted(
            run.named(TABLE, t).state["arn"]
            for t in (item.status_table(DEFAULT_PREFIX), item.side_effects_table(DEFAULT_PREFIX))
        )
        logs = one(run, LOG_GROUP, name=f"/aws/lambda/{name}").state["arn"]
        assert {s["Sid"]: (s["Action"], s["Resource"]) for s in statements} == {
            "ItsQueue": (list(infra_lambda.QUEUE_ACTIONS), queue),
            "ItsTables": (list(infra_lambda.TABLE_ACTIONS), tables),
            "ItsLogs": (list(infra_lambda.LOG_ACTIONS), f"{logs}:*"),
        }
        assert all(s["Effect"] == "Allow" and "*" not in s["Action"] for s in statements)


def test_the_policy_check_fails_when_an_arn_is_unknown() -> None:
    run = run_program(BASE_CONFIG, mocks=RecordingMocks(withhold_arns=True))
    name = f"{DEFAULT_PREFIX}-{SETS[0].key}"
    with pytest.raises(AssertionError, match="names no ARN"):
        policy_of(one(run, ROLE_POLICY, role=f"{name}-role-id"))


def test_the_mapping_reads_its_own_queue_with_the_scenarios_settings(run: Run) -> None:
    for item in SETS:
        declared = DEPLOYED[item.key]
        function = one(run, FUNCTION, name=f"{DEFAULT_PREFIX}-{item.key}")
        esm = one(run, ESM, functionName=function.state["arn"]).inputs
        assert esm["eventSourceArn"] == run.queue(item, DEFAULT_PREFIX).state["arn"]
        assert esm["batchSize"] == declared.batch_size
        assert esm["maximumBatchingWindowInSeconds"] == declared.window
        expected = ["ReportBatchItemFailures"] if declared.report_batch_item_failures else []
        assert esm.get("functionResponseTypes", []) == expected
        cap = declared.maximum_concurrency
        assert esm.get("scalingConfig") == ({"maximumConcurrency": cap} if cap else None)


def test_each_function_fits_its_queues_visibility_timeout(run: Run) -> None:
    for item in SETS:
        function = one(run, FUNCTION, name=f"{DEFAULT_PREFIX}-{item.key}")
        assert function.inputs["timeout"] <= item.visibility_timeout, item.key


def test_a_visibility_timeout_below_a_functions_timeout_is_refused_before_anything() -> None:
    mocks = RecordingMocks()
    with pytest.raises(infra_stack.ConfigError, match="less than Function timeout"):
        run_program(BASE_CONFIG | {"queuelab:visibilityTimeout": "1"}, mocks=mocks)
    assert mocks.resources == []


def test_your_handler_can_replace_the_examples() -> None:
    mine = f"{Path(__file__).parent}:mine.handler"
    run = run_program(BASE_CONFIG | {"queuelab:lambdaHandler": mine})
    for item in SETS:
        function = one(run, FUNCTION, name=f"{DEFAULT_PREFIX}-{item.key}")
        assert function.inputs["handler"] == "mine.handler"
        assert Path(function.inputs["code"].path) == Path(__file__).parent
