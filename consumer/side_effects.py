"""The external system: each performance of a side effect is counted, so a duplicate is
visible afterwards (``performances`` > 1 on the subject's item)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from queuelab.plan import SIDE_EFFECTS_TABLE_KEY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class SideEffects:
    def __init__(self, ddb: DynamoDBClient | None, table: str, performer: str) -> None:
        self.ddb = ddb if table else None
        self.table = table
        self.performer = performer

    def perform(self, subject: str, message_key: str, run_id: str) -> None:
        """Do the side effect (one atomic counter increment per performance)."""
        if self.ddb is None:
            return
        self.ddb.update_item(
            TableName=self.table,
            Key={SIDE_EFFECTS_TABLE_KEY: {"S": subject}},
            UpdateExpression=(
                "ADD performances :one, message_keys :keys, performers :me "
                "SET last_performed_at = :now, #run = :run"
            ),
            ExpressionAttributeNames={"#run": "run"},
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":keys": {"SS": [message_key]},
                ":me": {"SS": [self.performer]},
                ":now": {"N": f"{time.time():.3f}"},
                ":run": {"S": run_id},
            },
        )

    def performed(self, subject: str) -> bool:
        """Check-before-doing: has the external system already done this?"""
        if self.ddb is None:
            return False
        item = self.ddb.get_item(
            TableName=self.table, Key={SIDE_EFFECTS_TABLE_KEY: {"S": subject}}, ConsistentRead=True
        ).get("Item", {})
        return int(item.get("performances", {}).get("N", "0")) > 0
