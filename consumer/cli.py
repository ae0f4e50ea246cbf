"""``queuelab consume`` / ``python -m consumer``: every knob is an environment variable and a
CLI option. Values are validated before any AWS call; a bad one exits 2 and names it."""

from __future__ import annotations

import inspect
import logging
import sys
from dataclasses import replace
from typing import Annotated, Any

import typer

from consumer.config import KNOBS, ConfigError, ConsumerConfig, parse
from consumer.handler import Handler
from consumer.idempotency import StatusTable
from consumer.side_effects import SideEffects
from consumer.versions import VersionStore
from consumer.worker import Worker
from queuelab import aws, lifeline
from queuelab.history import History


def run(config: ConsumerConfig) -> int:
    logging.basicConfig(
        level=config.log_level,
        format=f"%(asctime)s {config.consumer_id} %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    log = logging.getLogger("consumer")
    if config.idempotent and not config.message_status_table:
        log.warning(
            "IDEMPOTENCY=on without MESSAGE_STATUS_TABLE: only this process's in-memory cache "
            "deduplicates; other consumers will repeat side effects"
        )
    settings = aws.AwsSettings.from_env()
    if config.aws_region:
        settings = replace(settings, region=config.aws_region)
    ddb = (
        aws.dynamodb(settings)
        if (config.message_status_table or config.message_side_effects_table)
        else None
    )
    status = (
        StatusTable(
            ddb, config.message_status_table, config.consumer_id, config.idempotency_lease_seconds
        )
        if ddb is not None and config.message_status_table
        else None
    )
    effects = SideEffects(
        ddb,
        config.message_side_effects_table,
        config.consumer_id,
        config.side_effect_log_path,
        config.side_effect_log_field,
    )
    versions = (
        VersionStore(config.version_state_path, config.version_log_path, config.versioning_enabled)
        if config.version_state_path
        else None
    )
    history = History(config.history_path or None, config.consumer_id)
    handler = Handler(config, status, effects, history, versions=versions)
    worker = Worker(config, aws.sqs(settings), handler, history)
    worker.install_signal_handlers()
    lifeline.watch()  # started by the runner: stop gracefully if it dies
    return worker.run()


def consume(**raw: str | None) -> None:
    """Long-poll a queue, do each message's side effect once, delete it. Chaos knobs included."""
    try:
        config = parse({knob.name: raw.get(knob.field) for knob in KNOBS})
    except ConfigError as err:
        for problem in str(err).splitlines():
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2) from None
    raise typer.Exit(run(config))


consume.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter(
            knob.field,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                str | None,
                typer.Option(
                    knob.option,
                    envvar=knob.name,
                    help=f"{knob.help} (env {knob.name}; default: {knob.default or 'empty'})",
                    show_default=False,
                    show_envvar=False,
                ),
            ],
        )
        for knob in KNOBS
    ]
)


def main() -> Any:
    app = typer.Typer(add_completion=False)
    app.command()(consume)
    return app(prog_name="python -m consumer")
