"""The queuelab resources on real AWS, built from ``queuelab.plan``.

For every resource set of the plan: a dead-letter queue, a source queue (whose redrive policy
names that DLQ unless the plan says ``max_receive_count=None``), a redrive-allow policy on the
DLQ that admits only its source queue, a TLS-only queue policy on both queues, a status table
(TTL on ``STATUS_TTL_ATTRIBUTE``), a side-effects table and the consumer's own table (TTL on
``CONSUMER_TTL_ATTRIBUTE``), all tagged with ``plan.tags``; and the pipeline's extras where
the plan asks: tables by role (orders, outbox, state) and a claim-check bucket (private,
encrypted, TLS only, claim checks expiring).
``build`` returns the resources and the one stack output the runner reads, shaped exactly like
``queuelab.outputs.Outputs.to_dict()``. Nothing is created when this module is imported.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from infra.bucket import BucketResources, claim_check_bucket
from infra.lambda_ import FunctionResources, RuleError, build_function, checked, function_name
from queuelab.contract import tables
from queuelab.esm.deployment import Deployment
from queuelab.targets import plan as planmod
from queuelab.targets.outputs import Outputs
from queuelab.targets.plan import ResourceSet

QUEUE_NAME = re.compile(r"[A-Za-z0-9_-]{1,75}(\.fifo)?|[A-Za-z0-9_-]{1,80}")  # SQS limits
TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")  # DynamoDB limits
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")  # S3 limits (no dots: TLS)
FUNCTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,59}")  # Lambda's 64, less the role's "-role"

# SQS attribute (as ``ResourceSet.queue_attributes()`` / ``dlq_attributes()`` spell them) ->
# the ``aws.sqs.Queue`` argument and its type. An attribute missing here fails the program, so
# the plan cannot grow a setting that real AWS would silently lack.
QUEUE_ARGS: dict[str, tuple[str, Callable[[str], object]]] = {
    "VisibilityTimeout": ("visibility_timeout_seconds", int),
    "ReceiveMessageWaitTimeSeconds": ("receive_wait_time_seconds", int),
    "MessageRetentionPeriod": ("message_retention_seconds", int),
    "SqsManagedSseEnabled": ("sqs_managed_sse_enabled", lambda value: value == "true"),
    "FifoQueue": ("fifo_queue", lambda value: value == "true"),
    "ContentBasedDeduplication": ("content_based_deduplication", lambda value: value == "true"),
}


class ConfigError(pulumi.RunError):
    """Bad stack configuration (reported by Pulumi without a traceback)."""


@dataclass(frozen=True)
class StackConfig:
    """What the stack reads from its Pulumi config (see Pulumi.dev.yaml.example)."""

    region: str
    stack: str
    prefix: str
    visibility_timeout: int | None = None
    receive_wait: int | None = None
    lambda_handler: str = ""  # PATH:module.function: yours instead of the scenarios' examples
    lambda_runtime: str = ""

    def function(self, declared: Deployment) -> Deployment:
        """A Lambda scenario's function as this stack deploys it."""
        if not self.lambda_handler:
            return declared
        return declared.but(
            handler=self.lambda_handler, runtime=self.lambda_runtime or declared.runtime
        )

    def plan(self, base: Iterable[ResourceSet]) -> tuple[ResourceSet, ...]:
        return planmod.with_timings(
            base, visibility_timeout=self.visibility_timeout, receive_wait=self.receive_wait
        )


def _bounded(config: pulumi.Config, key: str, low: int, high: int) -> int | None:
    value: int | None = config.get_int(key)
    if value is not None and not low <= value <= high:
        raise ConfigError(f"queuelab:{key} must be between {low} and {high} (got {value})")
    return value


