"""What the consumer does with one message: validate, claim, work, side effect, complete.

Returns whether the worker should delete the message. A message that is not deleted comes
back after its visibility timeout and, after maxReceiveCount receives, goes to the DLQ.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from consumer.config import ConsumerConfig
from consumer.idempotency import Claim, DoneCache, StatusTable, payload_hash
from consumer.side_effects import SideEffects
from queuelab.history import History

log = logging.getLogger("consumer")
CRASH_EXIT_CODE = 3


@dataclass(frozen=True)
class Received:
    message_id: str
    receipt_handle: str
    body: str
    key: str  # the producer's tracking id (queuelab-id attribute), else the MessageId
    receive_count: int
    group: str | None = None
    run: str = ""  # the run that sent it (queuelab-run attribute), if any


def parse_payload(body: str) -> tuple[dict[str, Any] | None, str]:
    """(payload, "") for a usable body, else (None, why it is rejected)."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None, "body is not JSON"
    if not isinstance(payload, dict):
        return None, "body is not a JSON object"
    if not payload.get("id"):
        return None, "payload lacks an id"
    return payload, ""


def crash_now(history: History, key: str | None, point: str) -> None:
    log.warning("crashing on purpose (%s) with message %s in hand", point, key)
    history.info("crash", key, point=point)
    logging.shutdown()
    os._exit(CRASH_EXIT_CODE)


class Handler:
    def __init__(
        self,
        config: ConsumerConfig,
        status: StatusTable | None,
        effects: SideEffects,
        history: History,
        *,
        crash: Callable[[History, str | None, str], None] = crash_now,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.status = status if config.idempotent else None
        self.effects = effects
        self.cache = DoneCache(config.idempotency_cache_size if config.idempotent else 0)
        self.history = history
        self._crash = crash
        self._rng = rng or random.Random()
        self.received = 0
        self.performed = 0

    def handle(self, message: Received) -> bool:
        """Process one message; True when it may be deleted."""
        self.received += 1
        payload, problem = parse_payload(message.body)
        marker = self.config.reject_payload_marker
        if payload is None or (marker and marker in message.body):
            reason = problem or f"payload contains the reject marker {marker!r}"
            return self._reject(message, reason)

        if self.received == self.config.crash_after_receive or (
            self.config.crash_rate and self._rng.random() < self.config.crash_rate
        ):
            self._crash(self.history, message.key, "after receive")

        dedupe_key = str(payload["id"])
        subject = str(payload.get("order_id") or payload["id"])
        if self.config.idempotent:
            go_on = self._claim(message, dedupe_key, payload)
            if go_on is not None:
                return go_on

        self._work()
        if self.config.idempotent and self.effects.performed(dedupe_key):
            self.history.ok("skip", message.key, reason="side effect already performed")
        else:
            self.history.invoke("side_effect", message.key, subject=subject)
            self.effects.perform(subject, message.key, message.run or self.config.run_id)
            self.history.ok("side_effect", message.key, subject=subject)
            self.performed += 1
            if self.performed == self.config.crash_after_side_effect:
                self._crash(self.history, message.key, "after side effect")

        if self.status is not None:
            self.status.complete(dedupe_key)
        self.cache.add(dedupe_key)
        return True

    def _claim(self, message: Received, dedupe_key: str, payload: dict[str, Any]) -> bool | None:
        """None to go on with the work, else the handle() result."""
        if dedupe_key in self.cache:
            self.history.ok("skip", message.key, reason="completed (local cache)")
            return True
        if self.status is None:
            return None
        run = message.run or self.config.run_id
        result = self.status.claim(dedupe_key, payload_hash(payload), run)
        self.history.ok("claim", message.key, outcome=result.outcome.value, holder=result.holder)
        if result.outcome is Claim.ACQUIRED:
            return None
        if result.outcome is Claim.COMPLETED:
            self.cache.add(dedupe_key)
            self.history.ok("skip", message.key, reason="completed before")
            return True
        if result.outcome is Claim.CONFLICT:
            return self._reject(message, f"another payload was processed under {dedupe_key}")
        if self.effects.performed(dedupe_key):  # the holder did the work, then died or is slow
            self.status.complete(dedupe_key)
            self.history.ok("skip", message.key, reason="side effect performed by the lease holder")
            return True
        log.info("message %s is in progress at %s: leaving it", message.key, result.holder)
        self.history.ok("skip", message.key, reason=f"in progress at {result.holder}")
        return False

    def _reject(self, message: Received, reason: str) -> bool:
        log.warning(
            "rejecting message %s (receive %d): %s", message.key, message.receive_count, reason
        )
        self.history.ok("reject", message.key, reason=reason, receive_count=message.receive_count)
        return False

    def _work(self) -> None:
        if self.config.side_effect_delay_seconds:
            time.sleep(self.config.side_effect_delay_seconds)
