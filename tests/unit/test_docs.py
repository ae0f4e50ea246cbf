"""The docs: the generated pages are the declarations as they are now, every page is in the
site's nav, and the README stays a short front page whose links lead into docs/."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import scenarios
from queuelab.check.ledger import LEDGER_FIELDS
from queuelab.cli.docs import pages

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text()
REGENERATE = "make docs-gen (or .venv/bin/python -m queuelab.cli.docs)"
NAV_ENTRY = re.compile(r"^\s*-\s+(?:[^:\n]+:\s+)?([\w./-]+\.md)\s*$", re.MULTILINE)


def test_every_generated_page_is_current() -> None:
    stale = pages.stale(ROOT)
    assert stale == [], f"stale generated docs: {', '.join(stale)}; regenerate: {REGENERATE}"


def test_every_docs_page_is_in_the_nav_and_every_nav_entry_exists() -> None:
    nav = set(NAV_ENTRY.findall((ROOT / "mkdocs.yml").read_text()))
    on_disk = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert sorted(on_disk - nav) == [], "pages missing from mkdocs.yml's nav"
    assert sorted(nav - on_disk) == [], "nav entries without a page"


def test_the_readme_is_a_short_front_page() -> None:
    assert len(README.encode()) < 12 * 1024
    for command in ("make demo", "make scenarios", "make test"):
        assert command in README


def test_the_readme_links_lead_to_files_that_exist() -> None:
    targets = re.findall(r"\]\((?!https?://|#)([^)#\s]+)(?:#[^)]*)?\)", README)
    assert targets, "the README links into docs/"
    assert [t for t in targets if not (ROOT / t).exists()] == []


def test_every_ledger_count_is_explained() -> None:
    verdicts = (ROOT / "docs" / "verdicts.md").read_text()
    assert [name for name in LEDGER_FIELDS if f"`{name}`" not in verdicts] == []


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A project root with this one's mkdocs.yml and generated pages, to spoil."""
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    pages.write(tmp_path)
    return tmp_path


def test_a_changed_missing_or_orphaned_page_is_stale_and_write_repairs_it(copy: Path) -> None:
    assert pages.stale(copy) == []
    (copy / "docs" / "catalogue.md").write_text("edited by hand\n")
    (copy / "docs" / "scenarios" / "dup.md").unlink()
    (copy / "docs" / "scenarios" / "gone.md").write_text("a scenario that was removed\n")
    stale = pages.stale(copy)
    assert sorted(stale) == ["docs/catalogue.md", "docs/scenarios/dup.md", "docs/scenarios/gone.md"]
    assert sorted(pages.write(copy)) == sorted(stale)
    assert pages.stale(copy) == [] and not (copy / "docs" / "scenarios" / "gone.md").exists()


def test_the_nav_lists_one_entry_per_scenario_between_its_markers() -> None:
    indent = "      "
    yml = (
        f"nav:\n  - A: a.md\n  - S:\n{indent}{pages.NAV_BEGIN}\n{indent}- old: x.md\n"
        f"{indent}{pages.NAV_END}\n"
    )
    spliced = pages.with_nav(yml, ["dup", "crash"])
    assert "old" not in spliced and "  - A: a.md" in spliced
    assert "      - dup: scenarios/dup.md\n      - crash: scenarios/crash.md\n" in spliced
    with pytest.raises(pages.NavMarkersMissing):
        pages.with_nav("nav:\n  - A: a.md\n", ["dup"])


def test_the_catalogue_names_each_scenario_that_does_not_judge_your_consumer_and_why() -> None:
    catalogue = pages.pages()["docs/catalogue.md"]
    section = catalogue.split("## Scenarios that do not judge your consumer", 1)[1]
    left_out = [s for s in scenarios.ALL if not s.black_box.runs]
    assert f"these {len(left_out)} do not" in section
    for s in left_out:
        assert f"[`{s.name}`](scenarios/{s.name}.md) | {s.black_box.why_not[:40]}" in section
    assert "[`happy`]" not in section
