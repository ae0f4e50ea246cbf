"""A Lambda scenario's function on AWS, with what it needs and nothing more: built from the
handler's folder, its execution role (least privilege: receive, delete, change visibility
and read the attributes of its own queue, as the event source mapping needs
(with-sqs.html, "Execution role permissions"); read and write its own tables; write its own
log group), its log group, and the event source mapping with the scenario's settings. Every
resource is tagged like the rest of the stack and goes with it.

AWS cannot reach the lab's loopback side-effect endpoint: the function writes its side
effects to the set's side-effects table (``$SIDE_EFFECTS_TABLE``), which the ledger reads.
A function whose timeout exceeds its queue's visibility timeout is refused here, before
anything is created, as CreateEventSourceMapping would refuse it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from queuelab.esm.deployment import AWS_RUNTIME, Deployment
from queuelab.esm.errors import ValidationError
from queuelab.targets.plan import ResourceSet

LOG_RETENTION_DAYS = 7
QUEUE_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
)
TABLE_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
ASSUME_ROLE = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


class RuleError(ValueError):
    """A function AWS would refuse for its queue (the stack's ConfigError wraps it)."""


def function_name(item: ResourceSet, prefix: str) -> str:
    """A Lambda scenario's function (and the stem of its role and log group)."""
    return f"{prefix}-{item.key}"


def checked(
    items: Iterable[ResourceSet], functions: Mapping[str, Deployment]
) -> dict[str, Deployment]:
    """The plan's functions by set, each checked against its queue (``RuleError``)."""
    found = {}
    for item in items:
        if item.key in functions:
            check(item, functions[item.key])
            found[item.key] = functions[item.key]
    return found


def check(item: ResourceSet, deployment: Deployment) -> None:
    try:
        deployment.check(item.visibility_timeout, item.fifo)
    except ValidationError as err:
        raise RuleError(
            f"{item.key}: {err} (the queue's visibility timeout must be at least the "
            "function's timeout: lower the function's, or raise queuelab:visibilityTimeout)"
        ) from None


def execution_policy(queue_arn: str, table_arns: list[str], log_group_arn: str) -> str:
    """(pure) The function's own queue, tables and log group, nothing else."""
    statements = [
        {"Sid": "ItsQueue", "Effect": "Allow", "Action": list(QUEUE_ACTIONS),
         "Resource": queue_arn},
        {"Sid": "ItsTables", "Effect": "Allow", "Action": list(TABLE_ACTIONS),
         "Resource": sorted(table_arns)},
        {"Sid": "ItsLogs", "Effect": "Allow", "Action": list(LOG_ACTIONS),
         "Resource": f"{log_group_arn}:*"},
    ]  # fmt: skip
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@dataclass(frozen=True)
class FunctionResources:
    role: aws.iam.Role
    policy: aws.iam.RolePolicy
    log_group: aws.cloudwatch.LogGroup
    function: aws.lambda_.Function
    mapping: aws.lambda_.EventSourceMapping


def build_function(
    item: ResourceSet, deployment: Deployment, name: str, tags: dict[str, str],
    queue: aws.sqs.Queue, tables: dict[str, aws.dynamodb.Table],
) -> FunctionResources:  # fmt: skip
    """``tables``: the set's, by the variable that names each to the function."""
    check(item, deployment)
    role = aws.iam.Role(f"{name}-role", name=f"{name}-role", assume_role_policy=ASSUME_ROLE,
                        tags=tags)  # fmt: skip
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs", name=f"/aws/lambda/{name}", retention_in_days=LOG_RETENTION_DAYS,
        tags=tags,
    )  # fmt: skip
    arns = [t.arn for t in tables.values()]
    policy = aws.iam.RolePolicy(
        f"{name}-policy",
        name=f"{name}-policy",
        role=role.id,
        policy=pulumi.Output.all(queue.arn, log_group.arn, *arns).apply(
            lambda a: execution_policy(a[0], list(a[2:]), a[1])
        ),
    )
    variables: dict[str, pulumi.Input[str]] = dict(deployment.environment)
    variables |= {var: t.name for var, t in tables.items()}
    function = aws.lambda_.Function(
        name,
        name=name,
        role=role.arn,
        runtime=AWS_RUNTIME[deployment.runtime],
        handler=deployment.entry,
        code=pulumi.FileArchive(str(deployment.code)),
        timeout=deployment.timeout,
        memory_size=deployment.memory,
        reserved_concurrent_executions=(
            -1 if deployment.reserved_concurrency is None else deployment.reserved_concurrency
        ),
        environment=aws.lambda_.FunctionEnvironmentArgs(variables=variables),
        tags=tags,
        opts=pulumi.ResourceOptions(depends_on=[log_group, policy]),
    )
    scaling = (
        aws.lambda_.EventSourceMappingScalingConfigArgs(
            maximum_concurrency=deployment.maximum_concurrency
        )
        if deployment.maximum_concurrency is not None
        else None
    )
    mapping = aws.lambda_.EventSourceMapping(
        f"{name}-esm",
        event_source_arn=queue.arn,
        function_name=function.arn,
        batch_size=deployment.batch_size,
        maximum_batching_window_in_seconds=deployment.window,
        function_response_types=deployment.mapping().function_response_types,
        scaling_config=scaling,
        tags=tags,
    )
    return FunctionResources(role, policy, log_group, function, mapping)
