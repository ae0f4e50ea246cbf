"""A lease lock in one DynamoDB item: whoever holds an unexpired lease polls, the others
stand by and take over once it expires.

Acquire is a conditional write that succeeds only if the item is missing, expired, or ours;
the holder renews it every third of the lease while it works and gives it up when it stops
gracefully. A holder that cannot renew stops working when its own (conservative) view of the
lease ends, before anybody else can acquire it: the expiry is counted from *before* the
write that set it. Clocks are the processes' own; on one machine they agree, across machines
keep the lease well above their skew.

``NoLock``, the negative control (LOCK=off), lets every instance poll.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from queuelab.contract.history import Fn, History
from queuelab.contract.tables import TABLE_KEYS

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

log = logging.getLogger("pipeline")
KEY = TABLE_KEYS["state"]
MARGIN = 0.1  # stop working this share of the lease before it really ends


class Lock(ABC):
    """Whether this instance may poll now."""

    @abstractmethod
    def hold(self) -> bool:
        """Acquire the lock or renew it when due; True while it is ours."""

    @abstractmethod
    def valid(self) -> bool:
        """Still ours, by our own conservative view (checked before each send)."""

    @abstractmethod
    def release(self) -> None:
        """Give the lock up (a graceful stop)."""


class LeaseLock(Lock):
    def __init__(
        self,
        ddb: DynamoDBClient,
        table: str,
        name: str,
        owner: str,
        lease_seconds: float,
        history: History,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ddb = ddb
        self.table = table
        self.name = name
        self.owner = owner
        self.lease = lease_seconds
        self.history = history
        self.clock = clock
        self.expires = 0.0  # our own view of the lease's end (0: not ours)
        self.renewed_at = 0.0
        self.said = ""  # the last outcome recorded (standing by is recorded once)

    def _record(self, outcome: str, holder: str = "") -> None:
        if outcome != self.said:
            self.history.ok(Fn.LOCK, None, outcome=outcome, holder=holder, name=self.name)
            self.said = outcome

    def valid(self) -> bool:
        return self.clock() < self.expires - MARGIN * self.lease

    def hold(self) -> bool:
        if self.valid():
            if self.clock() - self.renewed_at >= self.lease / 3:
                self._renew()
            return self.valid()
        if self.expires:
            self.expires = 0.0
            self._record("lost")
        return self._acquire()

    def _acquire(self) -> bool:
        started = self.clock()
        try:
            self.ddb.put_item(
                TableName=self.table,
                Item={
                    KEY: {"S": self.name},
                    "owner": {"S": self.owner},
                    "expires_at": {"N": f"{started + self.lease:.3f}"},
                },
                ConditionExpression="attribute_not_exists(#k) OR expires_at < :now OR #o = :me",
                ExpressionAttributeNames={"#k": KEY, "#o": "owner"},
                ExpressionAttributeValues={
                    ":now": {"N": f"{started:.3f}"},
                    ":me": {"S": self.owner},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self.ddb.exceptions.ConditionalCheckFailedException as err:
            holder = str(err.response.get("Item", {}).get("owner", {}).get("S", ""))  # type: ignore[attr-defined]
            self._record("held", holder)
            return False
        except (ClientError, BotoCoreError) as err:
            log.warning("could not try the lock: %s", err)
            return False
        self.expires, self.renewed_at = started + self.lease, started
        self._record("acquired", self.owner)
        return True

    def _renew(self) -> None:
        started = self.clock()
        try:
            self.ddb.update_item(
                TableName=self.table,
                Key={KEY: {"S": self.name}},
                UpdateExpression="SET expires_at = :until",
                ConditionExpression="#o = :me",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={
                    ":until": {"N": f"{started + self.lease:.3f}"},
                    ":me": {"S": self.owner},
                },
            )
        except self.ddb.exceptions.ConditionalCheckFailedException:
            self.expires = 0.0  # someone else holds it now
            self._record("lost")
            return
        except (ClientError, BotoCoreError) as err:  # keep our view; try again soon
            log.warning("could not renew the lock: %s", err)
            return
        self.expires, self.renewed_at = started + self.lease, started

    def release(self) -> None:
        """Give the lock up (a graceful stop): a stand-by takes over at once."""
        if not self.expires:
            return
        self.expires = 0.0
        try:
            self.ddb.delete_item(
                TableName=self.table,
                Key={KEY: {"S": self.name}},
                ConditionExpression="#o = :me",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={":me": {"S": self.owner}},
            )
        except (ClientError, BotoCoreError) as err:  # it expires on its own
            log.warning("could not release the lock: %s", err)
            return
        self._record("released", self.owner)


class NoLock(Lock):
    """No lock at all: every instance polls (the negative control)."""

    def hold(self) -> bool:
        return True

    def valid(self) -> bool:
        return True

    def release(self) -> None:
        pass
