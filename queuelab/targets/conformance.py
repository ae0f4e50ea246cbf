"""How far a target behaves like SQS: the semantics of ``queuelab.targets.semantics``, probed
on it (``queuelab.targets.probes``) once per session, only those asked for.

A row's status is ``ok`` (as SQS), ``differs``, ``setting`` (differs because the embedded
backend was started with a setting that departs from AWS on purpose, declared and recorded)
or ``unknown`` (the probe itself failed). On AWS nothing is probed for a run (AWS is the
reference); ``queuelab doctor --semantics --target aws`` probes it for real.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from queuelab.backend.settings import AWS, BackendSettings
from queuelab.contract import clients
from queuelab.targets import probes, semantics
from queuelab.targets.semantics import Semantic

WINDOW_PROBE_SECONDS = 6.0  # a resend this long after the first send must still be a duplicate


class Status(StrEnum):
    OK = "ok"
    DIFFERS = "differs"
    SETTING = "setting"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Row:
    semantic: Semantic
    status: Status
    observed: str

    @property
    def name(self) -> str:
        return self.semantic.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "semantic": self.name,
            "behaviour": self.semantic.behaviour,
            "expected": self.semantic.expected,
            "reference": self.semantic.reference,
            "observed": self.observed,
            "status": self.status.value,
        }


def _status(semantic: Semantic, seen: probes.Observed, backend: BackendSettings | None) -> Row:
    if seen.ok:
        return Row(semantic, Status.OK, seen.observed)
    departures = backend.departures() if backend else {}
    if semantic.setting in departures:
        value, aws = departures[semantic.setting]
        note = f"{seen.observed} (backend setting {semantic.setting}={value:g}; AWS: {aws:g})"
        return Row(semantic, Status.SETTING, note)
    return Row(semantic, Status.DIFFERS, seen.observed)


class Conformance:
    """The semantics of one target, each probed at most once."""

    def __init__(
        self,
        settings: clients.AwsSettings,
        backend: BackendSettings | None = None,
        *,
        reference: bool = False,
    ) -> None:
        self.settings = settings
        self.backend = backend  # the embedded backend's declared settings, if it is one
        self.reference = reference  # real AWS for a run: the reference, not probed
        self._rows: dict[str, Row] = {}
        self._lock = threading.Lock()  # runs side by side (--jobs) probe once between them

    def _plan(self, wanted: set[str]) -> list[tuple[probes.Probe, tuple[str, ...]]]:
        plan = [(probe, names) for probe, names in probes.PROBES.items() if wanted & set(names)]
        if wanted & set(probes.WINDOW):
            declared = (self.backend or AWS).dedup_window_seconds
            wait = min(WINDOW_PROBE_SECONDS, declared + 1.0)
            plan.append((functools.partial(probes.fifo_window, after_seconds=wait), probes.WINDOW))
        return plan

    def _run(self, probe: probes.Probe, names: tuple[str, ...]) -> dict[str, Row]:
        scratch = probes.Scratch(clients.sqs(self.settings))
        try:
            seen = probe(scratch)
        except Exception as err:  # a probe that breaks says so in its rows
            failed = f"the probe failed: {type(err).__name__}: {err}"
            return {n: Row(semantics.get(n), Status.UNKNOWN, failed) for n in names}
        finally:
            scratch.close()
        return {n: _status(semantics.get(n), seen[n], self.backend) for n in names}

    def rows(self, names: Iterable[str]) -> list[Row]:
        """The rows for ``names`` (catalogue order), probing those not probed yet."""
        with self._lock:
            return self._rows_for({semantics.get(name).name for name in names})

    def _rows_for(self, wanted: set[str]) -> list[Row]:
        missing = wanted - set(self._rows)
        if self.reference:
            for name in missing:
                self._rows[name] = Row(semantics.get(name), Status.OK, "AWS is the reference")
        elif missing:
            plan = self._plan(missing)
            with ThreadPoolExecutor(max_workers=max(1, len(plan))) as pool:
                for found in pool.map(lambda item: self._run(*item), plan):
                    self._rows |= found
        return [self._rows[s.name] for s in semantics.CATALOGUE if s.name in wanted]

    def all(self) -> list[Row]:
        return self.rows(s.name for s in semantics.CATALOGUE)


def departures(rows: Iterable[Row], relied_on: Iterable[str]) -> list[str]:
    """Why a run cannot be trusted: each relied-on semantic the target does not honour."""
    needed = set(relied_on)
    return [
        f"the target differs from SQS on {row.name} ({row.semantic.behaviour}): expected "
        f"{row.semantic.expected}; observed {row.observed} [{row.status.value}; see "
        "`queuelab doctor --semantics`]"
        for row in rows
        if row.name in needed and row.status is not Status.OK
    ]
