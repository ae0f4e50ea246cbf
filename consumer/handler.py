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
from consumer.versions import VersionStore
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
    sent_at: float = 0.0  # SentTimestamp, epoch seconds


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


@dataclass(frozen=True)
class Work:
    """What a valid message asks for."""

    payload: dict[str, Any]
    dedupe_key: str  # what the claim and check-before-doing are keyed on
    subject: str  # what the side effect acts on: the order if the payload names one
    late_failure: bool  # the reject marker, at the after-side-effect stage


class Handler:
    def __init__(
        self,
        config: ConsumerConfig,
        status: StatusTable | None,
        effects: SideEffects,
        history: History,
        *,
        versions: VersionStore | None = None,
        crash: Callable[[History, str | None, str], None] = crash_now,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.status = status if config.idempotent else None
        self.effects = effects
        self.versions = versions
        self.cache = DoneCache(config.idempotency_cache_size if config.idempotent else 0)
        self.history = history
        self._crash = crash
        self._rng = rng or random.Random()
        self.received = 0
        self.performed = 0

    @property
    def _checks_first(self) -> bool:
        return self.config.idempotent and self.config.check_before_doing == "on"

    def handle(self, message: Received) -> bool:
        """Process one message; True when it may be deleted."""
        self.received += 1
        work, problem = self._validate(message)
        if work is None:
            return self._reject(message, problem)
        if self.received == self.config.crash_after_receive or (
            self.config.crash_rate and self._rng.random() < self.config.crash_rate
        ):
            self._crash(self.history, message.key, "after receive")

        if self.config.idempotent:
            go_on = self._claim(message, work)
            if go_on is not None:
                return go_on

        self._work()
        if self._checks_first and self.effects.performed(work.subject, work.dedupe_key):
            self.history.ok("skip", message.key, reason="side effect already performed")
        else:
            self._perform(message, work)

        if work.late_failure:
            if self.status is not None:
                self.status.release(work.dedupe_key)
            return self._reject(message, "failed after its side effect (reject marker)")
        if self.status is not None:
            self.status.complete(work.dedupe_key)
        self.cache.add(work.dedupe_key)
        return True

    def _validate(self, message: Received) -> tuple[Work | None, str]:
        payload, problem = parse_payload(message.body)
        if payload is None:
            return None, problem
        marker = self.config.reject_payload_marker
        marked = bool(marker) and marker in message.body
        if marked and self.config.reject_stage == "before-work":
            return None, f"payload contains the reject marker {marker!r}"
        field = self.config.business_idempotency_field
        if field and not payload.get(field):
            return None, f"payload lacks {field} (BUSINESS_IDEMPOTENCY_FIELD)"
        if self.versions is not None:
            version = payload.get(self.config.version_key)
            if not payload.get(self.config.entity_key) or not isinstance(version, int):
                wanted = f"{self.config.entity_key} and an integer {self.config.version_key}"
                return None, f"payload lacks {wanted}"
        dedupe_key = str(payload[field] if field else payload["id"])
        subject = str(payload.get("order_id") or payload["id"])
        return Work(payload, dedupe_key, subject, marked), ""

    def _perform(self, message: Received, work: Work) -> None:
        self.history.invoke("side_effect", message.key, subject=work.subject)
        run = message.run or self.config.run_id
        self.effects.perform(work.subject, work.dedupe_key, message.key, run, work.payload)
        self.history.ok("side_effect", message.key, subject=work.subject)
        if self.versions is not None:
            entity = str(work.payload[self.config.entity_key])
            version = int(work.payload[self.config.version_key])
            applied = self.versions.apply(entity, version)
            self.history.ok("apply", message.key, entity=entity, version=version, applied=applied)
        self.performed += 1
        if self.performed == self.config.crash_after_side_effect:
            self._crash(self.history, message.key, "after side effect")

    def _claim(self, message: Received, work: Work) -> bool | None:
        """None to go on with the work, else the handle() result."""
        key = work.dedupe_key
        if key in self.cache:
            self.history.ok("skip", message.key, reason="completed (local cache)")
            return True
        if self.status is None:
            return None
        run = message.run or self.config.run_id
        result = self.status.claim(key, payload_hash(work.payload), run)
        self.history.ok("claim", message.key, outcome=result.outcome.value, holder=result.holder)
        if result.outcome is Claim.ACQUIRED:
            return None
        if result.outcome is Claim.COMPLETED:
            self.cache.add(key)
            self.history.ok("skip", message.key, reason="completed before")
            return True
        if result.outcome is Claim.CONFLICT:
            return self._reject(message, f"another payload was processed under {key}")
        if self._checks_first and self.effects.performed(work.subject, key):
            self.status.complete(key)  # the holder did the work, then died or is slow
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
