"""The conformance probes, run on the embedded backend (everything as SQS, bar the two lab
settings) and on stock moto (the differences this backend fixes must show: a probe that
cannot fail is a defect)."""

from __future__ import annotations

import pytest

from queuelab.backend import EmbeddedBackend, Endpoint
from queuelab.backend.launcher import server_argv
from queuelab.targets import semantics
from queuelab.targets.conformance import Conformance, Status

# What stock moto 5.2 gets wrong, as moto.md and this issue list it.
STOCK_MOTO_DIFFERS = {
    "fifo-dedup-answers-original-id",
    "fifo-dedup-after-delete",
    "fifo-dedup-scope-message-group",
    "fifo-sequence-number",
    "fifo-dedup-window",
    "fifo-receive-attempt-id",
    "fifo-expired-handle-delete-refused",
    "fifo-expired-handle-visibility-refused",
    "size-counts-utf8-bytes",
    "size-counts-attributes",
    "invalid-characters-refused",
    "batch-fails-only-offending-entries",
    "redrive-allow-policy-stored",
    "redrive-allow-policy-enforced",
    "move-task-to-source",
    "move-task-validation",
    "visibility-deleted-handle-refused",
    "receipt-handle-malformed-refused",
    "fifo-queue-delay-applies",
    "fifo-batch-groups-together",
    "fifo-group-head-available",
    "fifo-name-needs-fifo-attribute",
    "queue-type-fixed",
    "message-body-required",
    "receive-limits-refused",
    "batch-size-checked-first",
    "message-attribute-names",
    "group-id-on-standard-queue",
}


def test_every_semantic_has_a_probe_and_a_reference() -> None:
    from queuelab.targets import probes

    probed = {name for names in probes.PROBES.values() for name in names} | set(probes.WINDOW)
    assert probed == set(semantics.BY_NAME)
    assert all(s.reference.startswith("https://docs.aws.amazon.com/") for s in semantics.CATALOGUE)


def test_the_embedded_backend_behaves_like_sqs_but_for_its_declared_settings(
    endpoint: Endpoint,
) -> None:
    rows = Conformance(endpoint.settings(), endpoint.backend).all()

    status = {row.name: row.status for row in rows}
    seen = [f"{row.name}: {row.status.value} ({row.observed})" for row in rows]
    assert {name for name, s in status.items() if s is not Status.OK} == {
        "purge-cooldown",
        "fifo-dedup-window",
    }, seen
    assert status["purge-cooldown"] is Status.SETTING
    assert status["fifo-dedup-window"] is Status.SETTING


@pytest.mark.slow
def test_stock_moto_shows_the_differences_the_patches_fix() -> None:
    with EmbeddedBackend(argv=server_argv(stock=True)) as stock:
        rows = Conformance(stock.settings()).all()

    differs = {row.name for row in rows if row.status is Status.DIFFERS}
    assert differs == STOCK_MOTO_DIFFERS, [f"{row.name}: {row.observed}" for row in rows]
    assert not [row for row in rows if row.status is Status.UNKNOWN]


def test_rows_are_probed_once_per_session(endpoint: Endpoint) -> None:
    conformance = Conformance(endpoint.settings(), endpoint.backend)
    first = conformance.rows(["purge-cooldown"])
    again = conformance.rows(["purge-cooldown"])

    assert first == again and first[0] is again[0]


def test_aws_is_the_reference_and_not_probed_for_runs(endpoint: Endpoint) -> None:
    rows = Conformance(endpoint.settings(), reference=True).rows(["purge-cooldown"])

    assert rows[0].status is Status.OK and rows[0].observed == "AWS is the reference"
