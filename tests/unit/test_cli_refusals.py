"""A request that cannot run is refused before anything runs: exit 2, one line on stderr, no
backend started, no run folder, no index. Output paths that cannot be written, parameter
values out of their declared bounds, flags that contradict each other."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from queuelab import workdir
from queuelab.cli import app
from queuelab.cli import run as run_command


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--set", "messages=-3"], "--set messages=-3: -3 is below 1 (allowed: >= 1"),
        (["--set", "messages=many"], "expected a whole number"),
        (["--json", "/no/such/folder/r.json"], "--json /no/such/folder/r.json: cannot write"),
        (["--junit", "/"], "--junit /: cannot write there: it is a folder"),
        (["--json", "same.xml", "--junit", "same.xml"], "--json and --junit both write"),
        (["--unsafe", "--controls"], "--unsafe and --controls exclude each other"),
        (["--controls", "--consumer-command", "python x.py"], "--controls turns off"),
        (["--endpoint-url", "http://127.0.0.1:9", "--target", "aws"], "exclude each other"),
        (["--category", "fast"], "give scenario names or --category, not both"),
        (["--faults", "throttle=2"], "--faults"),
    ],
)
def test_a_bad_request_exits_2_in_one_line_before_anything_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: list[str], said: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(run_command.api.targets, "open_session", None)  # never reached
    done = CliRunner().invoke(app, ["run", "dup", *args])
    assert done.exit_code == 2, done.output
    lines = done.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.output
    assert said in lines[0]
    assert not workdir.runs().exists()  # no run folder, no index


def test_a_read_only_folder_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    if os.access(folder, os.W_OK):  # root writes anywhere: nothing to refuse
        pytest.skip("running as root: a read-only folder is still writable")
    monkeypatch.setattr(run_command.api.targets, "open_session", None)
    done = CliRunner().invoke(app, ["run", "dup", "--json", str(folder / "r.json")])
    assert done.exit_code == 2 and "is read-only" in done.output


def test_show_lists_each_parameter_with_its_bounds() -> None:
    shown = CliRunner().invoke(app, ["show", "dup"], terminal_width=160)
    row = next(line for line in shown.output.splitlines() if " messages " in line)
    assert ">= 1" in row
