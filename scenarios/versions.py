"""Measures shared by the versioned-update scenarios (version-order, out-of-order)."""

from __future__ import annotations

from collections import defaultdict

from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.files import read_log, read_state
from queuelab.run.lab import Lab
from queuelab.run.scenario import Measured, not_black_box
from scenarios.common import inversions

STATE_FILE = "entities.json"
LOG_FILE = "versions.log"
METRICS = ("entities", "stale_entities", "out_of_order", "stale_if_blind")
NOT_BLACK_BOX = not_black_box(
    "its updates are applied to the lab's entity state (VERSION_STATE_PATH); the consumer "
    "contract has no versioned-update API to check a foreign consumer's state against"
)


def knobs(lab: Lab, reconcile: bool) -> ConsumerKnobs:
    return ConsumerKnobs(
        version_state_path=lab.path(STATE_FILE),
        version_log_path=lab.path(LOG_FILE),
        versioning_enabled=reconcile,
    )


def measure(run: Measured) -> dict[str, float]:
    """stale_entities: final state below the newest version sent; out_of_order: updates that
    arrived after a newer one for the same entity; stale_if_blind: entities whose last
    update to arrive is not their newest (what a blind apply would leave behind, so the run
    really tested reconciliation)."""
    newest: dict[str, int] = {}
    for op in run.history:
        payload = op.value.get("payload") or {}
        if op.f == "send" and op.type == "invoke" and "entity_id" in payload:
            entity = payload["entity_id"]
            newest[entity] = max(newest.get(entity, 0), payload["version"])
    state = read_state(run.run_dir / STATE_FILE)
    arrivals: dict[str, list[int]] = defaultdict(list)
    for entity, version, _ in read_log(run.run_dir / LOG_FILE):
        arrivals[entity].append(version)
    return {
        "entities": len(newest),
        "stale_entities": sum(1 for e, v in newest.items() if state.get(e) != v),
        "out_of_order": sum(inversions(versions) for versions in arrivals.values()),
        "stale_if_blind": sum(1 for e, vs in arrivals.items() if vs[-1] != newest.get(e)),
    }
