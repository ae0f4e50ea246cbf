"""Build each pipeline process from its knobs: the production parts, the parts a negative
control swaps in (a dual write, no lock, the cursor first), and the chaos layer's crash
points."""

from __future__ import annotations

import logging
import os
from dataclasses import replace

from pipeline import chaos
from pipeline.lease import LeaseLock, Lock, NoLock
from pipeline.orders import DualWrite, OrderService, OrderWriter, TransactionalOutbox, order_event
from pipeline.poller import Advance, AdvanceThenSend, Cursor, Poller, SendThenAdvance
from pipeline.relay import Relay
from pipeline.sender import Sender
from pipeline.shutdown import Shutdown
from queuelab.contract import clients
from queuelab.contract.history import History
from queuelab.contract.pipeline_knobs import OrdersKnobs, PollerKnobs, RelayKnobs


def _start(
    command: str, knobs: OrdersKnobs | RelayKnobs | PollerKnobs
) -> tuple[str, clients.AwsSettings, History, Shutdown]:
    name = knobs.process_name or f"{command}-{os.getpid()}"
    logging.basicConfig(
        level=logging.INFO, format=f"%(asctime)s {name} %(levelname)s %(message)s", force=True
    )
    settings = clients.AwsSettings.from_env()
    if knobs.aws_region:
        settings = replace(settings, region=knobs.aws_region)
    history = History(knobs.history_path or None, name)
    shutdown = Shutdown(history)
    shutdown.install()
    return name, settings, history, shutdown


def orders(knobs: OrdersKnobs) -> int:
    _, settings, history, shutdown = _start("orders", knobs)
    ddb = clients.dynamodb(settings)
    writer: OrderWriter
    if knobs.write_mode == "outbox":
        writer = TransactionalOutbox(ddb, knobs.orders_table, knobs.outbox_table)
    else:
        sender = Sender(clients.sqs(settings), knobs.queue_url, history, knobs.run_id)
        writer = DualWrite(ddb, knobs.orders_table, sender)
    hooks = chaos.hooks(history, orders=knobs.crash_after_orders)
    service = OrderService(writer, history, shutdown, hooks)
    numbers = range(knobs.first_order, knobs.first_order + knobs.orders)
    return service.run([order_event(knobs.run_id, n) for n in numbers])


def relay(knobs: RelayKnobs) -> int:
    _, settings, history, shutdown = _start("relay", knobs)
    sender = Sender(clients.sqs(settings), knobs.queue_url, history, knobs.run_id)
    return Relay(
        clients.dynamodb(settings),
        knobs.outbox_table,
        sender,
        history,
        shutdown,
        poll_interval=knobs.poll_interval_seconds,
        hooks=chaos.hooks(history, sends=knobs.crash_after_sends),
    ).run()


def poller(knobs: PollerKnobs) -> int:
    name, settings, history, shutdown = _start("poller", knobs)
    ddb = clients.dynamodb(settings)
    lock: Lock = NoLock()
    if knobs.lock == "on":
        lock = LeaseLock(
            ddb, knobs.state_table, f"lock-{knobs.feed_name}", name, knobs.lease_seconds, history
        )
    advance: Advance = SendThenAdvance() if knobs.cursor_mode == "after-send" else AdvanceThenSend()
    return Poller(
        knobs.feed_url,
        knobs.feed_name,
        Sender(clients.sqs(settings), knobs.queue_url, history, knobs.run_id),
        Cursor(ddb, knobs.state_table, knobs.feed_name, history),
        lock,
        history,
        shutdown,
        advance=advance,
        page_size=knobs.page_size,
        batch_size=knobs.batch_size,
        poll_interval=knobs.poll_interval_seconds,
        hooks=chaos.hooks(history, sends=knobs.crash_after_sends),
    ).run()
