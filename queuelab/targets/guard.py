"""Guard rails for real AWS: the runner purges queues and clears tables only when they are in
the stack's outputs and carry the lab's tags. Anything else is refused."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from queuelab.targets.outputs import Outputs, SetOutputs
from queuelab.targets.plan import tags

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient


class NotOurs(RuntimeError):
    """A resource the lab did not create (or cannot prove it did)."""


def _refuse(what: str, why: str) -> NotOurs:
    return NotOurs(
        f"refusing to reset {what}: {why}; queuelab only purges and clears resources it created"
    )


def check_owned(
    sqs: SQSClient,
    ddb: DynamoDBClient,
    outputs: Outputs,
    resources: SetOutputs,
    s3: S3Client | None = None,
) -> None:
    if resources not in outputs.resources.values():
        raise _refuse(resources.queue_url, "it is not in the stack outputs")
    key = next(k for k, v in outputs.resources.items() if v == resources)
    wanted = tags(key, outputs.stack)
    for url in (resources.queue_url, resources.dlq_url):
        try:
            found = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
        except (ClientError, BotoCoreError) as err:
            raise _refuse(url, f"its tags cannot be read ({err})") from None
        _compare(url, wanted, found)
    for table in (resources.status_table, resources.side_effects_table, *resources.tables.values()):
        try:
            arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
            listed = ddb.list_tags_of_resource(ResourceArn=arn).get("Tags", [])
        except (ClientError, BotoCoreError) as err:
            raise _refuse(f"table {table}", f"its tags cannot be read ({err})") from None
        _compare(f"table {table}", wanted, {t["Key"]: t["Value"] for t in listed})
    if resources.bucket:
        what = f"bucket {resources.bucket}"
        if s3 is None:
            raise _refuse(what, "no S3 client to read its tags")
        try:
            tag_set = s3.get_bucket_tagging(Bucket=resources.bucket).get("TagSet", [])
        except (ClientError, BotoCoreError) as err:
            raise _refuse(what, f"its tags cannot be read ({err})") from None
        _compare(what, wanted, {t["Key"]: t["Value"] for t in tag_set})


def _compare(what: str, wanted: dict[str, str], found: dict[str, str]) -> None:
    wrong = {k: v for k, v in wanted.items() if found.get(k) != v}
    if wrong:
        expected = ", ".join(f"{k}={v}" for k, v in wrong.items())
        raise _refuse(what, f"it lacks the tag(s) {expected}")
