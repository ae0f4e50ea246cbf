"""What makes moto act like SQS: each module implements one AWS behaviour stock moto lacks or
gets wrong, and says where AWS documents it.

- ``locking``: one request at a time, long polls wait without the lock (receives atomic);
- ``leases``: delete / ChangeMessageVisibility by handle; FIFO refuses expired handles;
- ``fifo``: deduplication window (deleted messages too, scope), sequence numbers,
  ``ReceiveRequestAttemptId``;
- ``sending``: size in bytes with attributes, refused characters, per-entry batch failures;
- ``receiving``: the long poll, retried receives, ``DeadLetterQueueSourceArn``;
- ``attributes``: attribute ranges, ``RedriveAllowPolicy`` stored, returned and enforced;
- ``purge``: the purge cooldown (``settings``), deduplication records forgotten;
- ``move_tasks``: StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask;
- ``fifo_order``: which messages a FIFO receive returns, groups together, in SQS's order;
- ``creation``: queue names and types (CreateQueue, SetQueueAttributes);
- ``sqs_requests``, ``dynamodb_requests``: requests refused as AWS refuses them before moto
  reads them (``shapes``: the request against botocore's model), errors in AWS's words,
  codes and HTTP statuses, never an HTML 500.

These are written on top of ``speed.store`` (its message store, handle index and clock);
nothing here imports ``lab``.
"""
