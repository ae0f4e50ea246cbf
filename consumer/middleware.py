"""The worker's hook points, in the style of dramatiq's middleware.

The production path (``worker.Worker``, ``handler.Handler``) calls these at fixed points
and every default does nothing, so with no middleware it is a plain, correct worker. The
chaos layer (``consumer/chaos.py``) plugs its faults in here: crash points, slow work,
reject markers, delete and batch modes, shutdown modes, downstream outages, slow claims.
"""

from __future__ import annotations

from collections.abc import Sequence

from consumer.acknowledgers import Acknowledger
from consumer.message import Received, Work


class Middleware:
    def after_receive(self, message: Received) -> None:
        """A message of this run is about to be handled."""

    def before_work(self, message: Received, work: Work) -> None:
        """The message is valid; raise ``Reject`` to refuse it."""

    def before_side_effect(self, message: Received, work: Work) -> None:
        """The claim is ours; the side effect comes next."""

    def calling_downstream(self, message: Received, work: Work) -> None:
        """The side effect's call is being made (its invoke is recorded); raise
        ``Unavailable`` to fail it (the downstream is down)."""

    def before_claim_write(self, key: str) -> None:
        """The idempotency claim on ``key`` is about to be written (a read-then-write claim
        has read the table already): the window in which another consumer can race."""

    def after_side_effect(self, message: Received, work: Work) -> None:
        """The side effect was just performed (not when it was found done already)."""

    def before_complete(self, message: Received, work: Work) -> None:
        """The side effect is done (performed now or before); raise ``Reject`` to fail it."""

    def acknowledger(self, inner: Acknowledger) -> Acknowledger:
        """Replace how successes are deleted (``consumer/acknowledgers.py``)."""
        return inner

    def exit_at_once(self, signals: int) -> bool:
        """A SIGTERM / SIGINT arrived (the ``signals``-th): True to exit without finishing."""
        return False

    def done_despite_lost_lease(self, message: Received) -> bool:
        """SQS refused the delete (the lease was lost): True to count the message as done
        anyway."""
        return False

    def after_delete(self, message: Received) -> None:
        """SQS confirmed the delete of a handled message."""


class Chain(Middleware):
    """Several middleware, called in order."""

    def __init__(self, middleware: Sequence[Middleware] = ()) -> None:
        self.middleware = tuple(middleware)

    def after_receive(self, message: Received) -> None:
        for m in self.middleware:
            m.after_receive(message)

    def before_work(self, message: Received, work: Work) -> None:
        for m in self.middleware:
            m.before_work(message, work)

    def before_side_effect(self, message: Received, work: Work) -> None:
        for m in self.middleware:
            m.before_side_effect(message, work)

    def calling_downstream(self, message: Received, work: Work) -> None:
        for m in self.middleware:
            m.calling_downstream(message, work)

    def before_claim_write(self, key: str) -> None:
        for m in self.middleware:
            m.before_claim_write(key)

    def after_side_effect(self, message: Received, work: Work) -> None:
        for m in self.middleware:
            m.after_side_effect(message, work)

    def before_complete(self, message: Received, work: Work) -> None:
        for m in self.middleware:
            m.before_complete(message, work)

    def acknowledger(self, inner: Acknowledger) -> Acknowledger:
        for m in self.middleware:
            inner = m.acknowledger(inner)
        return inner

    def exit_at_once(self, signals: int) -> bool:
        return any(m.exit_at_once(signals) for m in self.middleware)

    def done_despite_lost_lease(self, message: Received) -> bool:
        return any(m.done_despite_lost_lease(message) for m in self.middleware)

    def after_delete(self, message: Received) -> None:
        for m in self.middleware:
            m.after_delete(message)
