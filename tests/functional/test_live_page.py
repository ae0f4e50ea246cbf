"""The live page (``queuelab run --serve``) in headless Chromium while a scenario runs: it
shows the run's queue and message timelines, drawn by the report's charts, and they update
as the run goes (server-sent events), until the verdict. Skipped, saying why, where Chromium
is not installed (``make browser``)."""

from __future__ import annotations

import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from test_report_browser import browser  # noqa: F401  (the fixture: headless Chromium)

import scenarios
from queuelab.report.live_page import LivePage
from queuelab.run.result import Result
from queuelab.run.runner import run_scenario
from queuelab.targets.session import Session


def wait_for(check: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"waited {seconds:.0f} s for {what}")


@pytest.mark.slow  # a scenario run watched in headless Chromium (~30 s)
@pytest.mark.timeout(600)
def test_the_live_page_updates_while_a_scenario_runs(
    session: Session,
    tmp_path: Path,
    browser: Any,  # noqa: F811
) -> None:
    scenario = scenarios.get("backlog-drain")
    visibility = {scenario.name: float(session.outputs[scenario.name].visibility_timeout)}
    results: list[Result] = []
    with LivePage(0, visibility) as page:
        with urllib.request.urlopen(page.url) as answer:  # served on loopback
            assert answer.status == 200 and b"EventSource" in answer.read()
        running = threading.Thread(
            target=lambda: results.append(
                run_scenario(session, scenario, runs_root=tmp_path, sink=page)
            )
        )
        running.start()
        try:
            browser.get(page.url)
            body = browser.find_element("tag name", "body")

            def samples() -> int:
                return int(body.get_attribute("data-samples") or 0)

            first = wait_for(samples, 120, "a first queue sample on the page")
            chart = browser.find_element("id", "queue-timeline")
            assert chart.size["width"] > 500 and chart.size["height"] > 50
            drawn = browser.find_element("id", "queue-chart").get_attribute("innerHTML")
            later = wait_for(lambda: samples() > first + 2 and samples(), 60, "more samples")
            assert body.get_attribute("data-status") == "running", "updated only at the end"
            assert browser.find_element("id", "queue-chart").get_attribute("innerHTML") != drawn
            assert later > first
            leases = "#message-chart g[id^='lease-']"  # once a consumer has received
            wait_for(lambda: len(browser.find_elements("css selector", leases)), 120, "a lease")
            wait_for(lambda: body.get_attribute("data-status") != "running", 300, "the verdict")
            assert body.get_attribute("data-status") == results[0].status.value
        finally:
            running.join(timeout=300)
