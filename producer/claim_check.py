"""The claim check, producer side: a body too large to send (over a threshold below SQS's
1 MiB) is stored in S3 first and the message carries a pointer to it instead
(``queuelab.contract.claim_check``): its id, the object, its size and SHA-256."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from producer.payloads import Outgoing
from queuelab.contract.claim_check import Pointer, digest, object_key, pointer_body

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class ClaimCheck:
    def __init__(self, s3: S3Client, bucket: str, over_bytes: int, run_id: str) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.over_bytes = over_bytes
        self.run_id = run_id

    def store(self, message: Outgoing) -> Outgoing:
        """The message as it goes on the queue: itself, or a pointer to its stored body."""
        data = message.body.encode()
        if len(data) <= self.over_bytes or message.payload is None:
            return message
        key = object_key(self.run_id, message.key)
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)
        pointer = Pointer(self.bucket, key, len(data), digest(data))
        return replace(message, body=pointer_body(message.payload, pointer), stored=key)

    def stream(self, messages: Iterable[Outgoing]) -> Iterator[Outgoing]:
        for message in messages:
            yield self.store(message)
