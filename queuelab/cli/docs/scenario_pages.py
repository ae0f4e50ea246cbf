"""The catalogue and one page per scenario, from what ``declarations`` read (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from queuelab.cli.docs.declarations import ScenarioDoc, SemanticDoc
from queuelab.cli.docs.markdown import bullets, code, duration, generated, page, table


def _checks(expects: Sequence[str]) -> str:
    return ", ".join(code(e) for e in expects)


def _groups(docs: Sequence[ScenarioDoc]) -> list[tuple[str, list[ScenarioDoc]]]:
    """(heading, scenarios): the catalogue's sections, in the order the scenarios come."""
    groups: dict[str, tuple[str, list[ScenarioDoc]]] = {}
    for d in docs:
        groups.setdefault(d.topic, (d.topic_heading, []))[1].append(d)
    return list(groups.values())


def _when(doc: ScenarioDoc) -> str:
    """Its category and typical duration; on demand if --all leaves it out."""
    when = f"{doc.category}, {duration(doc.typical_seconds)}"
    return when + (", on demand" if not doc.in_all else "")


def catalogue(docs: Sequence[ScenarioDoc]) -> str:
    in_all = [d for d in docs if d.in_all]
    black_box = [d for d in docs if d.black_box]
    intro = (
        f"{len(docs)} scenarios: {len(in_all)} run with `--all` (`make scenarios`), "
        f"{len(docs) - len(in_all)} on demand (by name). {len(black_box)} can judge a consumer "
        "queuelab did not write ([black-box](consumer-contract.md)); each other one's page says "
        "why not."
    )
    how = (
        "Each row: what the scenario shows when its safeguard is on, what `--unsafe` changes "
        "(the negative control: the safeguard off), and what the same checker must then "
        "report. Typical durations "
        "are declared by each scenario, as measured on the embedded backend on a 2-core "
        "machine. A name leads to the scenario's page: its parameters, every check, the "
        "preconditions that prove the failure mode happened, and the SQS behaviours it relies "
        "on. `queuelab list` and `queuelab show NAME` print the same from the command line. "
        "`--all` runs the fast and slow ones (`--category` one of them); those marked on "
        "demand take the machine for minutes and run when named."
    )
    blocks = [generated("scenarios/ (every SCENARIO)"), "# The catalogue", intro, how]
    for title, group in _groups(docs):
        rows = [
            (
                f"[`{d.name}`](scenarios/{d.name}.md)",
                _when(d),
                d.summary,
                d.unsafe,
                _checks(d.unsafe_shows) or "n/a (a diagnostic)",
                "yes" if d.black_box else "no",
            )
            for d in group
        ]
        header = ("scenario", "typical", "shows", "with `--unsafe`", "`--unsafe` must show",
                  "black-box")  # fmt: skip
        blocks += [f"## {title}", table(header, rows)]
    return page(*blocks, _not_black_box(docs))


def _not_black_box(docs: Sequence[ScenarioDoc]) -> str:
    """The scenarios that judge no consumer you give, with the reason each declares."""
    left_out = [d for d in docs if not d.black_box]
    intro = (
        f"{len(docs) - len(left_out)} of {len(docs)} scenarios judge a consumer you give "
        "(`--consumer-command`, [black-box](consumer-contract.md)); these "
        f"{len(left_out)} do not, for the reason each declares (with `--consumer-command` "
        "it is skipped, saying so):"
    )
    rows = [(f"[`{d.name}`](scenarios/{d.name}.md)", d.not_black_box) for d in left_out]
    return page("## Scenarios that do not judge your consumer", intro,
                table(("scenario", "why not"), rows))  # fmt: skip


def _semantics(title: str, meaning: str, rows: Sequence[SemanticDoc]) -> str:
    if not rows:
        return ""
    lines = [
        f"- [`{s.name}`](../reference/semantics.md#{s.name}): {s.behaviour} ([AWS]({s.reference}))"
        for s in rows
    ]
    return page(f"## {title}", meaning, "\n".join(lines))


def _params(doc: ScenarioDoc) -> str:
    if not doc.params:
        return page("## Parameters", "None.")
    with_allowed = any(p.allowed for p in doc.params)
    header = ("name", "default", "meaning", *(("allowed",) if with_allowed else ()))
    rows = [
        (code(p.name), code(p.default), p.help, *((p.allowed,) if with_allowed else ()))
        for p in doc.params
    ]
    example = doc.params[0]
    override = (
        f"Override with `--set NAME=VALUE` (`queuelab run {doc.name} --set "
        f"{example.name}={example.default}`), or `--set {doc.name}.NAME=VALUE` when several "
        "scenarios run."
    )
    return page("## Parameters", override, table(header, rows))


