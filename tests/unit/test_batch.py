"""Several scenarios at once: side by side up to --jobs, those that measure a timing window
alone; an interrupt stops the runs in progress and starts no more."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import pytest

import scenarios
from queuelab.check.ledger import Ledger
from queuelab.check.verdict import Status
from queuelab.run.batch import run_many
from queuelab.run.result import Interrupted, Result
from queuelab.run.scenario import Scenario
from queuelab.targets.plan import ResourceSet


def named(name: str, alone: bool = False) -> Scenario:
    """A scenario of its own, on its own resources (runs on the same ones never overlap)."""
    happy = scenarios.get("happy")
    return dataclasses.replace(happy, name=name, alone=alone, resources=ResourceSet())


def result(name: str, status: Status = Status.PASSED) -> Result:
    return Result(name, status, False, 0.0, Ledger(), (), (), Path("/r"))


class Recorder:
    def __init__(self, seconds: float = 0.05) -> None:
        self.seconds = seconds
        self.running: set[str] = set()
        self.beside: dict[str, set[str]] = {}  # scenario -> what ran at the same time
        self.lock = threading.Lock()

    def __call__(self, scenario: Scenario, cancel: threading.Event) -> Result:
        with self.lock:
            self.beside[scenario.name] = set(self.running)
            for other in self.running:
                self.beside[other].add(scenario.name)
            self.running.add(scenario.name)
        time.sleep(self.seconds)
        with self.lock:
            self.running.discard(scenario.name)
        return result(scenario.name)


def test_independent_scenarios_run_side_by_side_and_keep_their_order() -> None:
    recorder = Recorder()
    batch = run_many([named("a"), named("b"), named("c")], jobs=3, start=recorder)
    assert [r.scenario for r in batch.ordered()] == ["a", "b", "c"]
    assert recorder.beside["a"] == {"b", "c"}


def test_a_scenario_that_runs_alone_has_nothing_beside_it() -> None:
    recorder = Recorder()
    chosen = [named("a"), named("timing", alone=True), named("b")]
    batch = run_many(chosen, jobs=4, start=recorder)
    assert recorder.beside["timing"] == set() and recorder.beside["a"] == {"b"}
    assert [r.scenario for r in batch.ordered()] == ["a", "timing", "b"]


def test_an_interrupt_in_one_run_stops_the_batch_before_the_alone_ones() -> None:
    def start(scenario: Scenario, cancel: threading.Event) -> Result:
        if scenario.name == "b":
            raise Interrupted(result("b", Status.INTERRUPTED))
        return result(scenario.name)

    batch = run_many([named("a"), named("b"), named("later", alone=True)], jobs=2, start=start)
    assert batch.interrupted
    assert {r.scenario: r.status for r in batch.ordered()} == {
        "a": Status.PASSED,
        "b": Status.INTERRUPTED,
    }


def test_cancel_reaches_every_run_in_progress() -> None:
    b_started, seen = threading.Event(), []

    def start(scenario: Scenario, cancel: threading.Event) -> Result:
        if scenario.name == "a":
            b_started.wait(5)
            raise KeyboardInterrupt  # stands for Ctrl-C reaching the main thread
        b_started.set()
        seen.append(cancel.wait(5))
        raise Interrupted(result(scenario.name, Status.INTERRUPTED))

    batch = run_many([named("a"), named("b"), named("c")], jobs=2, start=start)
    assert batch.interrupted and seen == [True]
    assert [r.scenario for r in batch.ordered()] == ["b"]  # c never started


def test_every_result_is_told_once_even_when_the_next_run_starts_first() -> None:
    # Given a recorder, side-by-side and alone scenarios, and a slow ``finished`` (a report)
    recorder, told = Recorder(), []
    chosen = [named("a"), named("b"), named("t1", alone=True), named("t2", alone=True)]

    def finished(done: Result) -> None:
        told.append(done.scenario)
        time.sleep(0.1)

    run_many(chosen, jobs=1, start=recorder, finished=finished)
    # Then each result reached ``finished`` once, in the order the runs ended
    assert sorted(told) == ["a", "b", "t1", "t2"] and len(told) == 4
    assert told.index("t1") < told.index("t2")


def test_a_report_that_fails_is_raised_after_every_run_ran() -> None:
    # Given a ``finished`` that breaks on the first result
    recorder = Recorder()

    def finished(done: Result) -> None:
        if done.scenario == "a":
            raise RuntimeError("no report")

    # When the batch runs, Then the error comes out, but only once every run has ended
    with pytest.raises(RuntimeError, match="no report"):
        run_many([named("a"), named("b"), named("t", alone=True)], 1, recorder, finished)
    assert set(recorder.beside) == {"a", "b", "t"} and not recorder.running


def test_no_run_starts_beside_others_while_the_machine_has_no_room() -> None:
    recorder = Recorder()
    asked: list[int] = []

    def no_room(running: int) -> bool:
        asked.append(running)
        return False

    batch = run_many([named("a"), named("b"), named("c")], jobs=3, start=recorder, room=no_room)
    assert [r.scenario for r in batch.ordered()] == ["a", "b", "c"]
    assert all(not beside for beside in recorder.beside.values())
    assert asked and set(asked) == {1}  # the first run never waits for room


def test_runs_start_beside_others_up_to_jobs_while_there_is_room() -> None:
    recorder = Recorder(seconds=0.3)
    chosen = [named(n) for n in "abcde"]
    run_many(chosen, jobs=3, start=recorder, room=lambda running: running < 2)
    assert max(len(beside) for beside in recorder.beside.values()) <= 2
    assert any(len(beside) >= 1 for beside in recorder.beside.values())
