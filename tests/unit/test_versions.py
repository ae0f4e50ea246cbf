from __future__ import annotations

from pathlib import Path

from consumer.versions import VersionStore
from queuelab.contract.files import read_log, read_state
from scenarios.shared.measures import inversions


def test_reconciliation_keeps_the_newest_version_whatever_the_arrival_order(tmp_path: Path) -> None:
    store = VersionStore(str(tmp_path / "s.json"), str(tmp_path / "v.log"), reconcile=True)
    applied = [store.apply("e", v) for v in (2, 3, 1)]
    assert applied == [True, True, False]
    assert read_state(tmp_path / "s.json") == {"e": 3}
    assert read_log(tmp_path / "v.log") == [("e", 2, True), ("e", 3, True), ("e", 1, False)]


def test_blind_apply_lets_the_last_writer_win(tmp_path: Path) -> None:
    store = VersionStore(str(tmp_path / "s.json"), "", reconcile=False)
    for version in (2, 3, 1):
        store.apply("e", version)
    assert read_state(tmp_path / "s.json") == {"e": 1}


def test_inversions_count_late_arrivals() -> None:
    assert inversions([1, 2, 3]) == 0
    assert inversions([1, 3, 2, 4, 0]) == 2