def _run(doc: ScenarioDoc) -> str:
    safe, unsafe = f"make scenario-{doc.name}", f"make scenario-{doc.name} ARGS=--unsafe"
    width = len(unsafe) + 2
    lines = [f"{safe:<{width}}# safe: passes (exit 0)"]
    if doc.unsafe_shows:
        lines.append(f"{unsafe:<{width}}# the negative control: fails (exit 1), naming the anomaly")
    notes = []
    if not doc.in_all:
        notes.append("It runs only when named: `--all` and `--category` leave it out.")
    if doc.alone:
        notes.append(
            "It measures a timing window, so it runs alone: after the others, one at a time."
        )
    notes.append(
        f"Its method may wait {doc.timeout_seconds:g} s at most; its typical run takes "
        f"{duration(doc.typical_seconds)[1:]}."
    )
    flag = " [--unsafe]" if doc.unsafe_shows else ""
    notes.append(f"Without make: `.venv/bin/queuelab run {doc.name}{flag}`.")
    return page("## Run it", "```sh\n" + "\n".join(lines) + "\n```", " ".join(notes))


def _negative_control(doc: ScenarioDoc) -> str:
    if not doc.unsafe_shows:
        return page("## The negative control", f"None. With `--unsafe`: {doc.unsafe}.")
    other = (
        f" It runs on resources of its own: {doc.unsafe_resources}." if doc.unsafe_resources else ""
    )
    return page(
        "## The negative control",
        f"With `--unsafe` (the safeguard off): {doc.unsafe}.{other} The same checker must "
        "then report:",
        bullets(code(e) for e in doc.unsafe_shows),
    )


def _checks_section(doc: ScenarioDoc, baseline: Sequence[str]) -> str:
    pre = (
        page(
            "The failure mode must really happen, safe or `--unsafe`, or the run is an "
            "`error` (never a pass):",
            bullets(code(e) for e in doc.preconditions),
        )
        if doc.preconditions
        else ""
    )
    design = (
        page(
            "A consumer whose design rules the failure mode out is `not applicable`, not an "
            "`error`, when the failure mode did not happen:",
            bullets(f"{code(e)}, else: {why}" for e, why in doc.applies),
        )
        if doc.applies
        else ""
    )
    return page(
        "## What the verdict checks",
        bullets(code(e) for e in doc.expectations) or "Nothing beyond what every verdict checks.",
        pre,
        design,
        f"Every verdict also requires {_checks(baseline)} "
        "([how a verdict is computed](../verdicts.md)).",
    )


def _black_box(doc: ScenarioDoc) -> str:
    text = (
        "Yes: it can judge a consumer queuelab did not write (`--consumer-command`), from its "
        "SQS calls and side-effect requests."
        if doc.black_box
        else f"No: {doc.not_black_box}. With `--consumer-command` it is skipped with that reason."
    )
    if doc.not_for_lambda:
        text += f" Not a Lambda handler (`--lambda-handler`): {doc.not_for_lambda}."
    return page("## Your own consumer", text, "See [testing your own consumer]"
                "(../consumer-contract.md).")  # fmt: skip


def _faults(doc: ScenarioDoc) -> str:
    lines = []
    if doc.faults:
        lines.append(f"It sets its own endpoint faults: `{doc.faults}` ([the nemesis]"
                     "(../witness-nemesis.md#the-nemesis)).")  # fmt: skip
    if doc.intolerance:
        lines.append(f"Under `--faults` it is skipped: {doc.intolerance}.")
    else:
        lines.append("Under `--faults` it runs, and must still pass.")
    return page("## Endpoint faults", " ".join(lines))


def _measures(doc: ScenarioDoc) -> str:
    if not doc.measures:
        return ""
    return page(
        "## Its own measures",
        "Added to the ledger, and checkable like its counts:",
        bullets(f"{code(name)}: {help}" for name, help in doc.measures),
    )


def scenario(doc: ScenarioDoc, baseline: Sequence[str]) -> str:
    box = "yes" if doc.black_box else "no"
    facts = (
        f"*{_when(doc)}* · black-box: {box} · "
        f"declared in `{doc.module}` · [the catalogue](../catalogue.md)"
    )
    return page(
        generated(doc.module),
        f"# {doc.name}",
        facts,
        f"**{doc.summary}**",
        doc.demonstrates,
        page("## Resources", f"Its own {doc.resources}."),
        _run(doc),
        _params(doc),
        _checks_section(doc, baseline),
        _negative_control(doc),
        _measures(doc),
        _black_box(doc),
        _semantics(
            "SQS behaviours it relies on",
            "Probed on the target once per session: a target that does not do one makes the "
            "run an `error` naming it, before anything runs.",
            doc.relies_on,
        ),
        _semantics(
            "SQS behaviours it adapts to",
            "Where the target differs, the run's journal says so.",
            doc.adapts_to,
        ),
        _faults(doc),
        page("## Embedded backend limits", doc.limits) if doc.limits else "",
    )
