"""Every generated page by path, the scenario pages' entries in mkdocs.yml's nav, and the one
function that writes them."""

from __future__ import annotations

from pathlib import Path

import typer

from queuelab.cli import app
from queuelab.cli.docs import cli_reference, declarations, reference, scenario_pages

ROOT = Path(__file__).resolve().parents[3]
DOCS = "docs"
SCENARIO_DIR = f"{DOCS}/scenarios"
MKDOCS = "mkdocs.yml"
# mkdocs.yml's nav lists the scenario pages between these two lines (indented alike).
NAV_BEGIN = "# generated: the scenario pages (python -m queuelab.cli.docs), do not edit by hand"
NAV_END = "# end of the generated scenario pages"


class NavMarkersMissing(ValueError):
    pass


def pages() -> dict[str, str]:
    """Each generated page's text, by its path from the project's root."""
    docs = declarations.read_all()
    baseline = declarations.baseline()
    generated = {
        f"{DOCS}/catalogue.md": scenario_pages.catalogue(docs),
        f"{DOCS}/reference/knobs.md": reference.knobs(),
        f"{DOCS}/reference/semantics.md": reference.semantics(declarations.every_semantic(), docs),
        f"{DOCS}/reference/ledger.md": reference.ledger(docs),
        f"{DOCS}/reference/cli.md": cli_reference.cli(typer.main.get_command(app)),
    }
    for doc in docs:
        generated[f"{SCENARIO_DIR}/{doc.name}.md"] = scenario_pages.scenario(doc, baseline)
    return generated


def with_nav(mkdocs_yml: str, names: list[str]) -> str:
    """mkdocs.yml with the lines between the two markers made one entry per scenario page."""
    lines = mkdocs_yml.splitlines()
    try:
        begin = next(i for i, line in enumerate(lines) if line.strip() == NAV_BEGIN)
        end = next(i for i, line in enumerate(lines) if line.strip() == NAV_END)
    except StopIteration:
        raise NavMarkersMissing(f"{MKDOCS}: its nav needs the lines {NAV_BEGIN!r} and "
                                f"{NAV_END!r} around the scenario pages") from None  # fmt: skip
    indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
    entries = [f"{indent}- {name}: scenarios/{name}.md" for name in names]
    return "\n".join([*lines[: begin + 1], *entries, *lines[end:]]) + "\n"


def expected(root: Path = ROOT) -> dict[str, str]:
    """Every generated file as it should be: the pages and mkdocs.yml's nav."""
    wanted = pages()
    names = [path.rsplit("/", 1)[1][:-3] for path in wanted if path.startswith(SCENARIO_DIR)]
    wanted[MKDOCS] = with_nav((root / MKDOCS).read_text(), names)
    return wanted


def leftovers(root: Path, wanted: dict[str, str]) -> list[str]:
    """Scenario pages of scenarios that no longer exist."""
    present = sorted((root / SCENARIO_DIR).glob("*.md"))
    return [p.relative_to(root).as_posix() for p in present
            if p.relative_to(root).as_posix() not in wanted]  # fmt: skip


def stale(root: Path = ROOT) -> list[str]:
    """The generated files that differ from the declarations (missing ones too)."""
    wanted = expected(root)
    out = [
        path
        for path, text in wanted.items()
        if not (root / path).is_file() or (root / path).read_text() != text
    ]
    return out + leftovers(root, wanted)


def write(root: Path = ROOT) -> list[str]:
    """Write what changed, remove the pages of scenarios that are gone; the paths touched."""
    wanted = expected(root)
    touched = []
    for path, text in wanted.items():
        target = root / path
        if target.is_file() and target.read_text() == text:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        touched.append(path)
    for path in leftovers(root, wanted):
        (root / path).unlink()
        touched.append(path)
    return touched
