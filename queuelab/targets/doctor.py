"""``queuelab doctor``: are the tools there, and does every scenario's resource set exist on
the target as the plan says (redrive policy, FIFO flags, tables, TTL, tags)?

Facts are read with boto3 (``read_*``); the checks are pure functions over those facts.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from queuelab.contract.claim_check import PREFIX
from queuelab.contract.tables import (
    SIDE_EFFECTS_TABLE_KEY,
    STATUS_TABLE_KEY,
    STATUS_TTL_ATTRIBUTE,
    TABLE_KEYS,
    TABLE_TTL,
)
from queuelab.targets.outputs import SetOutputs
from queuelab.targets.plan import ResourceSet, tags

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient


@dataclass(frozen=True)
class Row:
    subject: str
    check: str
    expected: str
    actual: str
    matches: bool | None = None  # None: ok when actual == expected

    @property
    def ok(self) -> bool:
        return self.expected == self.actual if self.matches is None else self.matches


@dataclass(frozen=True)
class QueueFacts:
    exists: bool
    arn: str = ""
    fifo: bool = False
    redrive: dict[str, Any] | None = None
    visibility_timeout: int = 0
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TableFacts:
    exists: bool
    hash_key: str = ""
    ttl_attribute: str = ""  # "" when TTL is off
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BucketFacts:
    exists: bool
    encryption: str = ""  # the default SSE algorithm, "" when none
    private: bool = False  # every public access block setting on
    expires: str = ""  # the prefix a lifecycle rule expires, "" when none
    tags: dict[str, str] = field(default_factory=dict)


def read_bucket(s3: S3Client, name: str) -> BucketFacts:
    try:
        rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]
        block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=name).get("Rules", [])
        tags = s3.get_bucket_tagging(Bucket=name).get("TagSet", [])
    except (ClientError, BotoCoreError):
        return BucketFacts(exists=False)
    default = rules["Rules"][0].get("ApplyServerSideEncryptionByDefault", {}) if rules else {}
    expiring = [
        r.get("Filter", {}).get("Prefix", "")
        for r in lifecycle
        if r.get("Status") == "Enabled" and r.get("Expiration")
    ]
    return BucketFacts(
        exists=True,
        encryption=str(default.get("SSEAlgorithm", "")),
        private=all(block.get(k) for k in ("BlockPublicAcls", "IgnorePublicAcls",
                                            "BlockPublicPolicy", "RestrictPublicBuckets")),
        expires=expiring[0] if expiring else "",
        tags={t["Key"]: t["Value"] for t in tags},
    )  # fmt: skip


def read_queue(sqs: SQSClient, url: str) -> QueueFacts:
    try:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        tags = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
    except (ClientError, BotoCoreError):
        return QueueFacts(exists=False)
    redrive = attributes.get("RedrivePolicy")
    return QueueFacts(
        exists=True,
        arn=attributes.get("QueueArn", ""),
        fifo=attributes.get("FifoQueue", "false") == "true",
        redrive=json.loads(redrive) if redrive else None,
        visibility_timeout=int(attributes.get("VisibilityTimeout", "0")),
        tags=dict(tags),
    )


def read_table(ddb: DynamoDBClient, name: str) -> TableFacts:
    try:
        table = ddb.describe_table(TableName=name)["Table"]
        ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        tags = ddb.list_tags_of_resource(ResourceArn=table["TableArn"]).get("Tags", [])
    except (ClientError, BotoCoreError):
        return TableFacts(exists=False)
    hash_key = next(k["AttributeName"] for k in table["KeySchema"] if k["KeyType"] == "HASH")
    enabled = ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
    return TableFacts(
        exists=True,
        hash_key=hash_key,
        ttl_attribute=ttl.get("AttributeName", "") if enabled else "",
        tags={t["Key"]: t["Value"] for t in tags},
    )


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _redrive(policy: dict[str, Any] | None) -> str:
    if not policy:
        return "none"
    return f"to {policy.get('deadLetterTargetArn')} after {int(policy.get('maxReceiveCount', 0))}"


def _tags(found: dict[str, str], wanted: dict[str, str]) -> str:
    return ", ".join(f"{k}={found.get(k, '-')}" for k in wanted)


def _tag_row(key: str, check: str, found: dict[str, str], wanted: dict[str, str]) -> Row:
    return Row(key, check, _tags(wanted, wanted), _tags(found, wanted))


def check_set(
    item: ResourceSet,
    where: SetOutputs,
    stack: str,
    queue: QueueFacts,
    dlq: QueueFacts,
    status: TableFacts,
    effects: TableFacts,
) -> list[Row]:
    """Compare one resource set's facts with the plan (pure)."""
    rows = [
        Row(item.key, "queue exists", "yes", _yes(queue.exists)),
        Row(item.key, "DLQ exists", "yes", _yes(dlq.exists)),
        Row(item.key, "status table exists", "yes", _yes(status.exists)),
        Row(item.key, "side-effects table exists", "yes", _yes(effects.exists)),
    ]
    wanted_tags = tags(item.key, stack)
    if queue.exists:
        policy = item.redrive_policy(dlq.arn or where.dlq_arn)
        rows += [
            Row(item.key, "queue FIFO", _yes(item.fifo), _yes(queue.fifo)),
            Row(item.key, "redrive policy", _redrive(policy), _redrive(queue.redrive)),
            Row(
                item.key,
                "visibility timeout",
                str(where.visibility_timeout),
                str(queue.visibility_timeout),
            ),
            _tag_row(item.key, "queue tags", queue.tags, wanted_tags),
        ]
    if dlq.exists:
        rows += [
            Row(item.key, "DLQ FIFO", _yes(item.fifo), _yes(dlq.fifo)),
            _tag_row(item.key, "DLQ tags", dlq.tags, wanted_tags),
        ]
    if status.exists:
        rows += [
            Row(item.key, "status table key", STATUS_TABLE_KEY, status.hash_key),
            Row(item.key, "status table TTL", STATUS_TTL_ATTRIBUTE, status.ttl_attribute or "off"),
            _tag_row(item.key, "status table tags", status.tags, wanted_tags),
        ]
    if effects.exists:
        rows += [
            Row(item.key, "side-effects table key", SIDE_EFFECTS_TABLE_KEY, effects.hash_key),
            _tag_row(item.key, "side-effects table tags", effects.tags, wanted_tags),
        ]
    return rows


