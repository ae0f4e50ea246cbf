"""The producer's options (``python -m producer`` / ``queuelab produce``): command-line
options, the connection and run settings also as environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, model_validator

from queuelab.contract.knobs import KnobModel, knob

MAX_BATCH = 10  # SendMessageBatch takes at most 10 entries


def _readable(raw: str) -> str:
    if raw and not Path(raw).is_file():
        raise ValueError(f"{raw!r} is not a file")
    return raw


ReadablePath = Annotated[str, AfterValidator(_readable)]


class ProducerKnobs(KnobModel):
    n: int = knob(10, "Messages to send (per round with --continuous)", env=None, ge=0)
    rate: float = knob(0.0, "Messages per second; 0 = as fast as possible", env=None, ge=0)
    batch_size: int = knob(
        MAX_BATCH, "Messages per SendMessageBatch (1-10)", env=None, ge=1, le=MAX_BATCH
    )
    groups: int = knob(
        0, "Spread messages over this many groups (MessageGroupId on FIFO)", env=None, ge=0
    )
    order_ids: int = knob(
        0, "Give messages an order_id cycling over this many orders", env=None, ge=0
    )
    entities: int = knob(0, "Versioned updates spread over this many entities", env=None, ge=0)
    versions: Literal["ascending", "descending", "shuffled"] = knob(
        "shuffled", "Send order of the versions", env=None
    )
    continuous: bool = knob(
        False, "Keep sending rounds of --n until stopped or --duration", env=None, flag=True
    )
    duration: float = knob(
        0.0, "With --continuous: stop after this many seconds (0 = until SIGTERM)", env=None, ge=0
    )
    seed: int | None = knob(
        None, "Seed for work values, poison indices and shuffles", env=None, shown="random"
    )
    replay: ReadablePath = knob(
        "",
        "Send again the messages this history file recorded (same ids and payloads: a "
        "restarted producer replaying its outbox); --n and the shape options are ignored",
        env=None,
    )
    resend_after_seconds: float = knob(
        0.0,
        "Send every message once more, with the same id, this long after the first send (a "
        "producer retrying what it cannot be sure arrived); 0 = never",
        env=None,
        ge=0,
        le=3600,
    )
    content_dedup: bool = knob(
        False,
        "FIFO: send no MessageDeduplicationId (the queue's content-based deduplication hashes "
        "the body); default: the message id",
        env=None,
        flag=True,
    )
    large_every: int = knob(
        0, "Every Nth message carries a large payload (--large-bytes of padding)", env=None, ge=0
    )
    large_bytes: int = knob(
        1_258_291, "Padding in a large payload, in bytes (default 1.2 MiB: over SQS's 1 MiB)",
        env=None, ge=1, le=100 * 1024 * 1024,
    )  # fmt: skip
    schema_version: int = knob(
        0, "Order payloads in this schema (1 or 2, queuelab.contract.orders); 0: none",
        env=None, ge=0, le=2,
    )  # fmt: skip
    claim_check_bucket: str = knob(
        "", "Claim check: bodies over --claim-check-over go to this S3 bucket, the message "
        "carries a pointer (empty: every body inline)", env=None,
    )  # fmt: skip
    claim_check_over: int = knob(
        262_144, "Claim check: the body size (bytes) above which it goes to S3", env=None, ge=1
    )
    # Chaos: what the chaos layer mixes into the stream (producer/chaos.py).
    poison_count: int = knob(
        0, 'Poison messages ("poison": true) at random indices', env=None, ge=0
    )
    poison_every: int = knob(
        0, "Every Nth message is poison (overrides --poison-count)", env=None, ge=0
    )
    malformed_count: int = knob(0, "Extra bodies that are not JSON at all", env=None, ge=0)
    fresh_dedup_ids: bool = knob(
        False,
        "FIFO: a new MessageDeduplicationId on every send (a retry is not recognised as one)",
        env=None,
        flag=True,
    )
    stamp_sent_at: bool = knob(
        False,
        "Stamp the send time into every payload (a retry's body differs, so content-based "
        "deduplication cannot recognise it)",
        env=None,
        flag=True,
    )
    poison_first: int = knob(
        0,
        "The first N messages are poison too (with --groups: the heads of groups)",
        env=None,
        ge=0,
    )
    # Connection and run.
    queue_url: str = knob(
        "", "Queue to send to", env="QUEUE_URL", required=True, shown="(required)"
    )
    region: str = knob("", "AWS region", env="AWS_REGION", shown="SDK default")
    profile: str = knob("", "AWS profile", env="AWS_PROFILE", shown="SDK default")
    run_id: str = knob("", "Run id stamped on every message", env="RUN_ID", shown="random")
    history: str = knob("", "Append the send history here (JSON lines)", env="HISTORY_PATH")
    name: str = knob("producer", "Process name in the history", env="PROCESS_NAME")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.resend_after_seconds and self.continuous:
            raise ValueError("--resend-after-seconds resends one round: not with --continuous")
        return self
