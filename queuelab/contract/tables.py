"""The DynamoDB tables both sides read and write: keys, attributes, claim states."""

from __future__ import annotations

STATUS_TABLE_KEY = "id"  # hash key of the status table (the consumer's dedupe key)
STATUS_TTL_ATTRIBUTE = "expires_at"  # epoch seconds; DynamoDB TTL removes old claims
INPROGRESS, COMPLETED = "INPROGRESS", "COMPLETED"  # claim states (Powertools' pattern)

SIDE_EFFECTS_TABLE_KEY = "subject"  # hash key of the side-effects table (what was done)
PERFORMANCES_ATTRIBUTE = "performances"  # how many times the side effect was performed
RUN_ID_ATTRIBUTE = "run"  # the run that performed it, on both tables' items
