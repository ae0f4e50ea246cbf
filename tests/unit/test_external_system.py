"""The external system a foreign consumer calls: side effects once per call or per key, 409
while a key is in progress, faults, floods, and the moments the lab stops a caller at."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from queuelab.contract import external, faults
from queuelab.run import external as system_module
from queuelab.run.effect_endpoint import EffectEndpoint
from queuelab.run.external import Caller, ExternalSystem, Trigger


@pytest.fixture
def system(tmp_path: Path) -> ExternalSystem:
    made = ExternalSystem(tmp_path / external.FILE)
    made.add(Caller("c1"))
    made.add(Caller("c2"))
    return made


def outcomes(system: ExternalSystem) -> list[str]:
    return [c.outcome for c in external.read(system.log)]


def test_without_a_key_every_call_performs_the_side_effect(system: ExternalSystem) -> None:
    first, second = system.post("c1", "a", ""), system.post("c1", "a", "")

    assert (first.status, second.status) == (200, 200)
    assert system.performances["a"] == 2
    assert system.get("c1", "a").status == 200 and system.get("c1", "b").status == 404


def test_with_a_key_it_is_performed_once_and_the_first_result_is_answered_again(
    system: ExternalSystem,
) -> None:
    first = system.post("c1", "a", "order-1")
    again = system.post("c2", "b", "order-1")

    assert again.body == first.body and again.headers == {external.REPLAYED_HEADER: "true"}
    assert system.performances == {"a": 1}
    assert outcomes(system) == [external.PERFORMED, external.REPLAYED]


def test_a_key_in_progress_answers_409(system: ExternalSystem) -> None:
    system.callers["c1"].delay = 0.5
    slow = threading.Thread(target=system.post, args=("c1", "a", "k"))
    slow.start()
    time.sleep(0.1)

    busy = system.post("c2", "a", "k")
    slow.join()

    assert busy.status == 409 and system.performances == {"a": 1}


def test_a_body_without_an_id_is_a_bad_request(system: ExternalSystem) -> None:
    assert system.post("c1", "", "").status == 400
    assert outcomes(system) == [external.BAD_REQUEST]


def test_the_runs_faults_refuse_side_effects_before_they_are_performed(tmp_path: Path) -> None:
    made = ExternalSystem(tmp_path / "log", decider=faults.Decider(faults.parse("throttle=1"), 1))
    made.add(Caller("c1"))

    refused = made.post("c1", "a", "k")

    assert refused.status == 429 and not made.performances
    assert made.post("c1", "a", "k").status == 429, "a refused key is not in progress"


def test_a_scoped_fault_does_not_reach_the_external_system(tmp_path: Path) -> None:
    made = ExternalSystem(tmp_path / "log", decider=faults.Decider(faults.parse("send:error=1"), 1))
    made.add(Caller("c1"))

    assert made.post("c1", "a", "").status == 200


def test_a_flood_is_refused_and_reported_once(
    system: ExternalSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(system_module, "FLOOD_PER_SECOND", 5)
    flooded: list[tuple[str, int]] = []
    system.on_flood = lambda name, rate: flooded.append((name, rate))

    answers = [system.get("c1", "a").status for _ in range(8)]
    time.sleep(0.1)  # the report runs on its own thread

    assert answers[:5] == [404] * 5 and set(answers[5:]) == {429}
    assert flooded == [("c1", 6)]


def test_a_caller_stopped_while_its_request_is_held_never_gets_its_side_effect(
    system: ExternalSystem,
) -> None:
    seen: list[str] = []
    system.callers["c1"].triggers.append(Trigger("before", lambda id_: not seen.append(id_), at=2))

    system.post("c1", "a", "k1")
    held = system.post("c1", "b", "k2")

    assert seen == ["b"] and held.drop and system.performances == {"a": 1}
    assert system.post("c2", "b", "k2").status == 200, "the key was given back"


def test_a_caller_stopped_after_its_side_effect_gets_no_answer_but_the_key_is_done(
    system: ExternalSystem,
) -> None:
    system.callers["c1"].triggers.append(Trigger("after", lambda id_: True, at=1))

    dropped = system.post("c1", "a", "k")
    retried = system.post("c2", "a", "k")

    assert dropped.drop and retried.headers == {external.REPLAYED_HEADER: "true"}
    assert system.performances == {"a": 1}


def test_a_caller_that_dies_during_the_work_gets_no_side_effect(system: ExternalSystem) -> None:
    system.callers["c1"].delay = 0.05
    system.alive = lambda name: False

    assert system.post("c1", "a", "").drop and not system.performances
    assert outcomes(system) == [external.ABANDONED]


def test_drain_cuts_the_work_short_and_waits_for_every_answer(system: ExternalSystem) -> None:
    system.callers["c1"].delay = 30
    system.alive = lambda name: False
    slow = threading.Thread(target=system.post, args=("c1", "a", ""))
    slow.start()
    time.sleep(0.1)

    assert system.drain(timeout=5)
    slow.join(timeout=1)
    assert outcomes(system) == [external.ABANDONED]


def test_the_ordering_log_has_the_producers_field_per_performance(tmp_path: Path) -> None:
    made = ExternalSystem(tmp_path / "log", payload_of=lambda id_: {"sequence": int(id_) * 10})
    made.add(Caller("c1", log_path=tmp_path / "order.log"))

    for id_ in ("2", "1", "2"):
        made.post("c1", id_, "")

    assert (tmp_path / "order.log").read_text().split() == ["20", "10", "20"]


def test_over_http_each_process_has_its_own_url(system: ExternalSystem) -> None:
    endpoint = EffectEndpoint("tok", system)
    try:
        url = endpoint.url("c1")
        request = urllib.request.Request(
            url, json.dumps({"id": "a"}).encode(), {"Idempotency-Key": "k"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert answer.status == 200 and json.loads(answer.read())["id"] == "a"
        with urllib.request.urlopen(f"{url}/a", timeout=5) as answer:
            assert answer.status == 200
        for wrong in (f"{url}/b", url.replace("/tok/", "/other/") + "/a"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(wrong, timeout=5)
            assert refused.value.code == 404
        bad = urllib.request.Request(url, b"not json", method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(bad, timeout=5)
        assert refused.value.code == 400
    finally:
        endpoint.close()
    assert [c.process for c in external.read(system.log)] == ["c1"] * 4
