"""The pipeline's processes, started through the lab like producers and consumers (same
per-process credentials, history file and lifeline): the order service, the outbox relay
and the upstream poller (``python -m pipeline ...``). Known only through the contract: the
module, the knob models, the exit codes."""

from __future__ import annotations

import sys

from queuelab.contract.pipeline_knobs import OrdersKnobs, PollerKnobs, RelayKnobs
from queuelab.contract.processes import PIPELINE_MODULE
from queuelab.run.children import Child, Role
from queuelab.run.lab import Lab

GRACE_SECONDS = 5.0  # a graceful stop finishes an order, an outbox item or a page


def _start(
    lab: Lab, command: str, role: Role, name: str, knobs: OrdersKnobs | RelayKnobs | PollerKnobs
) -> Child:
    argv = [sys.executable, "-m", PIPELINE_MODULE, command]
    env = lab.environment(name, knobs.to_env())
    return lab.spawn(name, role, argv, env, GRACE_SECONDS)


def orders(
    lab: Lab, knobs: OrdersKnobs, name: str = "orders", *, wait: bool = True, timeout: float = 60
) -> Child:
    """Write orders with these knobs, into the run's orders table (and outbox, or queue)."""
    target = lab.resources
    wired = knobs.but(
        orders_table=target.table("orders"),
        outbox_table=target.tables.get("outbox", ""),
        queue_url=target.queue_url,
        process_name=name,
    )
    child = _start(lab, "orders", Role.SERVICE, name, wired)
    if wait:
        lab.wait_exit(child, timeout)
    return child


def relay(lab: Lab, knobs: RelayKnobs | None = None, name: str = "relay") -> Child:
    """Relay the run's outbox to its queue until stopped."""
    target = lab.resources
    wired = (knobs or RelayKnobs()).but(
        outbox_table=target.table("outbox"), queue_url=target.queue_url, process_name=name
    )
    return _start(lab, "relay", Role.RELAY, name, wired)


def poller(lab: Lab, knobs: PollerKnobs, name: str) -> Child:
    """Poll ``knobs.feed_url`` into the run's queue, its state in the run's state table."""
    target = lab.resources
    wired = knobs.but(
        state_table=target.table("state"), queue_url=target.queue_url, process_name=name
    )
    return _start(lab, "poller", Role.POLLER, name, wired)
