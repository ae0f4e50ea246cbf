"""An empty handler: the benchmark's function (benchmarks/esm.py). With ``--env
INVOKED_LOG=PATH`` it appends, per record, the message's SentTimestamp (ms) and the time it
was invoked (s), for the send-to-invoke latency."""

from __future__ import annotations

import os
import time
from typing import Any

LOG = os.environ.get("INVOKED_LOG", "")


def handler(event: dict[str, Any], context: Any) -> None:
    if LOG:
        now = time.time()
        lines = "".join(f"{r['attributes']['SentTimestamp']} {now}\n" for r in event["Records"])
        with open(LOG, "a") as log:
            log.write(lines)