def load_config() -> StackConfig:
    """Read ``aws:region``, ``queuelab:prefix`` and the timing overrides of this stack."""
    stack = pulumi.get_stack()
    region = (
        pulumi.Config("aws").get("region")
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
    )
    if not region:
        raise ConfigError("no AWS region: run `pulumi config set aws:region us-east-1`")
    config = pulumi.Config("queuelab")
    return StackConfig(
        region=region,
        stack=stack,
        prefix=config.get("prefix") or f"{planmod.PROJECT}-{stack}",
        visibility_timeout=_bounded(config, "visibilityTimeout", 0, 43200),
        receive_wait=_bounded(config, "receiveWait", 0, 20),
        lambda_handler=config.get("lambdaHandler") or "",
        lambda_runtime=config.get("lambdaRuntime") or "",
    )


def check_names(items: Iterable[ResourceSet], prefix: str) -> None:
    """Fail before creating anything when the prefix makes a name AWS would refuse."""
    bad = [
        name
        for item in items
        for name, pattern in (
            (item.queue_name(prefix), QUEUE_NAME),
            (item.dlq_name(prefix), QUEUE_NAME),
            (item.status_table(prefix), TABLE_NAME),
            (item.side_effects_table(prefix), TABLE_NAME),
            *((item.table_name(role, prefix), TABLE_NAME) for role in item.roles),
            *(((item.bucket_name(prefix), BUCKET_NAME),) if item.bucket else ()),
            (function_name(item, prefix), FUNCTION_NAME),
        )
        if not pattern.fullmatch(name)
    ]
    if bad:
        raise ConfigError(
            f"the prefix {prefix!r} makes invalid queue or table names ({', '.join(bad)}); "
            "set a shorter one of letters, digits, '-' and '_' (a bucket name: lower case, "
            "no '_'): "
            "`pulumi config set queuelab:prefix NAME`"
        )


def queue_args(attributes: dict[str, str]) -> dict[str, Any]:
    """``aws.sqs.Queue`` arguments for the plan's SQS attributes."""
    unknown = sorted(set(attributes) - set(QUEUE_ARGS))
    if unknown:
        raise ValueError(f"no aws.sqs.Queue argument for the attributes {unknown}")
    return {QUEUE_ARGS[name][0]: QUEUE_ARGS[name][1](value) for name, value in attributes.items()}


