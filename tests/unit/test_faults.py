"""The fault spec: parsed with errors naming the bad part; decisions fixed by the seed."""

from __future__ import annotations

import pytest

from queuelab.contract.faults import Decider, FaultSpecError, parse


def test_a_spec_applies_each_fault_to_its_operations() -> None:
    spec = parse("throttle=0.1,error=0.05,latency=200ms,send:ambiguous=0.3")
    assert spec.value("throttle", "ReceiveMessage") == 0.1
    assert spec.value("latency", "PutItem") == pytest.approx(0.2)
    assert spec.value("ambiguous", "SendMessageBatch") == 0.3
    assert spec.value("ambiguous", "ReceiveMessage") == 0.0


def test_the_last_matching_rule_wins_and_presets_expand() -> None:
    spec = parse("throttle=0.5,receive:throttle=0,aws-delivery")
    assert spec.value("throttle", "ReceiveMessage") == 0.0
    assert spec.value("throttle", "DeleteMessage") == 0.5
    assert spec.delivery()["duplicate"] > 0


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("throtle=0.1", "unknown fault 'throtle'"),
        ("error=1.5", "probability 1.5 is outside 0-1"),
        ("error=often", "'often' is not a probability"),
        ("SendMesage:error=0.1", "unknown operation 'SendMesage'"),
        ("latency=fast", "latency needs a duration like 200ms"),
        ("throttle", "expected FAULT=VALUE or a preset"),
    ],
)
def test_a_bad_spec_names_the_bad_part(text: str, named: str) -> None:
    with pytest.raises(FaultSpecError, match=named):
        parse(f"reset=0.01,{text}")


def test_the_same_seed_replays_the_same_faults_whatever_the_interleaving() -> None:
    spec = parse("throttle=0.2,error=0.1,ambiguous=0.1")
    producer, consumer = ("producer", "SendMessageBatch"), ("consumer-1", "ReceiveMessage")

    def producer_faults(order: list[tuple[str, str]], seed: int) -> list[object]:
        decider = Decider(spec, seed)
        decided = [(who, decider.decide(who, op)) for who, op in order]
        return [d for who, d in decided if who == "producer"]

    alternating = [producer, consumer] * 50
    consumer_first = [consumer] * 50 + [producer] * 50
    assert producer_faults(alternating, 7) == producer_faults(consumer_first, 7)
    assert producer_faults(alternating, 7) != producer_faults(alternating, 8)


def test_fault_rates_come_out_near_their_probabilities() -> None:
    decider = Decider(parse("throttle=0.2,error=0.1"), seed=1)
    drawn = [decider.decide("consumer-1", "DeleteMessage")[0] for _ in range(4000)]
    assert 0.17 < drawn.count("throttle") / 4000 < 0.23
    errors = drawn.count("error") + drawn.count("unavailable")
    assert 0.06 < errors / 4000 < 0.10  # tried after throttle: 0.8 * 0.1
    assert drawn.count("unavailable") > 0 and drawn.count("error") > 0
