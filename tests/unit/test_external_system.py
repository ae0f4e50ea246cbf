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

from queuelab.contract import external, faults, files
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.run import external as system_module
from queuelab.run.drivers import translate
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


def test_an_outage_window_refuses_a_caller_from_its_first_request_then_it_recovers(
    system: ExternalSystem,
) -> None:
    system.callers["c1"].outage = 0.3

    down = [system.post("c1", "a", "k").status for _ in range(2)]
    other = system.post("c2", "a", "k2")  # its own window: none
    time.sleep(0.35)
    up = system.post("c1", "a", "k")

    assert down == [503, 503] and other.status == 200 and up.status == 200
    assert outcomes(system)[:2] == [external.DOWN, external.DOWN]
    assert system.performances == {"a": 2}


def test_a_stall_holds_the_callers_first_side_effect_only(system: ExternalSystem) -> None:
    system.callers["c1"].pause_once = 0.3

    started = time.monotonic()
    system.post("c1", "a", "")
    first = time.monotonic() - started
    started = time.monotonic()
    system.post("c1", "b", "")

    assert first >= 0.3 and time.monotonic() - started < 0.2


def test_the_bug_fails_a_marked_payload_after_its_side_effect_until_a_caller_without_it(
    tmp_path: Path,
) -> None:
    payloads = {"a": {"id": "a", "group": "g0"}, "b": {"id": "b", "group": "g1"}}
    made = ExternalSystem(tmp_path / "log", payload_of=payloads.get)
    made.add(Caller("buggy", bug='"group": "g0"'))
    made.add(Caller("fixed"))

    failed, retried = made.post("buggy", "a", "k"), made.post("buggy", "a", "k")
    fine = made.post("buggy", "b", "kb")
    healed = made.post("fixed", "a", "k")

    assert (failed.status, retried.status, fine.status) == (500, 500, 200)
    assert healed.status == 200 and healed.headers == {external.REPLAYED_HEADER: "true"}
    assert made.performances == {"a": 1, "b": 1}, "performed once, before it failed"
    assert outcomes(made) == [
        external.PERFORMED, external.REFUSED, external.PERFORMED, external.REPLAYED
    ]  # fmt: skip


def test_a_versioned_update_applies_only_a_newer_version_and_the_same_id_is_a_replay(
    tmp_path: Path,
) -> None:
    made = ExternalSystem(tmp_path / "log")
    made.entity_state, made.entity_log = tmp_path / "state.json", tmp_path / "versions.log"
    made.add(Caller("c1"))

    answers = [made.put("c1", "e1", id_, v, "") for id_, v in (("a", 2), ("b", 1), ("c", 3))]
    again = made.put("c1", "e1", "b", 1, "")

    assert [a.body["applied"] for a in answers] == [True, False, True]
    assert answers[1].body["version"] == 2 and again.headers == {external.REPLAYED_HEADER: "true"}
    assert files.read_state(tmp_path / "state.json") == {"e1": 3}
    assert files.read_log(tmp_path / "versions.log") == [
        ("e1", 2, True), ("e1", 1, False), ("e1", 3, True)
    ]  # fmt: skip
    assert made.performances == {"a": 1, "b": 1, "c": 1}, "a stale update is handled too"
    assert made.get("c1", "", "e1").body == {"entity_id": "e1", "version": 3}
    assert made.get("c1", "", "e2").status == 404
    assert made.put("c1", "e1", "d", None, "").status == 400


def test_over_http_an_entity_is_put_with_a_version_and_read_back(system: ExternalSystem) -> None:
    endpoint = EffectEndpoint("tok", system)
    try:
        url = endpoint.url("c1") + "/entities/e1"

        def put(body: bytes) -> int:
            request = urllib.request.Request(url, body, method="PUT")
            try:
                with urllib.request.urlopen(request, timeout=5) as answer:
                    return int(answer.status)
            except urllib.error.HTTPError as refused:
                return refused.code

        assert put(json.dumps({"id": "a", "version": 4}).encode()) == 200
        assert put(json.dumps({"id": "b", "version": "4"}).encode()) == 400
        assert put(json.dumps({"id": "c", "version": True}).encode()) == 400
        with urllib.request.urlopen(url, timeout=5) as answer:
            assert json.loads(answer.read()) == {"entity_id": "e1", "version": 4}
    finally:
        endpoint.close()
    assert [(c.method, c.outcome) for c in external.read(system.log)] == [
        ("PUT", external.PERFORMED), ("PUT", external.BAD_REQUEST), ("PUT", external.BAD_REQUEST),
        ("GET", external.FOUND),
    ]  # fmt: skip


def test_a_slots_knobs_become_what_the_endpoint_does_to_its_requests() -> None:
    chaos = ConsumerKnobs(
        side_effect_delay_seconds=1.0, claim_write_delay_seconds=0.5, pause_once_seconds=3.0,
        downstream_outage_seconds=2.0, reject_payload_marker="x", reject_stage="after-side-effect",
    )  # fmt: skip
    made = translate.caller(chaos, "c1")

    assert (made.delay, made.pause_once, made.outage, made.bug) == (1.5, 3.0, 2.0, "x")
    poison_only = ConsumerKnobs(reject_payload_marker="x")  # recognising poison: its own design
    assert translate.caller(poison_only, "c1").bug == ""
