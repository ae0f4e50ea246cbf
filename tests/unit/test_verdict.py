from __future__ import annotations

import pytest

from queuelab.check.ledger import Ledger
from queuelab.check.verdict import Expect, Status, judge


def test_a_string_target_compares_with_another_metric() -> None:
    check = Expect("delivered", "==", "acknowledged").evaluate({"delivered": 3, "acknowledged": 4})
    assert not check.ok
    assert check.expected == "== 4 (acknowledged)" and check.actual == 3


def test_an_expectation_on_an_unknown_metric_is_a_bug_not_a_pass() -> None:
    with pytest.raises(KeyError, match="unknown metric"):
        Expect("nonsense", "==", 0).evaluate({})


def test_an_unknown_comparison_is_refused() -> None:
    with pytest.raises(ValueError):
        Expect("lost", "~", 0)


def test_runner_errors_win_over_passing_checks() -> None:
    ledger = Ledger(attempted=1, acknowledged=1, delivered=1)
    verdict = judge(
        ledger, (Expect("lost", "==", 0),), errors=["producer did not exit within 60 s"]
    )
    assert verdict.status is Status.ERROR
    assert verdict.reasons[0].startswith("producer did not exit")


def test_scenario_measures_are_judged_like_ledger_counts() -> None:
    ledger = Ledger(attempted=1, acknowledged=1, extra={"order_violations": 2})
    verdict = judge(ledger, (Expect("order_violations", "==", 0),))
    assert verdict.status is Status.FAILED
    assert verdict.reasons == ("order_violations == 0, got 2",)


def test_a_metric_the_run_never_measured_makes_an_error_not_a_crash() -> None:
    verdict = judge(Ledger(attempted=1, acknowledged=1), (Expect("redriven", ">=", 1),))
    assert verdict.status is Status.ERROR
    assert verdict.reasons == ("not judged: redriven was not measured",)
