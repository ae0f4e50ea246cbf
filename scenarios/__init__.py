"""The scenario registry: every scenario module's SCENARIO, by name."""

from __future__ import annotations

from queuelab.run.scenario import Category, Scenario
from scenarios import (
    ambiguous_send,
    api_faults,
    at_least_once,
    backlog_100k,
    backlog_drain,
    backpressure,
    business,
    check_then_act,
    claim_check,
    crash,
    cursor_resume,
    dlq_redrive,
    dlq_watch,
    dup,
    dup_graceful_shutdown,
    dup_side_effects,
    fifo_dedup_window,
    fifo_order,
    fifo_poison_group,
    happy,
    heartbeat,
    late_delete,
    lease_expiry,
    out_of_order,
    outbox,
    poison,
    poison_partial_batch,
    purge_timing,
    queue_outage,
    retry_backoff,
    schema_evolution,
    single_poller,
    version_order,
)

ALL: tuple[Scenario, ...] = tuple(
    module.SCENARIO
    for module in (
        happy,
        crash,
        dup,
        poison,
        business,
        poison_partial_batch,
        dup_side_effects,
        dup_graceful_shutdown,
        fifo_order,
        version_order,
        out_of_order,
        dlq_redrive,
        backlog_drain,
        backlog_100k,
        backpressure,
        purge_timing,
        api_faults,
        ambiguous_send,
        at_least_once,
        queue_outage,
        fifo_dedup_window,
        late_delete,
        retry_backoff,
        heartbeat,
        lease_expiry,
        check_then_act,
        fifo_poison_group,
        outbox,
        claim_check,
        schema_evolution,
        cursor_resume,
        single_poller,
        dlq_watch,
    )
)


class UnknownScenario(KeyError):
    pass


def get(name: str) -> Scenario:
    for scenario in ALL:
        if scenario.name == name:
            return scenario
    known = ", ".join(s.name for s in ALL)
    raise UnknownScenario(f"no scenario named {name!r} (known: {known})")


def in_category(category: Category | None) -> tuple[Scenario, ...]:
    """What ``--all`` / ``--category`` run: not the on-demand scenarios (run them by name)."""
    return tuple(s for s in ALL if not s.on_demand and (category is None or s.category is category))
