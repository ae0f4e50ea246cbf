"""The knobs of the pipeline's processes (``python -m pipeline orders | relay | poller``):
every one is an environment variable and a CLI option. The tables of
docs/reference/knobs.md are ``markdown_table`` of these models (generated)."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import model_validator

from queuelab.contract.knobs import KnobModel, knob

OnOff = Literal["on", "off"]


class _Process(KnobModel):
    """What every pipeline process is told by the runner."""

    run_id: str = knob("", "Run id stamped on messages (set by the runner)")
    history_path: str = knob("", "Append the operation history here (JSON lines)")
    process_name: str = knob("", "Name in logs and history (default: the command and its PID)")
    aws_region: str = knob("", "Region override (default: the SDK's)", env="AWS_REGION")


class OrdersKnobs(_Process):
    """An order service that must publish an event for every order it writes."""

    orders_table: str = knob("", "DynamoDB table of orders", required=True, shown="(required)")
    outbox_table: str = knob("", "DynamoDB table of the transactional outbox (write_mode=outbox)")
    queue_url: str = knob("", "Queue the events go to (write_mode=dual-write)")
    orders: int = knob(5, "Orders to write", ge=0, le=10_000)
    first_order: int = knob(0, "Number of the first order (orders are first..first+orders-1)", ge=0)
    write_mode: Literal["outbox", "dual-write"] = knob(
        "outbox",
        "outbox: the order row and an outbox item in one transaction (a relay publishes); "
        "dual-write: the row, then the send (a crash in between loses the event)",
    )
    # Chaos (pipeline/chaos.py).
    crash_after_orders: int = knob(
        0, "N > 0: crash right after writing the Nth order, before anything else", ge=0
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        """Checked once the service is wired to its tables (the runner adds them last)."""
        needed = "outbox_table" if self.write_mode == "outbox" else "queue_url"
        if self.orders_table and not getattr(self, needed):
            raise ValueError(f"WRITE_MODE={self.write_mode} needs {needed.upper()}")
        return self


class RelayKnobs(_Process):
    """The outbox relay: sends pending outbox items, then marks them sent."""

    outbox_table: str = knob("", "DynamoDB table of the outbox", required=True, shown="(required)")
    queue_url: str = knob("", "Queue the events go to", required=True, shown="(required)")
    poll_interval_seconds: float = knob(
        0.2, "Wait between two scans that found nothing pending", ge=0.01, le=60
    )
    # Chaos (pipeline/chaos.py).
    crash_after_sends: int = knob(
        0, "N > 0: crash after the Nth send, before marking the item sent", ge=0
    )


class PollerKnobs(_Process):
    """The upstream poller: pages from a feed to SQS, its cursor and its lease in a table."""

    feed_url: str = knob("", "Upstream feed (GET FEED_URL?from=ID&limit=N)", required=True,
                         shown="(required)")  # fmt: skip
    queue_url: str = knob("", "Queue the events go to", required=True, shown="(required)")
    state_table: str = knob(
        "", "DynamoDB table of the cursor and the lock", required=True, shown="(required)"
    )
    feed_name: str = knob("events", "Names this feed's cursor and lock items")
    page_size: int = knob(10, "Events per page (the feed's limit)", ge=1, le=1000)
    batch_size: int = knob(5, "Events per SendMessageBatch (1-10)", ge=1, le=10)
    poll_interval_seconds: float = knob(
        0.3, "Wait after an empty page (the feed's end) or while another holds the lock",
        ge=0.01, le=60,
    )  # fmt: skip
    lock: OnOff = knob("on", "off: no lease lock, every instance polls")
    lease_seconds: float = knob(
        3.0, "How long the lock is ours without a renewal (renewed every third of it)",
        ge=0.1, le=3600,
    )  # fmt: skip
    cursor_mode: Literal["after-send", "before-send"] = knob(
        "after-send",
        "before-send: store the cursor, then send the page (a crash mid-page skips the rest)",
    )
    # Chaos (pipeline/chaos.py).
    crash_after_sends: int = knob(
        0, "N > 0: crash after the Nth event sent (mid-page unless N ends a page)", ge=0
    )
