"""The chaos layer: the faults a scenario switches on with knobs, plugged into the worker's
hook points (``consumer/middleware.py``). Nothing here is needed by a correct worker; each
class is one fault, built by ``layer`` only when its knob asks for it. The faults that
change how messages are deleted put a deliberately wrong acknowledger
(``consumer/acknowledgers.py``) in place of the worker's."""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from consumer.acknowledgers import Acknowledger, AllOrNothing, Delete, NeverDelete
from consumer.message import Received, Reject, Unavailable, Work
from consumer.middleware import Middleware
from consumer.side_effects import Downstream
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import Fn, History
from queuelab.contract.processes import EXIT_CRASH

log = logging.getLogger("consumer")
Crash = Callable[[History, str | None, str], None]


def crash_now(history: History, key: str | None, point: str) -> None:
    """Die at once, as a process killed mid-work would (no cleanup, no delete)."""
    log.warning("crashing on purpose (%s) with message %s in hand", point, key)
    history.info(Fn.CRASH, key, point=point)
    logging.shutdown()
    os._exit(EXIT_CRASH)


class CrashPoints(Middleware):
    """Crash after the Nth valid message is received, after the Nth side effect, or at
    random after receiving (a probability per message)."""

    def __init__(
        self,
        history: History,
        *,
        after_receive: int = 0,
        after_side_effect: int = 0,
        rate: float = 0.0,
        crash: Crash = crash_now,
        rng: random.Random | None = None,
    ) -> None:
        self.history = history
        self.at_receive = after_receive
        self.at_side_effect = after_side_effect
        self.rate = rate
        self.crash = crash
        self.rng = rng or random.Random()
        self.received = 0
        self.performed = 0
        self._count = threading.Lock()  # a pool's threads count too

    def before_work(self, message: Received, work: Work) -> None:
        with self._count:
            self.received += 1
            now = self.received == self.at_receive or (self.rate and self.rng.random() < self.rate)
        if now:
            self.crash(self.history, message.key, "after receive")

    def after_side_effect(self, message: Received, work: Work) -> None:
        with self._count:
            self.performed += 1
            now = self.performed == self.at_side_effect
        if now:
            self.crash(self.history, message.key, "after side effect")


class SlowWork(Middleware):
    """Work that takes this long before the side effect (a slow external service)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def before_side_effect(self, message: Received, work: Work) -> None:
        time.sleep(self.seconds)


class PauseOnce(Middleware):
    """One long pause before the first side effect (a stalled call, a GC pause): the message
    in hand can outlive its visibility timeout."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.paused = False
        self._once = threading.Lock()

    def before_side_effect(self, message: Received, work: Work) -> None:
        with self._once:
            first, self.paused = not self.paused, True
        if first:
            log.warning("pausing %.1f s with message %s in hand", self.seconds, message.key)
            time.sleep(self.seconds)


class TrustStaleDelete(Middleware):
    """A refused delete counted as done, as if SQS had deleted the message (a consumer that
    does not treat a refused receipt handle as a lost lease)."""

    def done_despite_lost_lease(self, message: Received) -> bool:
        log.warning("delete of %s refused; counting it as done anyway", message.key)
        return True


class RejectMarker(Middleware):
    """Bodies containing the marker fail: before the work (poison), or after the side
    effect was done (a late bug: a partial success)."""

    def __init__(self, marker: str, after_side_effect: bool = False) -> None:
        self.marker = marker
        self.late = after_side_effect

    def before_work(self, message: Received, work: Work) -> None:
        if not self.late and self.marker in message.body:
            raise Reject(f"payload contains the reject marker {self.marker!r}")

    def before_complete(self, message: Received, work: Work) -> None:
        if self.late and self.marker in message.body:
            raise Reject("failed after its side effect (reject marker)")


