"""Reference pages from the declarations (pure): the knob tables, the SQS semantics, the
ledger's counts."""

from __future__ import annotations

from collections.abc import Sequence

from queuelab.check.ledger import LEDGER_FIELDS, SOURCES
from queuelab.check.witness import METRICS as WITNESS_METRICS
from queuelab.cli.docs.declarations import ScenarioDoc, SemanticDoc
from queuelab.cli.docs.markdown import bullets, code, generated, page, table
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.knobs import KnobModel, markdown_table
from queuelab.contract.pipeline_knobs import OrdersKnobs, PollerKnobs, RelayKnobs
from queuelab.contract.producer_knobs import ProducerKnobs
from queuelab.run.scenario import RUN_METRICS

RUN_SOURCES = {
    "drained": "the runner: the queue emptied while the consumers ran",
    "slow_shutdowns": "the runner: consumers still running when their graceful stop's grace "
    "ran out (killed)",
    "consumers_died": "the runner: consumers that exited by themselves while the run "
    "injected faults (a failure of the consumer: surviving them is what is tested)",
    "largest_batch": "the operations: the most messages one receive handed a consumer",
    "held_past_visibility": "the operations: leases that ran out while their holder still "
    "had the message (neither deleted nor released it in time)",
}

# (heading, the command that reads them, the page that tells what the process does, model)
PROCESSES: tuple[tuple[str, str, str, type[KnobModel]], ...] = (
    ("Consumer", "python -m consumer` or `queuelab consume", "../consumer.md", ConsumerKnobs),
    ("Producer", "python -m producer` or `queuelab produce", "../producer.md", ProducerKnobs),
    ("Pipeline: orders", "python -m pipeline orders", "../pipeline.md", OrdersKnobs),
    ("Pipeline: relay", "python -m pipeline relay", "../pipeline.md", RelayKnobs),
    ("Pipeline: poller", "python -m pipeline poller", "../pipeline.md", PollerKnobs),
)


def knobs() -> str:
    blocks = [
        generated("queuelab/contract/*_knobs.py"),
        "# Knobs",
        "Every knob of the lab's processes is declared once, as a field of a pydantic model in "
        "`queuelab/contract/`: the field gives the environment variable, the command-line "
        "option, the parser with its bounds, the default and the help. These tables are "
        "`markdown_table` of those models. An invalid value (not a number, out of range, not "
        "one of the choices) exits 2 before any AWS call, naming the variable and the bad "
        "value. The consumer also warns about a variable that looks like a knob but is none "
        "(`CRASH_AFTER_SIDEEFFECT`). A `-` in the variable column: an option only.",
        "Scenarios set these knobs themselves, through the same models "
        "(`lab.consumer(ConsumerKnobs(max_messages=10))`): one exported in your shell is "
        "ignored by `queuelab run`, which says so.",
    ]
    for heading, command, about, model in PROCESSES:
        where = f"`{model.__module__.replace('.', '/')}.py`, `{model.__name__}`"
        blocks += [
            f"## {heading}",
            f"`{command}` ([what it does]({about})); declared in {where}.",
            markdown_table(model),
        ]
    return page(*blocks)


def _links(names: Sequence[str]) -> str:
    return ", ".join(f"[`{n}`](../scenarios/{n}.md)" for n in names)


def semantics(catalogue: Sequence[SemanticDoc], docs: Sequence[ScenarioDoc]) -> str:
    blocks = [
        generated("queuelab/targets/semantics.py"),
        "# SQS semantics",
        "The behaviours of SQS the lab depends on, as AWS documents them. "
        "`queuelab doctor --semantics` probes each one on a target with short-lived queues "
        "([fidelity](../fidelity.md)). A scenario names those its verdict relies on "
        "(`relies_on`: a target that does not do one makes the run an `error` naming it) and "
        "those its method adapts to (`adapts_to`: the journal says where the target differs).",
    ]
    for s in catalogue:
        relying = [d.name for d in docs if any(r.name == s.name for r in d.relies_on)]
        adapting = [d.name for d in docs if any(r.name == s.name for r in d.adapts_to)]
        facts = [f"What SQS does: {s.expected}.", f"AWS documents it: <{s.reference}>."]
        if s.setting:
            facts.append(
                f"The embedded backend's setting `{s.setting}` changes it on purpose; probes "
                "report it as `setting` ([backend settings](../fidelity.md#backend-settings))."
            )
        if relying:
            facts.append(f"Relied on by {_links(relying)}.")
        if adapting:
            facts.append(f"Adapted to by {_links(adapting)}.")
        blocks += [f"## {s.name}", s.behaviour[0].upper() + s.behaviour[1:] + ".", bullets(facts)]
    return page(*blocks)


def ledger(docs: Sequence[ScenarioDoc]) -> str:
    counts = [(code(n), SOURCES.get(n, "")) for n in (*LEDGER_FIELDS, *WITNESS_METRICS)]
    run = [(code(n), RUN_SOURCES[n]) for n in RUN_METRICS]
    measured: dict[str, tuple[str, list[str]]] = {}
    for d in docs:
        for metric, help in d.measures:
            measured.setdefault(metric, (help, []))[1].append(d.name)
    rows = [(code(m), help, _links(names)) for m, (help, names) in sorted(measured.items())]
    return page(
        generated("queuelab/check/ledger.py, queuelab/check/witness.py, scenarios/"),
        "# The ledger's counts",
        "A run's ledger is what the checker counted from the processes' histories, the final "
        "state read after the run (queue, DLQ, the side-effects table) and, on the embedded "
        "backend, the endpoint's witness. What each count means: [how a verdict is computed]"
        "(../verdicts.md#the-ledger). Every run's `journal.json` has them all, and says where "
        "each came from (`sources`).",
        "## Every run",
        table(("count", "where it comes from"), counts + run),
        "## Measured by a scenario",
        "A scenario's own measures, added to its ledger.",
        table(("metric", "what it counts", "measured by"), rows),
    )
