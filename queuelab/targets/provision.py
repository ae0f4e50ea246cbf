"""Create the plan's resources through the SQS and DynamoDB APIs (embedded backend or any
compatible endpoint), converging when they exist already. Real AWS uses Pulumi (``infra/``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from queuelab.contract import tables
from queuelab.targets import plan as planmod
from queuelab.targets.outputs import Outputs, SetOutputs
from queuelab.targets.plan import ResourceSet

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

PARALLEL = 8  # resource sets provisioned at a time


def queue_arn(sqs: SQSClient, url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return attributes["QueueArn"]


def _queue(
    sqs: SQSClient, name: str, fifo: bool, attributes: dict[str, str], tags: dict[str, str]
) -> str:
    # Create with the attribute that cannot change, then converge the others.
    url = sqs.create_queue(
        QueueName=name, Attributes={"FifoQueue": "true"} if fifo else {}, tags=tags
    )["QueueUrl"]
    settable = {k: v for k, v in attributes.items() if k != "FifoQueue"}
    sqs.set_queue_attributes(QueueUrl=url, Attributes=settable)  # type: ignore[arg-type]
    sqs.tag_queue(QueueUrl=url, Tags=tags)
    return url


def _table(
    ddb: DynamoDBClient, name: str, key: str, tags: dict[str, str], ttl_attribute: str | None
) -> None:
    try:
        ddb.describe_table(TableName=name)
    except ddb.exceptions.ResourceNotFoundException:
        ddb.create_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )
        ddb.get_waiter("table_exists").wait(
            TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
        )
    if ttl_attribute:
        current = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            ddb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attribute},
            )


def bucket(s3: S3Client, name: str, tags: dict[str, str]) -> None:
    """A private, encrypted bucket whose claim-checked objects expire (as ``infra/`` makes
    it on AWS; the embedded backend stores the rules but never expires anything)."""
    try:
        s3.head_bucket(Bucket=name)
    except s3.exceptions.ClientError:
        s3.create_bucket(Bucket=name)
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=name,
        LifecycleConfiguration={"Rules": [planmod.claims_expiry_rule()]},  # type: ignore[list-item]
    )
    s3.put_bucket_tagging(
        Bucket=name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]}
    )


def provision_set(
    item: ResourceSet,
    sqs: SQSClient,
    ddb: DynamoDBClient,
    prefix: str,
    stack: str,
    s3: S3Client | None = None,
) -> SetOutputs:
    tags = planmod.tags(item.key, stack)
    dlq_url = _queue(sqs, item.dlq_name(prefix), item.fifo, item.dlq_attributes(), tags)
    dlq_arn = queue_arn(sqs, dlq_url)
    policy = item.redrive_policy(dlq_arn)
    attributes = item.queue_attributes() | {"RedrivePolicy": json.dumps(policy) if policy else ""}
    queue_url = _queue(sqs, item.queue_name(prefix), item.fifo, attributes, tags)
    if policy:  # as on AWS (infra/): the DLQ takes redrive from its own source queue only
        allow = planmod.redrive_allow_policy(queue_arn(sqs, queue_url))
        sqs.set_queue_attributes(QueueUrl=dlq_url, Attributes={"RedriveAllowPolicy": allow})
    _table(
        ddb,
        item.status_table(prefix),
        tables.STATUS_TABLE_KEY,
        tags,
        ttl_attribute=tables.STATUS_TTL_ATTRIBUTE,
    )
    _table(ddb, item.side_effects_table(prefix), tables.SIDE_EFFECTS_TABLE_KEY, tags, None)
    for role in item.roles:
        name, key = item.table_name(role, prefix), tables.TABLE_KEYS[role]
        _table(ddb, name, key, tags, ttl_attribute=tables.TABLE_TTL.get(role))
    if item.bucket:
        if s3 is None:
            raise ValueError(f"{item.key} needs an S3 bucket: provision with an S3 client")
        bucket(s3, item.bucket_name(prefix), tags)
    return SetOutputs(
        queue_url=queue_url,
        queue_arn=queue_arn(sqs, queue_url),
        dlq_url=dlq_url,
        dlq_arn=dlq_arn,
        status_table=item.status_table(prefix),
        side_effects_table=item.side_effects_table(prefix),
        fifo=item.fifo,
        visibility_timeout=item.visibility_timeout,
        receive_wait=item.receive_wait,
        max_receive_count=item.max_receive_count,
        tables={role: item.table_name(role, prefix) for role in item.roles},
        bucket=item.bucket_name(prefix) if item.bucket else "",
    )


def provision(
    sqs: SQSClient,
    ddb: DynamoDBClient,
    *,
    region: str,
    stack: str,
    resources: Iterable[ResourceSet],
    prefix: str = planmod.DEFAULT_PREFIX,
    s3: S3Client | None = None,
) -> Outputs:
    """``s3`` is needed when a resource set has a bucket. The sets are made side by side
    (``PARALLEL`` at a time, botocore's clients are thread-safe): each call mostly waits on
    the server's answer, and the whole catalogue's plan is about a thousand calls."""
    items = {item.key: item for item in resources}

    def made(item: ResourceSet) -> SetOutputs:
        return provision_set(item, sqs, ddb, prefix, stack, s3)

    with ThreadPoolExecutor(max_workers=PARALLEL, thread_name_prefix="provision") as pool:
        sets = dict(zip(items, pool.map(made, items.values()), strict=True))
    return Outputs(region=region, stack=stack, resources=sets)
