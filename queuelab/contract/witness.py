"""What the embedded server witnessed: one record per request it served, written as JSON
lines into the run's ``witness.jsonl``, and the per-process credentials that name the caller.

Each process the lab starts signs its requests with its own access key,
``ql-<run token>-<process name>``, so the server knows from the request itself who called.

    {"t0": 1700000000.1, "t1": 1700000000.104, "caller": "consumer-1", "service": "sqs",
     "op": "DeleteMessage", "resource": "queuelab-happy", "status": 200, "error": "",
     "fault": "", "delivered": true, "messages": [], "entries": [],
     "handles": [{"receipt_handle": "...", "message_id": "..."}], "injected": [], "key": ""}

``fault`` is the fault the nemesis injected ("" for none); ``delivered`` is false when the
caller never got the response (a dropped connection). ``messages`` are messages a send
stored or a receive handed out (message_id, key, receipt_handle, receive_count);
``entries`` a batch's per-entry outcomes (id, key, message_id, ok, error); ``injected`` the
message ids a receive handed out again on purpose (AWS-like duplicate delivery); ``key`` a
DynamoDB item's key; ``visibility`` the VisibilityTimeout a ReceiveMessage asked for itself
(null: the queue's own), the length of the leases it handed out; ``unfinished`` a request
still being served when the run ended (a long poll its caller left when it stopped), written
then, unanswered, with ``t1`` the end of the run.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FILE = "witness.jsonl"
CALLER_PREFIX = "ql"
LAB_CALLER = "lab"  # the runner itself (reset, observe): witnessed, never faulted
SECRET = "queuelab-per-process"


def access_key(token: str, process: str) -> str:
    return f"{CALLER_PREFIX}-{token}-{process}"


def parse_access_key(key: str) -> tuple[str, str] | None:
    """(run token, process) of a per-process key, else None."""
    prefix, _, rest = key.partition("-")
    token, _, process = rest.partition("-")
    if prefix != CALLER_PREFIX or not token or not process:
        return None
    return token, process


@dataclass
class Record:
    t0: float
    t1: float
    caller: str
    service: str
    op: str
    resource: str = ""  # queue name or table name
    status: int = 0
    error: str = ""
    fault: str = ""
    delivered: bool = True
    messages: list[dict[str, Any]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    handles: list[dict[str, Any]] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)
    key: str = ""
    visibility: int | None = None  # a receive's own VisibilityTimeout (None: the queue's)
    unfinished: bool = False  # still being served when the run ended (never answered in it)

    @property
    def applied(self) -> bool:
        """The backend served it (whether or not the caller heard back)."""
        return not self.error and self.fault not in (
            "deny",
            "throttle",
            "error",
            "unavailable",
            "reset",
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, line: str) -> Record:
        return cls(**json.loads(line))


def read(path: Path) -> list[Record]:
    """Every record in time order (a torn last line is skipped)."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(Record.from_json(line))
        except (ValueError, TypeError):
            continue
    return sorted(records, key=lambda r: r.t0)
