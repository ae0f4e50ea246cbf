"""Owns an embedded backend and prints the server's pid; the lifecycle test then kills it."""

from __future__ import annotations

import sys
import time

from queuelab.backend import EmbeddedBackend

with EmbeddedBackend(log_path=None) as endpoint:
    print(endpoint.pid, flush=True)
    sys.stdout.close()
    while True:
        time.sleep(1)