class DeleteOnReceipt(Middleware):
    """Delete before the work (at-most-once): a crash mid-work loses the message."""

    def __init__(self) -> None:
        self.delete: Delete | None = None

    def after_receive(self, message: Received) -> None:
        assert self.delete is not None, "acknowledger() binds the worker's delete"
        self.delete(message)

    def acknowledger(self, inner: Acknowledger) -> Acknowledger:
        self.delete = inner.delete
        return NeverDelete(inner.delete)


class ForgetToDelete(Middleware):
    def acknowledger(self, inner: Acknowledger) -> Acknowledger:
        return NeverDelete(inner.delete)


class AllOrNothingBatch(Middleware):
    """Delete a batch only if every message in it succeeded (a batch handler without
    partial failure reporting): one failure and the good messages come back too."""

    def acknowledger(self, inner: Acknowledger) -> Acknowledger:
        return AllOrNothing(inner)


class DownstreamOutage(Middleware):
    """The downstream fails every side-effect call for ``seconds`` from this consumer's first
    attempt, then recovers (an outage of the external system)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.began: float | None = None

    def calling_downstream(self, message: Received, work: Work) -> None:
        now = self.clock()
        if self.began is None:  # a pool's first calls may race here: either start is fine
            self.began = now
        if now - self.began < self.seconds:
            raise Unavailable(f"downstream unavailable (an outage of {self.seconds:g} s)")


class SlowClaimWrite(Middleware):
    """A pause before each idempotency claim is written (a slow network between a read and
    a write): long enough for two consumers to interleave."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def before_claim_write(self, key: str) -> None:
        time.sleep(self.seconds)


class ExitAtOnce(Middleware):
    """The first SIGTERM ends the process, abandoning the message in hand."""

    def exit_at_once(self, signals: int) -> bool:
        return True


class SwallowingSideEffects(Downstream):
    """A side effect whose failure is logged and forgotten: the handler takes it as done,
    completes and deletes the message, and the work is lost."""

    def __init__(self, inner: Downstream) -> None:
        self.inner = inner

    def perform(
        self,
        subject: str,
        request_key: str,
        run_id: str,
        payload: dict[str, Any],
    ) -> bool:
        try:
            return self.inner.perform(subject, request_key, run_id, payload)
        except Unavailable as err:
            log.warning("side effect failed, carrying on as if it was done: %s", err)
            return True


def layer(
    knobs: ConsumerKnobs,
    history: History,
    *,
    crash: Crash = crash_now,
    rng: random.Random | None = None,
) -> list[Middleware]:
    """The faults ``knobs`` switch on, in hook order (a marked message is rejected before a
    crash point counts it)."""
    faults: list[Middleware] = []
    if knobs.reject_payload_marker:
        late = knobs.reject_stage == "after-side-effect"
        faults.append(RejectMarker(knobs.reject_payload_marker, after_side_effect=late))
    if knobs.crash_after_receive or knobs.crash_after_side_effect or knobs.crash_rate:
        faults.append(
            CrashPoints(
                history,
                after_receive=knobs.crash_after_receive,
                after_side_effect=knobs.crash_after_side_effect,
                rate=knobs.crash_rate,
                crash=crash,
                rng=rng,
            )
        )
    if knobs.side_effect_delay_seconds:
        faults.append(SlowWork(knobs.side_effect_delay_seconds))
    if knobs.pause_once_seconds:
        faults.append(PauseOnce(knobs.pause_once_seconds))
    if knobs.lost_lease == "counts-as-done":
        faults.append(TrustStaleDelete())
    if knobs.delete_mode == "before":
        faults.append(DeleteOnReceipt())
    if knobs.delete_mode == "never":
        faults.append(ForgetToDelete())
    if knobs.batch_mode == "all-or-nothing":
        faults.append(AllOrNothingBatch())
    if knobs.shutdown_mode == "immediate":
        faults.append(ExitAtOnce())
    if knobs.downstream_outage_seconds:
        faults.append(DownstreamOutage(knobs.downstream_outage_seconds))
    if knobs.claim_write_delay_seconds:
        faults.append(SlowClaimWrite(knobs.claim_write_delay_seconds))
    return faults
