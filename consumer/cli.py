"""``queuelab consume`` / ``python -m consumer``: every knob is an environment variable and a
CLI option (``queuelab.contract.consumer_knobs``). Values are validated before any AWS call;
a bad one exits 2 and names it."""

from __future__ import annotations

from typing import Any

import typer

from consumer.wiring import run
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.knobs import command

consume = command(
    "consume",
    ConsumerKnobs,
    run,
    "Long-poll a queue, do each message's side effect once, delete it. Chaos knobs included.",
)


def main() -> Any:
    app = typer.Typer(add_completion=False)
    app.command()(consume)
    return app(prog_name="python -m consumer")
