"""The claim check, consumer side: a message whose body is a pointer to S3
(``queuelab.contract.claim_check``) is handled with the payload fetched from there (its size
and SHA-256 checked), and the object is deleted once SQS confirmed the message's delete, not
before: a message that comes back still finds its payload. On AWS a lifecycle rule expires
what a consumer never got to delete (a message that dead-lettered)."""

from __future__ import annotations

import logging
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from consumer.handler import Handler
from consumer.message import Received, Reject, Work
from consumer.middleware import Middleware
from queuelab.contract import clients
from queuelab.contract.claim_check import Pointer, digest, pointer_of
from queuelab.contract.history import Fn, History

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("consumer")


class Objects:
    """The S3 side of the claim check; the client is built on first use."""

    def __init__(self, settings: clients.AwsSettings, history: History) -> None:
        self.settings = settings
        self.history = history

    @cached_property
    def s3(self) -> S3Client:
        return clients.s3(self.settings)

    def fetch(self, message: Received, pointer: Pointer) -> str:
        """The payload; ``Reject`` if it is gone or not what the pointer says."""
        self.history.invoke(Fn.FETCH, message.key, object=pointer.key)
        try:
            data = self.s3.get_object(Bucket=pointer.bucket, Key=pointer.key)["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            self.history.fail(Fn.FETCH, message.key, error="no such object")
            raise Reject(f"claim-checked payload {pointer.key} is gone") from None
        except (ClientError, BotoCoreError) as err:
            self.history.fail(Fn.FETCH, message.key, error=str(err))
            raise  # the handler leaves the message for a retry
        if len(data) != pointer.bytes or digest(data) != pointer.sha256:
            self.history.fail(Fn.FETCH, message.key, error="size or SHA-256 differs")
            raise Reject(f"claim-checked payload {pointer.key} is not the one sent")
        self.history.ok(Fn.FETCH, message.key, bytes=len(data))
        return data.decode()

    def delete(self, message: Received, pointer: Pointer) -> None:
        try:
            self.s3.delete_object(Bucket=pointer.bucket, Key=pointer.key)
        except (ClientError, BotoCoreError) as err:  # the lifecycle rule will get it
            log.warning("could not delete %s: %s", pointer.key, err)
            return
        self.history.ok(Fn.CLEANUP, message.key, object=pointer.key)


class ClaimCheckedHandler(Handler):
    """A handler whose messages may carry a claim check instead of their payload."""

    def __init__(self, *args: Any, objects: Objects, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.objects = objects

    def validate(self, message: Received) -> Work:
        pointer = pointer_of(message.body)
        if pointer is None:
            return super().validate(message)
        return super().validate(replace(message, body=self.objects.fetch(message, pointer)))


class CleanUpAfterDelete(Middleware):
    """Delete a claim-checked payload once its message is gone for good."""

    def __init__(self, objects: Objects) -> None:
        self.objects = objects

    def after_delete(self, message: Received) -> None:
        pointer = pointer_of(message.body)
        if pointer is not None:
            self.objects.delete(message, pointer)
