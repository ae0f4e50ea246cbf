"""queuelab in a team's test suite: a pytest plugin, shipped in the package (entry point
``pytest11``), inert until a test asks for it.

- ``queuelab_session`` (session scope): the target, the embedded backend by default, shared
  by every scenario the session runs (``queuelab.Session``).
- ``queuelab``: runs scenarios on it against the consumer under test. ``queuelab.check(NAME)``
  runs one and fails the test with an assertion listing the broken checks, expected against
  actual; ``queuelab.run(NAME)`` only returns the outcome.
- ``@pytest.mark.queuelab("dup", "crash", controls=True)`` (or ``black_box=True``, every
  scenario that can judge a consumer queuelab did not write): one test item per scenario, and
  one per negative control, each given as the ``queuelab_case`` argument. A control item runs
  queuelab's own consumer with the safeguard off and passes when the checker shows the
  anomaly: proof that the check the safe item passed can fail.
- Options: ``--queuelab-consumer COMMAND`` (or the ini ``queuelab_consumer``; none: queuelab's
  own consumer), ``--queuelab-target`` (``local``, ``aws`` or an endpoint URL) and
  ``--queuelab-seed`` (the faults' seed: the same seed replays them).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # the API (and the catalogue) load when a test uses them
    from queuelab.api import Outcome, Session

MARK = "queuelab"


@dataclass(frozen=True)
class Case:
    """One test item of ``@pytest.mark.queuelab``: a scenario, or its negative control."""

    scenario: str
    control: bool = False

    def __str__(self) -> str:
        return f"{self.scenario}-control" if self.control else self.scenario


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("queuelab", "queuelab: SQS failure-mode scenarios")
    group.addoption(
        "--queuelab-consumer",
        default=None,
        help="the consumer to judge, as a command (default: the ini queuelab_consumer, "
        "else queuelab's own)",
    )
    group.addoption(
        "--queuelab-target",
        default="local",
        help="local (an embedded backend, the default), aws, or an endpoint URL",
    )
    group.addoption(
        "--queuelab-seed", type=int, default=None, help="the seed of the injected faults"
    )
    parser.addini("queuelab_consumer", "the consumer to judge, as a command", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "queuelab(*names, controls=False, black_box=False): one item per scenario (and per "
        "negative control with controls=True), given as the queuelab_case argument",
    )


def cases(names: Sequence[str], controls: bool = False, black_box: bool = False) -> list[Case]:
    """The items a marker asks for: each scenario, then its control if it has one."""
    from queuelab.cli import request

    chosen = [request.scenario(n) for n in names] if names else []
    if black_box:
        chosen = chosen or [s for s in request.catalogue() if s.black_box.runs]
        chosen = [s for s in chosen if s.black_box.runs]
    found = []
    for s in chosen:
        found.append(Case(s.name))
        if controls and s.has_negative_control:
            found.append(Case(s.name, control=True))
    return found


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker(MARK)
    if marker is None or "queuelab_case" not in metafunc.fixturenames:
        return
    found = cases(marker.args, **marker.kwargs)
    metafunc.parametrize("queuelab_case", found, ids=[str(c) for c in found])


@pytest.fixture
def queuelab_case() -> Case:  # replaced by the marker's parametrization
    raise pytest.UsageError("queuelab_case needs @pytest.mark.queuelab(NAMES...) on the test")


class VerdictFailed(AssertionError):
    """A scenario's verdict, as a test failure: what broke, expected against actual."""


def explain(outcome: Outcome, consumer: str) -> str:
    """The failure message: the scenario, whose consumer, each broken check, the report."""
    r = outcome.result
    mode = "negative control" if outcome.control else "safe"
    lines = [f"queuelab {r.scenario} ({mode}, {consumer}): {outcome.label}"]
    broken = [c for c in r.checks if not c.ok]
    if broken and not outcome.control:
        name = max(5, *(len(c.name) for c in broken))
        wanted = max(8, *(len(c.expected) for c in broken))
        lines.append(f"  {'check'.ljust(name)}  {'expected'.ljust(wanted)}  actual")
        lines += [
            f"  {c.name.ljust(name)}  {c.expected.ljust(wanted)}  {c.actual:g}" for c in broken
        ]
    lines += [f"  {p}" for p in outcome.problems if not (broken and p in _broken_text(broken))]
    lines.append(f"  report: {outcome.report or r.run_dir / 'report.html'}")
    return "\n".join(lines)


def _broken_text(broken: Sequence[Any]) -> set[str]:
    return {f"{c.name} {c.expected}, got {c.actual:g}" for c in broken}


class Judge:
    """The ``queuelab`` fixture: runs scenarios on the session's target, against the
    consumer under test (``--queuelab-consumer``); a control runs queuelab's own consumer."""

    def __init__(self, session: Session, consumer: str, seed: int | None) -> None:
        self.session, self.consumer, self.seed = session, consumer, seed

    def run(self, case: str | Case, *, unsafe: bool = False, **options: Any) -> Outcome:
        name = case.scenario if isinstance(case, Case) else case
        control = unsafe or (isinstance(case, Case) and case.control)
        options.setdefault("seed", self.seed)
        if not control and self.consumer:
            options.setdefault("consumer_command", self.consumer)
        return self.session.run(name, unsafe=control, **options)

    def check(self, case: str | Case, *, unsafe: bool = False, **options: Any) -> Outcome:
        """Run it; fail the test unless it passed (a control: unless it was caught). A run
        skipped or not applicable skips the test, saying why."""
        outcome = self.run(case, unsafe=unsafe, **options)
        status = outcome.result.status.value
        if status in ("skipped", "not applicable"):
            pytest.skip(f"{outcome.result.scenario} {status}: {'; '.join(outcome.result.reasons)}")
        if not outcome.ok:
            whose = "queuelab's consumer" if outcome.control else self.consumer or "queuelab's"
            raise VerdictFailed(explain(outcome, whose))
        return outcome


@pytest.fixture(scope="session")
def queuelab_session(pytestconfig: pytest.Config) -> Iterator[Session]:
    from queuelab.api import Session

    with Session(pytestconfig.getoption("queuelab_target")) as session:
        yield session


def consumer_command(config: pytest.Config) -> str:
    """``--queuelab-consumer`` as given (run from the current folder, as a shell would), else
    the ini's, whose ``./`` and ``../`` paths are relative to the ini file's folder."""
    given = config.getoption("queuelab_consumer")
    if given:
        return str(given)
    from_ini = str(config.getini("queuelab_consumer") or "")
    if not from_ini:
        return ""
    base = config.inipath.parent if config.inipath else config.rootpath
    words = shlex.split(from_ini)
    near = [str((base / w).resolve()) if w.startswith(("./", "../")) else w for w in words]
    return shlex.join(near)


@pytest.fixture
def queuelab(queuelab_session: Session, pytestconfig: pytest.Config) -> Judge:
    seed = pytestconfig.getoption("queuelab_seed")
    return Judge(queuelab_session, consumer_command(pytestconfig), seed)
