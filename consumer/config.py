"""The consumer's knobs: one table gives the environment variables, the CLI options, the
validation and the README's table. Parsing happens before any AWS call; it only reads the
environment it is given and, for file paths, whether their directory exists."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A knob has a bad value; the message names the variable and the value."""


Parser = Callable[[str], Any]


def _number(low: float, high: float | None = None) -> Parser:
    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError("is not a number") from None
        if value != value or value < low or (high is not None and value > high):
            raise ValueError(
                f"must be between {low:g} and {high:g}"
                if high is not None
                else f"must be >= {low:g}"
            )
        return value

    return parse


def _integer(low: int, high: int | None = None) -> Parser:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError("is not a whole number") from None
        if value < low or (high is not None and value > high):
            raise ValueError(
                f"must be between {low} and {high}" if high is not None else f"must be >= {low}"
            )
        return value

    return parse


def _choice(*options: str) -> Parser:
    def parse(raw: str) -> str:
        value = raw.strip()
        if value.upper() in options:
            return value.upper()
        if value.lower() in options:
            return value.lower()
        raise ValueError(f"must be one of {', '.join(options)}")

    return parse


def _flag(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("must be 0 or 1")


def _text(raw: str) -> str:
    return raw


def _field(raw: str) -> str:
    """A payload field name."""
    if not raw.strip():
        raise ValueError("must name a payload field")
    return raw.strip()


def _file(raw: str) -> str:
    """A file the consumer appends to (empty: none); its directory must exist."""
    directory = Path(raw).absolute().parent
    if raw and not directory.is_dir():
        raise ValueError(f"directory {str(directory)!r} does not exist")
    return raw


@dataclass(frozen=True)
class Knob:
    name: str  # the environment variable; the CLI option is --name-in-kebab-case
    parse: Parser
    default: str  # as the user would write it
    help: str
    required: bool = False

    @property
    def option(self) -> str:
        return "--" + self.name.lower().replace("_", "-")

    @property
    def field(self) -> str:
        return self.name.lower()


KNOBS: tuple[Knob, ...] = (
    Knob("QUEUE_URL", _text, "", "SQS queue URL to poll", required=True),
    Knob("AWS_REGION", _text, "", "Region override (default: the SDK's)"),
    Knob("WAIT_TIME_SECONDS", _integer(0, 20), "10", "Long-poll wait (seconds)"),
    Knob("MAX_MESSAGES", _integer(1, 10), "1", "Messages per receive call (1-10)"),
    Knob(
        "CRASH_RATE", _number(0, 1), "0", "Probability (0-1) of crashing after receiving a message"
    ),
    Knob(
        "CRASH_AFTER_RECEIVE",
        _integer(0),
        "0",
        "N > 0: crash after receiving the Nth message, before its side effect",
    ),
    Knob(
        "CRASH_AFTER_SIDE_EFFECT",
        _integer(0),
        "0",
        "N > 0: crash after the Nth side effect, before marking it complete",
    ),
    Knob(
        "SIDE_EFFECT_DELAY_SECONDS",
        _number(0, 900),
        "0",
        "Work time before the side effect (slow external service)",
    ),
    Knob(
        "IDEMPOTENCY_CACHE_SIZE",
        _integer(0, 10_000_000),
        "1000",
        "In-memory LRU of completed keys (0 = disabled)",
    ),
    Knob("MESSAGE_LIMIT", _integer(0), "0", "Stop after handling N messages (0 = unlimited)"),
    Knob(
        "IDLE_TIMEOUT_SECONDS",
        _number(0),
        "0",
        "Exit when no message arrived for this long (0 = never)",
    ),
    Knob(
        "REJECT_PAYLOAD_MARKER",
        _text,
        "",
        "Reject (do not delete) bodies containing this text: poison",
    ),
    Knob(
        "MESSAGE_STATUS_TABLE", _text, "", "DynamoDB table for idempotency claims (our bookkeeping)"
    ),
    Knob(
        "MESSAGE_SIDE_EFFECTS_TABLE", _text, "", "DynamoDB table standing for the external system"
    ),
    Knob("LOG_LEVEL", _choice("DEBUG", "INFO", "WARNING", "ERROR"), "INFO", "Logging level"),
    Knob(
        "IDEMPOTENCY", _choice("on", "off"), "on", "off: no claim, no check-before-doing, no cache"
    ),
    Knob(
        "IDEMPOTENCY_LEASE_SECONDS",
        _number(0.1, 43200),
        "30",
        "How long an INPROGRESS claim blocks other consumers",
    ),
    Knob(
        "DELETE_MODE",
        _choice("after", "before", "never"),
        "after",
        "before: delete on receipt, then work (at-most-once); never: forget to delete",
    ),
    Knob(
        "RUN_ID", _text, "", "Run id stamped on status and side-effect records (set by the runner)"
    ),
    Knob(
        "BUSINESS_IDEMPOTENCY_FIELD",
        _text,
        "",
        "Payload field to dedupe on (e.g. order_id) instead of the message id",
    ),
    Knob(
        "CHECK_BEFORE_DOING",
        _choice("on", "off"),
        "on",
        "off: perform the side effect without asking the external system first",
    ),
    Knob(
        "REJECT_STAGE",
        _choice("before-work", "after-side-effect"),
        "before-work",
        "after-side-effect: the marker fails a message after its side effect (a late bug)",
    ),
    Knob(
        "BATCH_MODE",
        _choice("per-message", "all-or-nothing"),
        "per-message",
        "all-or-nothing: delete a batch only if every message in it succeeded",
    ),
    Knob(
        "SHUTDOWN_MODE",
        _choice("graceful", "immediate"),
        "graceful",
        "immediate: exit at the first SIGTERM, abandoning the message in hand",
    ),
    Knob("SIDE_EFFECT_LOG_PATH", _file, "", "Append a payload field per side effect to this file"),
    Knob("SIDE_EFFECT_LOG_FIELD", _field, "sequence", "Payload field for SIDE_EFFECT_LOG_PATH"),
    Knob("VERSIONING_ENABLED", _flag, "0", "1: apply an update only if its version is newer"),
    Knob(
        "VERSION_STATE_PATH", _file, "", "Entity state (JSON: entity -> version); enables updates"
    ),
    Knob("VERSION_LOG_PATH", _file, "", "Append 'entity version applied|stale' per update"),
    Knob("VERSION_KEY", _field, "version", "Payload field with the version"),
    Knob("ENTITY_KEY", _field, "entity_id", "Payload field with the entity id"),
    Knob("HISTORY_PATH", _text, "", "Append the operation history here (JSON lines)"),
    Knob("CONSUMER_ID", _text, "", "Name in logs and history (default: consumer-PID)"),
)


@dataclass(frozen=True)
class ConsumerConfig:
    queue_url: str
    aws_region: str
    wait_time_seconds: int
    max_messages: int
    crash_rate: float
    crash_after_receive: int
    crash_after_side_effect: int
    side_effect_delay_seconds: float
    idempotency_cache_size: int
    message_limit: int
    idle_timeout_seconds: float
    reject_payload_marker: str
    message_status_table: str
    message_side_effects_table: str
    log_level: str
    idempotency: str
    idempotency_lease_seconds: float
    delete_mode: str
    run_id: str
    business_idempotency_field: str
    check_before_doing: str
    reject_stage: str
    batch_mode: str
    shutdown_mode: str
    side_effect_log_path: str
    side_effect_log_field: str
    versioning_enabled: bool
    version_state_path: str
    version_log_path: str
    version_key: str
    entity_key: str
    history_path: str
    consumer_id: str

    @property
    def idempotent(self) -> bool:
        return self.idempotency == "on"


def parse(raw: Mapping[str, str | None]) -> ConsumerConfig:
    """Validate raw values (by knob name; None or missing = default). Every problem is
    reported, one per line, each naming its variable and value."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for knob in KNOBS:
        given = raw.get(knob.name)
        text = knob.default if given is None else given
        if knob.required and not text:
            problems.append(f"{knob.name} (or {knob.option}) is required: {knob.help}")
            continue
        try:
            values[knob.field] = knob.parse(text)
        except ValueError as err:
            problems.append(f"invalid {knob.name} (or {knob.option}) {text!r}: {err}")
    if values.get("versioning_enabled"):
        for name in ("VERSION_STATE_PATH", "VERSION_LOG_PATH"):
            if not values.get(name.lower()):
                problems.append(f"{name} is required when VERSIONING_ENABLED=1")
    field = values.get("business_idempotency_field")
    if field and values.get("idempotency") == "off":
        problems.append(
            f"BUSINESS_IDEMPOTENCY_FIELD={field!r} needs IDEMPOTENCY=on: with idempotency off "
            "nothing is deduplicated"
        )
    if problems:
        raise ConfigError("\n".join(problems))
    if not values["consumer_id"]:
        values["consumer_id"] = f"consumer-{os.getpid()}"
    return ConsumerConfig(**values)
