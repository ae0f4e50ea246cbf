"""What the consumer does with one message: validate, claim, side effect, complete.

This is the production path: it reads as a correct worker. Faults are middleware hooks
(``consumer/middleware.py``) that the chaos layer fills in; safeguards that a negative control
turns off are the parts it is built with (``consumer/wiring.py``).

``handle`` returns whether the worker should delete the message. A message that is not
deleted comes back when the retry policy says (by default after its visibility timeout) and,
after maxReceiveCount receives, goes to the DLQ. A poison message is rejected; a failed
dependency (``Unavailable``) is not the message's fault, but is retried the same way.
"""

from __future__ import annotations

import contextlib
import logging

from botocore.exceptions import BotoCoreError, ClientError

from consumer.idempotency import Idempotency
from consumer.keys import DedupeKey, payload_id
from consumer.message import Received, Reject, Unavailable, Work, parse_payload
from consumer.middleware import Middleware
from consumer.side_effects import Downstream
from consumer.versions import VersionStore
from queuelab.contract.history import Fn, History
from queuelab.contract.messages import subject_of

log = logging.getLogger("consumer")
AWS_ERRORS = (ClientError, BotoCoreError)  # what is left once botocore's retries gave up


class Handler:
    def __init__(
        self,
        idempotency: Idempotency,
        effects: Downstream,
        history: History,
        *,
        hooks: Middleware | None = None,
        dedupe_key: DedupeKey = payload_id,
        versions: VersionStore | None = None,
        version_key: str = "version",
        entity_key: str = "entity_id",
        run_id: str = "",
    ) -> None:
        self.idempotency = idempotency
        self.effects = effects
        self.history = history
        self.hooks = hooks or Middleware()
        self.dedupe_key = dedupe_key
        self.versions = versions
        self.version_key = version_key
        self.entity_key = entity_key
        self.run_id = run_id

    def handle(self, message: Received) -> bool:
        """Process one message; True when it may be deleted. An AWS call that still fails
        after the SDK's retries leaves the message for a retry (not deleted, claim given
        back): it comes back after its visibility timeout."""
        try:
            return self._handle(message)
        except AWS_ERRORS as err:
            log.warning("message %s left for a retry: %s", message.key, err)
            self.history.ok(Fn.LEAVE, message.key, reason=f"{type(err).__name__}: {err}")
            return False

    def _handle(self, message: Received) -> bool:
        try:
            work = self.validate(message)
            self.hooks.before_work(message, work)
            begun = self.idempotency.begin(message, work)
        except Reject as rejected:
            return self.reject(message, str(rejected))
        if begun is not None:
            return begun
        try:
            self.hooks.before_side_effect(message, work)
            if not self.perform(message, work):
                self.history.ok(Fn.SKIP, message.key, reason="side effect already performed")
            self.hooks.before_complete(message, work)
        except Reject as rejected:
            self.idempotency.release(work)  # a retry may claim it again
            return self.reject(message, str(rejected))
        except Unavailable as failed:
            self.idempotency.release(work)
            log.warning("message %s failed, retried later: %s", message.key, failed)
            return False
        except AWS_ERRORS:
            with contextlib.suppress(*AWS_ERRORS):
                self.idempotency.release(work)
            raise
        self.idempotency.complete(message, work)
        return True

    def validate(self, message: Received) -> Work:
        payload = parse_payload(message.body)
        dedupe_key = self.dedupe_key(message, payload)
        if self.versions is not None:
            version = payload.get(self.version_key)
            if not payload.get(self.entity_key) or not isinstance(version, int):
                raise Reject(f"payload lacks {self.entity_key} and an integer {self.version_key}")
        return Work(payload, dedupe_key, subject_of(payload, message.key))

    def perform(self, message: Received, work: Work) -> bool:
        """The side effect; False when the external system had done this request already
        (check-before-doing, in the same call)."""
        self.history.invoke(Fn.SIDE_EFFECT, message.key, subject=work.subject)
        run = message.run or self.run_id
        try:
            self.hooks.calling_downstream(message, work)
            done = self.effects.perform(work.subject, work.dedupe_key, run, work.payload)
        except Unavailable as failed:
            # Refused: not performed. No answer at all: performed or not, nobody knows.
            unknown = isinstance(failed.__cause__, BotoCoreError)
            record = self.history.info if unknown else self.history.fail
            record(Fn.SIDE_EFFECT, message.key, subject=work.subject, error=str(failed))
            raise
        if not done:
            reason = "already performed for this request"
            self.history.fail(Fn.SIDE_EFFECT, message.key, subject=work.subject, error=reason)
            return False
        self.history.ok(Fn.SIDE_EFFECT, message.key, subject=work.subject)
        if self.versions is not None:
            entity = str(work.payload[self.entity_key])
            version = int(work.payload[self.version_key])
            applied = self.versions.apply(entity, version)
            self.history.ok(Fn.APPLY, message.key, entity=entity, version=version, applied=applied)
        self.hooks.after_side_effect(message, work)
        return True

    def reject(self, message: Received, reason: str) -> bool:
        log.warning(
            "rejecting message %s (receive %d): %s", message.key, message.receive_count, reason
        )
        self.history.ok(Fn.REJECT, message.key, reason=reason, receive_count=message.receive_count)
        return False
