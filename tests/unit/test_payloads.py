from __future__ import annotations

import json
import random
from collections import Counter

from producer import chaos
from producer.cli import stream
from producer.payloads import Shape, messages
from queuelab.contract.messages import KEY_ATTRIBUTE, RUN_ATTRIBUTE
from queuelab.contract.producer_knobs import ProducerKnobs


def test_plain_messages_have_a_unique_id_a_work_value_and_tracking_attributes() -> None:
    out = list(messages(Shape(count=5, seed=1), "run-1"))
    payloads = [json.loads(m.body) for m in out]
    assert len({p["id"] for p in payloads}) == 5
    assert all(1 <= p["work"] <= 1000 and p["run"] == "run-1" for p in payloads)
    assert all(m.attributes == {KEY_ATTRIBUTE: m.key, RUN_ATTRIBUTE: "run-1"} for m in out)
    assert not any(m.poison for m in out)


def test_poison_every_n_overrides_poison_count() -> None:
    assert chaos.poison_indices(10, every=3, how_many=7, rng=random.Random(0)) == {2, 5, 8}
    knobs = ProducerKnobs(n=10, poison_count=7, poison_every=3)
    marked = [m for m in stream(knobs, "r") if m.poison]
    assert len(marked) == 3 and all('"poison": true' in m.body for m in marked)


def test_malformed_bodies_are_not_json_but_still_tracked() -> None:
    out = list(stream(ProducerKnobs(n=1, malformed_count=2), "r"))
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


def test_continuous_rounds_each_carry_their_poison() -> None:
    knobs = ProducerKnobs(n=4, poison_every=2, continuous=True)
    first_eight = [m for _, m in zip(range(8), stream(knobs, "r"), strict=False)]
    assert [m.poison for m in first_eight] == [False, True] * 4


def test_poison_first_poisons_the_heads_of_the_first_groups() -> None:
    # Given 9 messages over 3 groups, the first one poison
    out = list(stream(ProducerKnobs(n=9, groups=3, poison_first=1), "r"))
    # Then only group g0's first message is poison
    assert [(m.group, m.poison) for m in out[:4]] == [
        ("g0", True), ("g1", False), ("g2", False), ("g0", False)
    ]  # fmt: skip
    assert sum(m.poison for m in out) == 1
