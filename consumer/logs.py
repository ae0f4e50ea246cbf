"""The consumer's log lines: text by default, one JSON object per line with
``LOG_FORMAT=json`` (for log shippers: time, level, consumer, logger, message)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Literal


class JsonFormatter(logging.Formatter):
    def __init__(self, consumer: str) -> None:
        super().__init__()
        self.consumer = consumer

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "consumer": self.consumer,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line)


def configure(consumer: str, level: str, format: Literal["text", "json"]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if format == "json":
        handler.setFormatter(JsonFormatter(consumer))
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s {consumer} %(levelname)s %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
