from __future__ import annotations

import pytest

from queuelab.check.ledger import Ledger
from queuelab.check.verdict import Applies, Expect, Status, judge


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


SENT = {"attempted": 4, "acknowledged": 4, "delivered": 4}
REDELIVERED = Expect("redeliveries", ">=", 1)


def test_duplicates_seen_fail_the_run_even_when_the_failure_mode_did_not_happen() -> None:
    ledger = Ledger(**SENT, duplicate_side_effects=1)
    verdict = judge(ledger, (Expect("duplicate_side_effects", "==", 0),), (REDELIVERED,))
    assert verdict.status is Status.FAILED
    assert verdict.reasons == (
        "duplicate_side_effects == 0, got 1",
        "also: not judged: needs redeliveries >= 1, got 0",
    )


def test_a_consumer_whose_design_rules_the_failure_mode_out_is_not_applicable() -> None:
    one_by_one = Applies(Expect("largest_batch", ">=", 2), "it takes one message per receive")
    ledger = Ledger(**SENT, extra={"largest_batch": 1})
    verdict = judge(ledger, (Expect("lost", "==", 0),), (REDELIVERED,), applies=(one_by_one,))
    assert verdict.status is Status.NOT_APPLICABLE
    assert verdict.reasons == ("it takes one message per receive",)
    assert verdict.status.ok


def test_a_failure_mode_that_did_not_happen_to_a_consumer_that_could_have_met_it_is_an_error() -> (
    None
):
    batches = Applies(Expect("largest_batch", ">=", 2), "it takes one message per receive")
    ledger = Ledger(**SENT, extra={"largest_batch": 10})
    verdict = judge(ledger, (Expect("lost", "==", 0),), (REDELIVERED,), applies=(batches,))
    assert verdict.status is Status.ERROR
    assert not verdict.status.ok
