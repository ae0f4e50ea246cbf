"""Everything a scenario file needs, in one import (``from scenarios import kit``, then
``kit.Scenario``, ``kit.Lab``, ``kit.EXACTLY_ONCE``...): the declaration, the lab its method
drives, the knobs of the processes it starts, the history's vocabulary, and the
expectations and parameters most scenarios share.

A scenario is one file in this folder that defines ``SCENARIO``, named after it
(``visibility_zero_release.py`` declares ``visibility-zero-release``): found there, provisioned,
tested safe and ``--unsafe``, and given its catalogue row and page, with nothing to register.
"""

from __future__ import annotations

from queuelab.check.ledger import lease_seconds, receives
from queuelab.check.verdict import Applies, Expect
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import FAIL, INFO, INVOKE, OK, Fn, Op
from queuelab.contract.messages import POISON_MARKER
from queuelab.contract.producer_knobs import ProducerKnobs
from queuelab.run.children import Child, Role
from queuelab.run.lab import Lab
from queuelab.run.metrics import Metrics, metric
from queuelab.run.params import Param, Params
from queuelab.run.scenario import (
    BLACK_BOX,
    Category,
    Measured,
    Scenario,
    Topic,
    black_box_but_not_lambda,
    not_black_box,
)
from queuelab.targets.plan import ResourceSet

__all__ = [
    "ALL_DELIVERED",
    "BATCHES",
    "BLACK_BOX",
    "DLQ_EMPTY",
    "DRAINED",
    "EXACTLY_ONCE",
    "FAIL",
    "HOLDS_PAST_VISIBILITY",
    "INFO",
    "INVOKE",
    "NOTHING_AMISS",
    "NOTHING_LOST",
    "NOTHING_UNEXPECTED",
    "NO_DUPLICATES",
    "OK",
    "POISON_HANDLED",
    "POISON_MARKER",
    "QUEUE_EMPTY",
    "Applies",
    "Category",
    "Child",
    "ConsumerKnobs",
    "Expect",
    "Fn",
    "Lab",
    "Measured",
    "Metrics",
    "Op",
    "Param",
    "Params",
    "ProducerKnobs",
    "ResourceSet",
    "Role",
    "Scenario",
    "Topic",
    "black_box_but_not_lambda",
    "consumers",
    "lease_seconds",
    "messages",
    "metric",
    "not_black_box",
    "receives",
]

NOTHING_LOST = Expect("lost", "==", 0)
NOTHING_UNEXPECTED = Expect("unexpected", "==", 0)
NO_DUPLICATES = Expect("duplicate_side_effects", "==", 0)
ALL_DELIVERED = Expect("delivered", "==", "acknowledged")
QUEUE_EMPTY = Expect("stuck", "==", 0)
DRAINED = Expect("drained", "==", 1)  # empty while consumers ran, not emptied by the reader
DLQ_EMPTY = Expect("dead_lettered", "==", 0)

# Good messages once, every poison message in the DLQ, nothing else anywhere.
POISON_HANDLED = (
    Expect("delivered", "==", "good"),
    Expect("dead_lettered", "==", "poison"),
    QUEUE_EMPTY,
    DRAINED,
    NOTHING_LOST,
    NOTHING_UNEXPECTED,
    NO_DUPLICATES,
)

# Nothing lost, unexpected or done twice, nothing left in the queue or the DLQ.
NOTHING_AMISS = (NOTHING_LOST, NOTHING_UNEXPECTED, NO_DUPLICATES, QUEUE_EMPTY, DRAINED, DLQ_EMPTY)

# Every message's side effect once, nothing left anywhere.
EXACTLY_ONCE = (ALL_DELIVERED, *NOTHING_AMISS)


# What failure modes need of a consumer's design (``Scenario.applies``), in words for a
# consumer that does not give it to them.
BATCHES = Applies(
    Expect("largest_batch", ">=", 2),
    "it takes one message per receive, so no batch ever held a message of another kind",
)
HOLDS_PAST_VISIBILITY = Applies(
    Expect("held_past_visibility", ">=", 1),
    "it deleted, released or extended every message within its visibility timeout, so none "
    "came back to another consumer while it still worked on it",
)


def messages(default: int, help: str = "messages to send") -> Param:
    return Param(default, help, min=1)


def consumers(default: int, help: str = "consumer processes") -> Param:
    return Param(default, help, min=1)
