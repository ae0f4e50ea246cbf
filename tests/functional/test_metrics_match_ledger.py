"""The consumer's ``/metrics`` (``METRICS_PORT``) count what the ledger counts: a happy run
with two real consumers, scraped once the queue drained, then checked against the ledger
of the same run. ``/livez`` and ``/readyz`` answer."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from queuelab.check import ledger
from queuelab.contract import clients
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.producer_knobs import ProducerKnobs
from queuelab.run.lab import Lab
from queuelab.run.sampler import NO_PROXY, scrape
from queuelab.targets import observe, reset
from queuelab.targets.session import Session


def status_of(url: str) -> int:
    try:
        with NO_PROXY.open(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return err.code


def test_the_metrics_of_a_happy_run_match_its_ledger(session: Session, tmp_path: Path) -> None:
    resources = session.outputs["happy"]
    sqs, ddb = clients.sqs(session.settings), clients.dynamodb(session.settings)
    reset.reset(sqs, ddb, resources, 0)
    run_id = "metrics-" + tmp_path.name[-12:]
    lab = Lab(run_id, tmp_path, session.settings, session.outputs, resources, sqs, time_limit=90)
    try:
        consumers = [lab.consumer(ConsumerKnobs(max_messages=5)) for _ in range(2)]
        lab.producer(ProducerKnobs(n=30))
        assert lab.settle(timeout=60), "the queue did not drain"
        urls = [c.metrics_url for c in consumers]
        assert all(status_of(u.replace("/metrics", "/livez")) == 200 for u in urls)
        assert all(status_of(u.replace("/metrics", "/readyz")) == 200 for u in urls)

        def settled() -> list[dict[str, float]] | None:
            """Two scrapes in a row alike, nothing in flight: the last delete is counted."""
            first = [scrape(u) for u in urls]
            second = [scrape(u) for u in urls]
            idle = all(s.get("messages_in_flight") == 0 for s in second)
            return second if first == second and idle else None

        scraped = lab.wait_for(settled, timeout=20, what="the consumers' metrics to settle")
    finally:
        lab.close()
    seen, problems = observe.observe(sqs, ddb, resources, run_id)
    counted = ledger.compute(lab.history(), seen, resources.visibility_timeout, run_id)
    assert not problems and counted.delivered == counted.acknowledged == 30

    def total(name: str) -> float:
        return sum(s.get(name, 0) for s in scraped)

    assert total("messages_received") == counted.acknowledged + counted.redeliveries
    assert total("messages_processed") == counted.delivered + counted.duplicate_side_effects
    assert total("messages_deleted") == counted.deleted == 30
    assert total("messages_rejected") == counted.rejected == 0
    assert total("crashes") == counted.crashes == 0
    assert total("messages_skipped") == 0
    assert total("processing_seconds_count") == total("messages_received")
    assert all(s["messages_received"] > 0 for s in scraped)  # both consumers took part
