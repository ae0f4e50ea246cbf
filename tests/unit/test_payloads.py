from __future__ import annotations

import json
from collections import Counter

from producer.payloads import Shape, messages, poison_indices
from queuelab.history import KEY_ATTRIBUTE, RUN_ATTRIBUTE


def test_plain_messages_have_a_unique_id_a_work_value_and_tracking_attributes() -> None:
    out = list(messages(Shape(count=5, seed=1), "run-1"))
    payloads = [json.loads(m.body) for m in out]
    assert len({p["id"] for p in payloads}) == 5
    assert all(1 <= p["work"] <= 1000 and p["run"] == "run-1" for p in payloads)
    assert all(m.attributes == {KEY_ATTRIBUTE: m.key, RUN_ATTRIBUTE: "run-1"} for m in out)
    assert not any(m.poison for m in out)


def test_poison_every_n_overrides_poison_count() -> None:
    shape = Shape(count=10, poison_count=7, poison_every=3)
    assert poison_indices(shape, __import__("random").Random(0)) == {2, 5, 8}
    marked = [m for m in messages(shape, "r") if m.poison]
    assert len(marked) == 3 and all('"poison": true' in m.body for m in marked)


def test_malformed_bodies_are_not_json_but_still_tracked() -> None:
    out = list(messages(Shape(count=1, malformed_count=2), "r"))
    malformed = out[1:]
    assert all(m.payload is None and m.poison for m in malformed)
    assert all(m.attributes[KEY_ATTRIBUTE] == m.key for m in malformed)


def test_order_ids_repeat_so_different_messages_share_a_subject() -> None:
    out = list(messages(Shape(count=6, order_ids=4), "r"))
    subjects = Counter(m.subject for m in out)
    assert len(subjects) == 4 and sorted(subjects.values()) == [1, 1, 2, 2]


def test_versions_cover_each_entity_and_can_arrive_newest_first() -> None:
    out = [m.payload for m in messages(Shape(count=6, entities=2, versions="descending"), "r")]
    sent = [(p["entity_id"], p["version"]) for p in out if p]
    assert [version for _, version in sent] == [3, 3, 2, 2, 1, 1]
    assert sorted(sent) == [(f"entity-{e}", v) for e in (0, 1) for v in (1, 2, 3)]