def tls_only_policy(queue_arn: str) -> str:
    """A queue policy that denies every SQS request not made over TLS."""
    statement = {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sqs:*",
        "Resource": queue_arn,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@dataclass(frozen=True)
class SetResources:
    """The Pulumi resources of one resource set."""

    item: ResourceSet
    queue: aws.sqs.Queue
    dlq: aws.sqs.Queue
    status_table: aws.dynamodb.Table
    side_effects_table: aws.dynamodb.Table
    redrive_allow: aws.sqs.RedriveAllowPolicy
    queue_policies: tuple[aws.sqs.QueuePolicy, aws.sqs.QueuePolicy]
    tables: dict[str, aws.dynamodb.Table]  # the plan's extra tables, by role
    bucket: BucketResources | None = None
    function: FunctionResources | None = None  # a Lambda scenario's

    def output(self) -> pulumi.Output[dict[str, Any]]:
        """This set's entry of the stack output (``queuelab.outputs.SetOutputs`` fields)."""
        item = self.item
        names = pulumi.Output.all(
            queue_url=self.queue.url,
            queue_arn=self.queue.arn,
            dlq_url=self.dlq.url,
            dlq_arn=self.dlq.arn,
            status_table=self.status_table.name,
            side_effects_table=self.side_effects_table.name,
        )
        planned = {
            "fifo": item.fifo,
            "visibility_timeout": item.visibility_timeout,
            "receive_wait": item.receive_wait,
            "max_receive_count": item.max_receive_count,
        }
        extras = pulumi.Output.all(
            tables=pulumi.Output.from_input({role: t.name for role, t in self.tables.items()}),
            bucket=self.bucket.bucket.bucket if self.bucket else "",
        )
        return pulumi.Output.all(names, extras).apply(
            lambda both: {**both[0], **both[1], **planned}
        )


def _table(
    name: str, key: str, tags: dict[str, str], ttl_attribute: str | None
) -> aws.dynamodb.Table:
    ttl = aws.dynamodb.TableTtlArgs(attribute_name=ttl_attribute, enabled=True)
    return aws.dynamodb.Table(
        name,
        name=name,
        billing_mode="PAY_PER_REQUEST",
        hash_key=key,
        attributes=[aws.dynamodb.TableAttributeArgs(name=key, type="S")],
        ttl=ttl if ttl_attribute else None,
        tags=tags,
    )


def _tls_only(logical: str, queue: aws.sqs.Queue) -> aws.sqs.QueuePolicy:
    return aws.sqs.QueuePolicy(
        logical, queue_url=queue.url, policy=queue.arn.apply(tls_only_policy)
    )


def build_set(
    item: ResourceSet, prefix: str, stack: str, function: Deployment | None = None
) -> SetResources:
    """Create one resource set (and its Lambda scenario's function); logical names are the
    physical names (unique per type)."""
    tags = planmod.tags(item.key, stack)
    dlq_name = item.dlq_name(prefix)
    dlq = aws.sqs.Queue(dlq_name, name=dlq_name, tags=tags, **queue_args(item.dlq_attributes()))
    redrive: pulumi.Output[str] | None = None
    if item.max_receive_count is not None:
        redrive = dlq.arn.apply(lambda arn: json.dumps(item.redrive_policy(arn)))
    queue_name = item.queue_name(prefix)
    queue = aws.sqs.Queue(
        queue_name,
        name=queue_name,
        redrive_policy=redrive,
        tags=tags,
        **queue_args(item.queue_attributes()),
    )
    allow = aws.sqs.RedriveAllowPolicy(
        f"{dlq_name}-redrive-allow",
        queue_url=dlq.url,
        redrive_allow_policy=queue.arn.apply(planmod.redrive_allow_policy),
    )
    status = _table(
        item.status_table(prefix),
        tables.STATUS_TABLE_KEY,
        tags,
        ttl_attribute=tables.STATUS_TTL_ATTRIBUTE,
    )
    side_effects = _table(
        item.side_effects_table(prefix), tables.SIDE_EFFECTS_TABLE_KEY, tags, None
    )
    its_tables = {"STATUS_TABLE": status, "SIDE_EFFECTS_TABLE": side_effects}
    return SetResources(
        item=item,
        queue=queue,
        dlq=dlq,
        status_table=status,
        side_effects_table=side_effects,
        redrive_allow=allow,
        queue_policies=(
            _tls_only(f"{queue_name}-tls-only", queue),
            _tls_only(f"{dlq_name}-tls-only", dlq),
        ),
        tables={
            role: _table(
                item.table_name(role, prefix),
                tables.TABLE_KEYS[role],
                tags,
                ttl_attribute=tables.TABLE_TTL.get(role),
            )
            for role in item.roles
        },
        bucket=claim_check_bucket(item.bucket_name(prefix), tags) if item.bucket else None,
        function=(
            build_function(item, function, function_name(item, prefix), tags, queue, its_tables)
            if function is not None
            else None
        ),
    )


@dataclass(frozen=True)
class Provisioned:
    config: StackConfig
    sets: dict[str, SetResources]
    output: pulumi.Output[dict[str, Any]]  # export as STACK_OUTPUT_NAME


def build(
    config: StackConfig,
    base: Iterable[ResourceSet],
    functions: Mapping[str, Deployment] | None = None,
) -> Provisioned:
    """Create every resource set of the plan (with the config's timings) in this stack, and
    the Lambda scenarios' ``functions`` (by resource set) beside their queues."""
    items = config.plan(base)
    check_names(items, config.prefix)
    try:
        declared = checked(items, {k: config.function(f) for k, f in (functions or {}).items()})
    except RuleError as err:
        raise ConfigError(str(err)) from None
    sets = {
        item.key: build_set(item, config.prefix, config.stack, declared.get(item.key))
        for item in items
    }
    resources = pulumi.Output.all(**{key: res.output() for key, res in sets.items()})
    output = resources.apply(
        # Through the runner's own reader: the export cannot drift from what it accepts.
        lambda values: Outputs.from_dict(
            {"region": config.region, "stack": config.stack, "resources": values}
        ).to_dict()
    )
    return Provisioned(config=config, sets=sets, output=output)
