"""The DynamoDB tables both sides read and write: keys, attributes, claim states."""

from __future__ import annotations

STATUS_TABLE_KEY = "id"  # hash key of the status table (the consumer's dedupe key)
STATUS_TTL_ATTRIBUTE = "expires_at"  # epoch seconds; DynamoDB TTL removes old claims
INPROGRESS, COMPLETED = "INPROGRESS", "COMPLETED"  # claim states (Powertools' pattern)

SIDE_EFFECTS_TABLE_KEY = "subject"  # hash key of the side-effects table (what was done)
PERFORMANCES_ATTRIBUTE = "performances"  # how many times the side effect was performed
RUN_ID_ATTRIBUTE = "run"  # the run that performed it, on both tables' items

# The pipeline scenarios' own tables (``queuelab.targets.plan`` gives a resource set some of
# these roles): the order service's rows, its transactional outbox, and a poller's state (its
# cursor and its lease lock, one item each).
ORDERS, OUTBOX, STATE = "orders", "outbox", "state"
# The consumer's own table: every resource set has one (``ResourceSet.roles``), emptied before
# each run; a consumer the lab did not write gets its name as STATE_TABLE
# (``contract.external``). Its schema is part of the consumer contract (version 2 of
# docs/consumer-contract.md): a string partition key ``id``, no sort key, TTL on the number
# ``expiration`` (epoch seconds), the defaults of Powertools' DynamoDBPersistenceLayer.
CONSUMER = "consumer"
CONSUMER_TABLE_KEY = "id"
CONSUMER_TTL_ATTRIBUTE = "expiration"
TABLE_KEYS = {ORDERS: "order_id", OUTBOX: "id", STATE: "name", CONSUMER: CONSUMER_TABLE_KEY}
TABLE_TTL = {CONSUMER: CONSUMER_TTL_ATTRIBUTE}  # role -> TTL attribute (the others have none)
OUTBOX_PENDING, OUTBOX_SENT = "PENDING", "SENT"  # an outbox item's status
