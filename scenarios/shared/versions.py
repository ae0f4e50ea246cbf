"""Measures shared by the versioned-update scenarios (version-order, out-of-order). The
entities' state and the log of updates in the order they were handled are written by our
consumer (VERSION_STATE_PATH, VERSION_LOG_PATH), or, for a consumer the lab did not write,
by the side-effect endpoint its conditional updates go to (``PUT /entities/<id>``)."""

from __future__ import annotations

from collections import defaultdict

from queuelab.contract.files import read_log, read_state
from scenarios import kit
from scenarios.shared.measures import inversions

STATE_FILE = "entities.json"
LOG_FILE = "versions.log"


class Versions(kit.Metrics):
    entities = kit.metric("entities updated")
    stale_entities = kit.metric("entities whose final state is below the newest version sent")
    out_of_order = kit.metric("updates that arrived after a newer one for the same entity")
    stale_if_blind = kit.metric(
        "entities whose last update to arrive is not their newest: what a blind apply would "
        "leave behind (the run really tested reconciliation)"
    )


def knobs(lab: kit.Lab, reconcile: bool) -> kit.ConsumerKnobs:
    return kit.ConsumerKnobs(
        version_state_path=lab.path(STATE_FILE),
        version_log_path=lab.path(LOG_FILE),
        versioning_enabled=reconcile,
    )


def measure(run: kit.Measured) -> dict[str, float]:
    newest: dict[str, int] = {}
    for op in run.history:
        payload = op.value.get("payload") or {}
        if op.f == kit.Fn.SEND and op.type == kit.INVOKE and "entity_id" in payload:
            entity = payload["entity_id"]
            newest[entity] = max(newest.get(entity, 0), payload["version"])
    state = read_state(run.run_dir / STATE_FILE)
    arrivals: dict[str, list[int]] = defaultdict(list)
    for entity, version, _ in read_log(run.run_dir / LOG_FILE):
        arrivals[entity].append(version)
    return {
        Versions.entities: len(newest),
        Versions.stale_entities: sum(1 for e, v in newest.items() if state.get(e) != v),
        Versions.out_of_order: sum(inversions(versions) for versions in arrivals.values()),
        Versions.stale_if_blind: sum(1 for e, vs in arrivals.items() if vs[-1] != newest.get(e)),
    }
