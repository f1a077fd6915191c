"""The dashboard in a real headless Chromium (Debian's package, driven by Playwright) against a real uvicorn.

Opens every page, checks that charts rendered real marks, fills the bill form when the calculator exists.
A failing check saves a screenshot under the pytest tmp dir (path printed in the failure).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers.web_support import running_server

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = ["/", "/models", "/models/gpt-4o", "/bill", "/spend", "/selfhost",
         "/selfhost?mode=compare&model=llama-3.3-70b", "/api/docs"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("web-browser-home")
    with running_server(home) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium; .ci/run does it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    problems: list[str] = []
    pg.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    pg.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    outside: list[str] = []

    def guard(route: Any) -> None:  # the dashboard must never reach beyond the server
        url = route.request.url
        if url.startswith(server) or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    pg.route("**/*", guard)
    pg.problems = problems
    pg.outside = outside
    yield pg
    context.close()


def check(page: Any, condition: bool, what: str, tmp: Path) -> None:
    """Fail with a full-page screenshot saved next to the test's tmp files."""
    if not condition:
        shot = tmp / "failure.png"
        page.screenshot(path=str(shot), full_page=True)
        pytest.fail(f"{what} (screenshot: {shot})")


def charts_rendered(page: Any, tmp: Path) -> list[dict[str, Any]]:
    """Every chart container on the page with whether it finished and how many marks its SVG holds."""
    try:
        page.wait_for_function(
            "() => [...document.querySelectorAll('.chart[data-spec]')].every(e => e.dataset.rendered)",
            timeout=20000)
    except Exception:
        check(page, False, "charts did not finish rendering", tmp)
    return page.eval_on_selector_all(
        ".chart[data-spec]",
        """els => els.map(e => ({id: e.id, rendered: e.dataset.rendered,
             marks: e.querySelectorAll('svg .mark-line path, svg .mark-symbol path, svg .mark-rect path,'
                                       + ' svg .mark-area path, svg .mark-rule line').length}))""")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_opens_cleanly(page: Any, server: str, path: str, tmp_path: Path) -> None:
    resp = page.goto(server + path)
    check(page, resp is not None and resp.status == 200, f"{path} answered {resp and resp.status}", tmp_path)
    check(page, page.locator("header nav a").count() >= 6, "navigation missing", tmp_path)
    for chart in charts_rendered(page, tmp_path):
        check(page, chart["rendered"] == "1" and chart["marks"] > 0, f"chart {chart} did not render", tmp_path)
    check(page, not page.problems, f"browser errors on {path}: {page.problems}", tmp_path)
    check(page, not page.outside, f"{path} tried to reach outside: {page.outside}", tmp_path)


def test_models_search_and_model_chart(page: Any, server: str, tmp_path: Path) -> None:
    page.goto(server + "/models")
    first = page.locator("#models-table tbody tr td a").first
    name = first.inner_text()
    page.fill("input[name=q]", name[:6])
    page.click("form.search button")
    page.wait_for_url("**/models?q=*")
    check(page, page.locator("#models-table tbody tr").count() >= 1, "search found nothing", tmp_path)
    page.locator("#models-table tbody tr td a").first.click()
    page.wait_for_selector("#price-history")
    charts = charts_rendered(page, tmp_path)
    check(page, bool(charts) and charts[0]["marks"] > 0, f"price chart has no marks: {charts}", tmp_path)
    # the price-kind dropdown re-renders the chart without errors
    select = page.locator(".vega-bind select").first
    if select.count():
        select.select_option("output")
        page.wait_for_timeout(200)
        check(page, page.locator("#price-history svg .mark-line path").count() > 0, "no lines after select", tmp_path)
    check(page, not page.problems, f"browser errors: {page.problems}", tmp_path)


def test_bill_form_fills_submits_and_charts(page: Any, server: str, tmp_path: Path) -> None:
    page.goto(server + "/bill")
    if not page.locator("#bill-form").count():
        pytest.skip("this build has no bill calculator (llmflation.workload.bill missing)")
    page.fill("#f-tasks_per_month", "250000")
    page.fill("#f-calls_per_task", "3")
    page.fill("#f-input_tokens", "4000")
    page.fill("#f-output_tokens", "800")
    page.fill("#f-cached_input_share", "0.5")
    page.fill("#f-revenue_per_task", "0.05")
    page.select_option("#f-benchmark", "mmlu")
    page.fill("#f-min_score", "75")
    page.click("#bill-submit")
    page.wait_for_url("**/bill?*tasks_per_month=250000*")
    check(page, page.locator("#bill-error").count() == 0, "the form reported an error", tmp_path)
    rows = page.locator("#bill-table tbody tr").count()
    check(page, rows >= 1, "no ranked offers", tmp_path)
    charts = charts_rendered(page, tmp_path)
    jevons = [c for c in charts if c["id"] == "jevons"]
    check(page, bool(jevons) and jevons[0]["marks"] > 0, f"Jevons chart did not render: {charts}", tmp_path)
    # the URL reproduces the inputs: reopening it gives the same form values and the same table
    url = page.url
    first_table = page.inner_text("#bill-table")
    page.goto(url)
    check(page, page.input_value("#f-calls_per_task") == "3", "inputs not restored from the URL", tmp_path)
    check(page, page.inner_text("#bill-table") == first_table, "same URL gave a different table", tmp_path)
    check(page, not page.problems, f"browser errors: {page.problems}", tmp_path)
