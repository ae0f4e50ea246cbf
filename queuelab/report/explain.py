"""What the report says in words, from the run directory alone: a few sentences of what
happened, a note beside a number that looks alarming in a run that passed, and the rule that
no message is marked with an anomaly the ledger does not count."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

# What the ledger counts for each anomaly a timeline row can show.
COUNTED = {
    "duplicate": "duplicate_side_effects",
    "lost": "lost",
    "unexpected": "unexpected",
    "stuck": "stuck",
    "early redelivery": "early_redeliveries",
}
EXPECTED = " (expected)"
ALARMING = ("lost", "duplicate_side_effects", "unexpected", "stuck", "dead_lettered")


class Flagged(Protocol):
    flags: list[str]


def as_the_ledger_says(journal: Mapping[str, Any], rows: Iterable[Flagged]) -> None:
    """No mark the ledger contradicts: an anomaly the ledger does not count is not drawn
    (the ledger is what the verdict read), and one it counts without a check breaking on it
    (a duplicate the scenario makes on purpose) is drawn as expected, not red."""
    ledger = journal.get("ledger", {})
    if not ledger:  # an older journal: keep what the operations show
        return
    broken = {str(c.get("name")) for c in _checks(journal) if not c.get("ok")}
    for row in rows:
        kept = []
        for flag in row.flags:
            metric = COUNTED.get(flag)
            if metric is None or metric not in ledger:  # not counted there: keep what was seen
                kept.append(flag)
            elif ledger.get(metric):  # none counted: the mark would contradict the ledger
                kept.append(flag if metric in broken else flag + EXPECTED)
        row.flags = kept


def _checks(journal: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(journal.get("verdict", {}).get("checks", []))


def notes(journal: Mapping[str, Any]) -> dict[str, str]:
    """Beside each count that looks alarming (lost, duplicate side effects...) in a run whose
    verdict did not break on it: why it is not a failure here."""
    ledger = journal.get("ledger", {})
    extra = ledger.get("extra", {})
    checks = {str(c.get("name")): c for c in _checks(journal)}
    said = {}
    for metric in ALARMING:
        value = ledger.get(metric) or 0
        check = checks.get(metric)
        if not value or (check is not None and not check.get("ok")):
            continue
        if check is not None:
            said[metric] = f"as this scenario expects: its check {metric} {check['expected']} held"
        elif metric == "duplicate_side_effects" and extra.get("duplicate_sends"):
            sends = int(extra["duplicate_sends"])
            said[metric] = (
                f"the producer sent {sends} duplicates on purpose; the queue deduplicates only "
                "inside its window, so the checks count those resends, not this number"
            )
        else:
            said[metric] = (
                f"not a failure here: none of this scenario's checks is on {metric} "
                "(what it measures is in its checks above)"
            )
    return said


def story(journal: Mapping[str, Any], outcome: Mapping[str, Any]) -> list[str]:
    """A few sentences of what happened, as the demo tells its own: from the ledger, the
    faults, the verdict."""
    ledger = journal.get("ledger", {})
    told = []
    sent, done = ledger.get("acknowledged", 0), ledger.get("delivered", 0)
    twice = ledger.get("duplicate_side_effects", 0)
    again = f", {_n(twice, 'side effect')} a second time." if twice else "."
    told.append(
        f"{_n(sent, 'message')} sent and acknowledged by the queue; {done} had their side "
        f"effect done{again}"
    )
    for metric, noun, said in (
        ("redeliveries", "redelivery", "a message handed out again"),
        ("dead_lettered", "message", "in the dead-letter queue at the end"),
        ("lost", "message", "lost: acknowledged, never done, in neither queue"),
        ("stuck", "message", "stuck: still in the queue at the end"),
    ):
        if ledger.get(metric):
            plural = "redeliveries" if noun == "redelivery" else None
            told.append(f"{_n(ledger[metric], noun, plural).capitalize()}: {said}.")
    injected = journal.get("faults", {}).get("injected") or {}
    if injected:
        parts = ", ".join(f"{kind} {n}" for kind, n in sorted(injected.items()))
        told.append(f"The endpoint injected {sum(injected.values())} faults ({parts}).")
    verdict = journal.get("verdict", {})
    status = verdict.get("status", "unknown")
    if outcome.get("control"):
        must = " and ".join(outcome.get("must_show", []))
        off = outcome.get("turned_off", "")
        result = "it did: caught" if outcome.get("outcome") == "caught" else "it did not"
        told.append(f"With the safeguard off ({off}), the checker had to report {must}: {result}.")
    elif status == "passed":
        checks = _n(len(_checks(journal)), "check")
        told.append(f"Every check held: {checks}, expected against actual, below.")
    else:
        reasons = "; ".join(verdict.get("reasons", [])) or status
        told.append(f"The verdict is {status}: {reasons}.")
    return told


def _n(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
