"""Fixes applied to moto's SQS (and DynamoDB's Scan) inside the embedded server process only
(``apply()``, called by ``queuelab.backend.server``). Each concern is its own module, each
states the AWS behaviour it implements and where AWS documents it:

- ``locking``: one request at a time, long polls wait without the lock (receives atomic);
- ``store``: call cost flat with queue depth (message store, handle index, lazy counts);
- ``leases``: delete / ChangeMessageVisibility by handle; FIFO refuses expired handles;
- ``fifo``: deduplication window (deleted messages too, scope), sequence numbers,
  ``ReceiveRequestAttemptId``;
- ``sending``: size in bytes with attributes, refused characters, per-entry batch failures;
- ``receiving``: the long poll, retried receives, ``DeadLetterQueueSourceArn``;
- ``attributes``: attribute ranges, ``RedriveAllowPolicy`` stored, returned and enforced;
- ``purge``: the purge cooldown (``settings``), deduplication records forgotten;
- ``move_tasks``: StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask;
- ``scan``: a DynamoDB Scan page costs about its own size (moto sorts the table per page);
- ``expressions``: a DynamoDB condition expression parsed once per request, not twice.

What still differs from SQS is listed in the README ("The embedded backend") and probed by
``queuelab doctor --semantics``.
"""

from __future__ import annotations

from importlib.metadata import version

from queuelab.backend.behaviour import (
    attributes,
    fifo,
    leases,
    move_tasks,
    purge,
    receiving,
    sending,
)
from queuelab.backend.speed import expressions, scan, store

SUPPORTED_MOTO = ((5, 2), (5, 3))  # [lower, upper) on (major, minor)
_applied = False


class UnsupportedMoto(RuntimeError):
    pass


def check_moto_version(installed: str | None = None) -> str:
    """Return the installed moto version, or raise if the patches were not written for it."""
    found = installed or version("moto")
    try:
        major, minor = (int(part) for part in found.split(".")[:2])
    except ValueError as err:
        raise UnsupportedMoto(f"cannot read moto version {found!r}") from err
    low, high = SUPPORTED_MOTO
    if not low <= (major, minor) < high:
        raise UnsupportedMoto(
            f"queuelab's embedded backend patches moto {low[0]}.{low[1]}.x, but moto {found} "
            f"is installed; reinstall with: pip install 'moto[dynamodb,s3,sqs]>={low[0]}.{low[1]},"
            f"<{high[0]}.{high[1]}'"
        )
    return found


def apply() -> None:
    """Patch moto's SQS models and responses, and DynamoDB's table scan, in this process.
    Idempotent."""
    global _applied
    if _applied:
        return
    check_moto_version()
    from moto.core.responses import ActionResult
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler
    from moto.sqs import models, responses

    store.patch_message(models.Message)
    store.patch_queue(models.Queue)
    fifo.patch_queue(models.Queue)
    attributes.patch_queue(models.Queue)
    leases.patch_queue(models.Queue)
    receiving.patch_queue(models.Queue)
    store.patch_backend(models.SQSBackend)
    leases.patch_backend(models.SQSBackend)
    sending.patch_backend(models.SQSBackend)
    receiving.patch_backend(models.SQSBackend)
    purge.patch_backend(models.SQSBackend)
    receiving.patch_responses(responses.SQSResponse)
    move_tasks.patch_responses(responses.SQSResponse)
    scan.patch_table(Table)
    scan.patch_responses(DynamoHandler, ActionResult)
    expressions.install()
    _applied = True
