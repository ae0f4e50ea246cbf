"""The external system: each performance of a side effect is counted, so a duplicate is
visible afterwards (``performances`` > 1 on the subject's item).

Like a payment API with idempotency keys, every performance carries a request key (the
consumer's dedupe key) that the system remembers on the subject's item. Check-before-doing
is that API's own refusal of a request it has done already: with ``checked`` the write is
conditional on the request key being new for the subject, so asking and doing are one
atomic call (no window between them, one call fewer per message). ``performed`` asks
without doing, for a claim whose holder may have done the work before it died.

The handler performs through ``Downstream``: ``SideEffects`` itself, or the chaos layer's
``SwallowingSideEffects`` around it (SWALLOW_ERRORS), which takes a failed call for a done
one."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from consumer.message import Unavailable
from queuelab.contract.files import append_line
from queuelab.contract.tables import (
    PERFORMANCES_ATTRIBUTE,
    RUN_ID_ATTRIBUTE,
    SIDE_EFFECTS_TABLE_KEY,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class Downstream(ABC):
    """Where the handler performs a message's side effect."""

    @abstractmethod
    def perform(
        self,
        subject: str,
        request_key: str,
        run_id: str,
        payload: dict[str, Any],
    ) -> bool:
        """Do the side effect; False when it had been done for this request already (nothing
        was done). A failed call raises ``Unavailable``."""


class SideEffects(Downstream):
    def __init__(
        self,
        ddb: DynamoDBClient | None,
        table: str,
        log_path: str = "",
        log_field: str = "sequence",
        checked: bool = False,
    ) -> None:
        self.ddb = ddb if table else None
        self.checked = checked
        self.table = table
        self.log_path = log_path
        self.log_field = log_field

    def perform(
        self,
        subject: str,
        request_key: str,
        run_id: str,
        payload: dict[str, Any],
    ) -> bool:
        """The side effect: one atomic counter increment per performance (and a line in
        the side-effect log, whose order is the order things really happened). False when
        ``checked`` and the system had done this request already (nothing was done). A
        failed call raises ``Unavailable``: the message is retried later."""
        if self.ddb is not None:
            try:
                self._count(self.ddb, subject, request_key, run_id)
            except self.ddb.exceptions.ConditionalCheckFailedException:
                return False  # done before under this request key: not done again
            except (ClientError, BotoCoreError) as err:
                raise Unavailable(f"the side effect failed: {err}") from err
        if self.log_path:
            append_line(self.log_path, str(payload.get(self.log_field)))
        return True

    def _count(self, ddb: DynamoDBClient, subject: str, request_key: str, run_id: str) -> None:
        """One performance: the subject's first creates its record (a conditional put, the
        cheap call on moto); a later one adds to it, refused when ``checked`` and the
        request is not new. Each is one atomic call, so two consumers racing on one subject
        both count (or, checked, only one does)."""
        try:
            ddb.put_item(
                TableName=self.table,
                Item={
                    SIDE_EFFECTS_TABLE_KEY: {"S": subject},
                    PERFORMANCES_ATTRIBUTE: {"N": "1"},
                    "request_keys": {"SS": [request_key]},
                    RUN_ID_ATTRIBUTE: {"S": run_id},
                },
                ConditionExpression="attribute_not_exists(#subject)",
                ExpressionAttributeNames={"#subject": SIDE_EFFECTS_TABLE_KEY},
            )
            return
        except ddb.exceptions.ConditionalCheckFailedException:
            pass  # performed before for this subject (this request or another one)
        checked = {}
        if self.checked:
            checked = {"ConditionExpression": "NOT contains(request_keys, :request_key)"}
        ddb.update_item(
            TableName=self.table,
            Key={SIDE_EFFECTS_TABLE_KEY: {"S": subject}},
            # What the system keeps is what the checks read: how often, for which requests,
            # in which run (who and when are in the histories; each further clause costs
            # moto's expression validator about a millisecond a call).
            UpdateExpression="ADD #performances :one, request_keys :request SET #run = :run",
            ExpressionAttributeNames={
                "#run": RUN_ID_ATTRIBUTE,
                "#performances": PERFORMANCES_ATTRIBUTE,
            },
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":request": {"SS": [request_key]},
                ":run": {"S": run_id},
                **({":request_key": {"S": request_key}} if self.checked else {}),
            },
            **checked,  # type: ignore[arg-type]
        )

    def performed(self, subject: str, request_key: str) -> bool:
        """Check-before-doing: has the external system already done this request?"""
        if self.ddb is None:
            return False
        item = self.ddb.get_item(
            TableName=self.table, Key={SIDE_EFFECTS_TABLE_KEY: {"S": subject}}, ConsistentRead=True
        ).get("Item", {})
        return request_key in item.get("request_keys", {}).get("SS", [])
