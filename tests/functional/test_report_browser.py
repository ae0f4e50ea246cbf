"""A real browser renders a real run's report: ``dup`` (a redelivery while the first consumer
still works) opened in headless Chromium (Debian's package, driven by chromedriver); the
message timeline is drawn with both receives of a redelivered message, from two consumers.

Skipped, saying why, where Chromium is not installed (``make browser`` installs it)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import scenarios
from queuelab.check.verdict import Status
from queuelab.report.html import write_report
from queuelab.run.runner import run_scenario
from queuelab.targets.session import Session

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# As root (here) Chromium runs only without its sandbox; the machine has no internet, so
# nothing may phone home.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,1800",
)


@pytest.fixture
def browser() -> Iterator[Any]:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        pytest.skip(
            f"{', '.join(missing)} not installed: `make browser` installs Debian's chromium "
            "and chromium-driver (as root)"
        )
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="queuelab-chromium-")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.slow  # a scenario run, then headless Chromium (~16 s)
def test_a_browser_draws_the_redelivery_in_the_dup_report(
    session: Session, tmp_path: Path, browser: Any
) -> None:
    result = run_scenario(session, scenarios.get("dup"), runs_root=tmp_path)
    assert result.status is Status.PASSED, result.reasons
    report = write_report(result.run_dir)

    browser.get(report.as_uri())

    assert browser.find_element("id", "verdict").text == "passed"
    chart = browser.find_element("id", "message-timeline")
    assert chart.size["width"] > 500 and chart.size["height"] > 50  # laid out, not empty
    leases = browser.execute_script(
        """return [...document.querySelectorAll('#message-timeline g[id^="lease-"]')]
             .map(g => { const box = g.getBoundingClientRect();
                         return {id: g.id, title: g.querySelector('title').textContent,
                                 width: box.width, height: box.height}; });"""
    )
    assert leases and all(lease["width"] > 0 and lease["height"] > 0 for lease in leases)
    by_row: dict[str, list[str]] = {}
    for lease in leases:
        by_row.setdefault(lease["id"].split("-")[1], []).append(lease["title"])
    redelivered = [titles for titles in by_row.values() if len(titles) >= 2]
    assert redelivered, f"no message drawn with two receives: {by_row}"
    titles = redelivered[0]
    assert "receive 1 by" in titles[0] and "receive 2 by" in titles[1]
    consumers = {title.split(" by ")[1].split(",")[0] for title in titles}
    assert len(consumers) == 2, titles  # handed to a second consumer
    queue = browser.find_element("id", "queue-timeline")
    assert queue.size["height"] > 50
