"""Reading a history: names parsed to ``Fn``, torn lines skipped, unknown names refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from queuelab.contract.history import INVOKE, OK, Fn, History, UnknownOperation, read


def test_an_operation_read_back_is_its_fn(tmp_path: Path) -> None:
    history = History(tmp_path / "c.jsonl", "c")
    history.invoke(Fn.SIDE_EFFECT, "a", subject="s")
    history.ok(Fn.SIDE_EFFECT, "a", subject="s")
    history.close()
    ops = read([tmp_path / "c.jsonl"])
    assert [(op.type, op.f) for op in ops] == [(INVOKE, Fn.SIDE_EFFECT), (OK, Fn.SIDE_EFFECT)]
    assert all(type(op.f) is Fn for op in ops)


def test_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    history = History(path, "c")
    history.ok(Fn.DELETE, "a")
    history.close()
    with path.open("a") as f:
        f.write('{"time": 2.0, "process": "c", "type": "ok", "f": "del')  # killed mid-write
    assert [op.f for op in read([path])] == [Fn.DELETE]


def test_an_unknown_operation_is_an_error_naming_it_and_its_file(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"time": 1.0, "process": "c", "type": "ok", "f": "dlete", "key": "a"}\n')
    with pytest.raises(UnknownOperation, match=r"unknown operation 'dlete'") as raised:
        read([path])
    assert str(path) in str(raised.value) and raised.value.name == "dlete"
