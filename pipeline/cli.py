"""``python -m pipeline orders | relay | poller``: the options are the knobs declared in
``queuelab.contract.pipeline_knobs`` (environment variables too)."""

from __future__ import annotations

import typer

from pipeline import wiring
from queuelab.contract.knobs import command
from queuelab.contract.pipeline_knobs import OrdersKnobs, PollerKnobs, RelayKnobs

ORDERS = command(
    "orders",
    OrdersKnobs,
    wiring.orders,
    "Write orders; publish their events (outbox or dual write).",
)
RELAY = command(
    "relay", RelayKnobs, wiring.relay, "Send the outbox's pending items; mark them sent."
)
POLLER = command(
    "poller",
    PollerKnobs,
    wiring.poller,
    "Poll an upstream feed into SQS, with a cursor and a lock.",
)


def main() -> None:
    app = typer.Typer(add_completion=False, no_args_is_help=True)
    for entry in (ORDERS, RELAY, POLLER):
        app.command(entry.__name__)(entry)
    app(prog_name="python -m pipeline")