def check_extras(
    item: ResourceSet,
    stack: str,
    tables: dict[str, TableFacts],
    bucket: BucketFacts | None,
) -> list[Row]:
    """The tables by role (the consumer's own, the pipeline's) and the claim-check bucket,
    against the plan (pure)."""
    rows = []
    wanted_tags = tags(item.key, stack)
    for role in item.roles:
        table = tables.get(role, TableFacts(exists=False))
        rows.append(Row(item.key, f"{role} table exists", "yes", _yes(table.exists)))
        if table.exists:
            rows.append(Row(item.key, f"{role} table key", TABLE_KEYS[role], table.hash_key))
            if role in TABLE_TTL:
                ttl = table.ttl_attribute or "off"
                rows.append(Row(item.key, f"{role} table TTL", TABLE_TTL[role], ttl))
            rows.append(_tag_row(item.key, f"{role} table tags", table.tags, wanted_tags))
    if item.bucket:
        found = bucket or BucketFacts(exists=False)
        rows.append(Row(item.key, "bucket exists", "yes", _yes(found.exists)))
        if found.exists:
            rows += [
                Row(item.key, "bucket encryption", "AES256", found.encryption or "none"),
                Row(item.key, "bucket public access blocked", "yes", _yes(found.private)),
                Row(item.key, "bucket expires claim checks", PREFIX, found.expires or "never"),
                _tag_row(item.key, "bucket tags", found.tags, wanted_tags),
            ]
    return rows


def check_resources(
    sqs: SQSClient,
    ddb: DynamoDBClient,
    plan: list[ResourceSet],
    resources: dict[str, SetOutputs],
    stack: str,
    s3: S3Client | None = None,
) -> list[Row]:
    rows: list[Row] = []
    for item in plan:
        where = resources.get(item.key)
        if where is None:
            rows.append(Row(item.key, "in the target's outputs", "yes", "no"))
            continue
        rows += check_set(
            item,
            where,
            stack,
            read_queue(sqs, where.queue_url),
            read_queue(sqs, where.dlq_url),
            read_table(ddb, where.status_table),
            read_table(ddb, where.side_effects_table),
        )
        extra_tables = {role: read_table(ddb, name) for role, name in where.tables.items()}
        bucket = read_bucket(s3, where.bucket) if s3 is not None and where.bucket else None
        rows += check_extras(item, stack, extra_tables, bucket)
    return rows


def check_tools(target: str) -> list[Row]:
    from queuelab.backend import compat, patches

    try:
        moto, moto_ok = patches.check(), True
    except compat.MotoMismatch as err:
        moto, moto_ok = str(err), False
    python = "{}.{}.{}".format(*sys.version_info[:3])
    rows = [
        Row("tools", "Python", ">= 3.11", python, sys.version_info >= (3, 11)),
        Row("tools", "moto (embedded backend)", "as the patches expect", moto, moto_ok),
    ]
    if target == "aws":
        found = shutil.which("pulumi")
        rows.append(
            Row("tools", "pulumi CLI (make infra-up)", "on PATH", found or "missing", bool(found))
        )
    return rows


def check_credentials(connect: Callable[[], Any]) -> Row:
    """``connect`` builds the STS client: a missing profile fails there already."""
    try:
        account = connect().get_caller_identity()["Account"]
    except (ClientError, BotoCoreError) as err:
        return Row("tools", "AWS credentials", "valid", f"{type(err).__name__}: {err}", False)
    return Row("tools", "AWS credentials", "valid", f"account {account}", True)
