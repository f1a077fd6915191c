"""The dashboard and the report in a real headless Chromium (Debian's package, driven by Playwright) against a
real uvicorn.

Opens every page and the report at 1400 px (desktop) and 390 px (phone): no sideways page scroll, every chart
draws marks, no console warnings or errors. Fills the bill form, sorts and filters the Models table, downloads a
table as CSV. A failing check saves a full-page screenshot — under $LLMFLATION_TEST_ARTIFACTS when set (CI keeps
that folder), else the test's tmp dir — and prints its path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers.web_support import running_server

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = ["/", "/models", "/models/gpt-4o", "/bill", "/spend", "/spend/index", "/selfhost",
         "/selfhost?mode=compare&model=llama-3.3-70b&gpu=H100", "/capability",
         "/capability?benchmark=mmlu&at=2025-01-01", "/api/docs"]
WIDTHS = [1400, 390]  # desktop, phone


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


def open_page(browser: Any, server: str, width: int = 1400) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    problems: list[str] = []
    pg.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    pg.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
          if msg.type in ("error", "warning") else None)
    outside: list[str] = []

    def guard(route: Any) -> None:  # the dashboard must never reach beyond the server
        url = route.request.url
        if url.startswith((server, "data:", "blob:", "file:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    pg.route("**/*", guard)
    pg.problems = problems
    pg.outside = outside
    return pg


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    pg = open_page(browser, server)
    yield pg
    pg.context.close()


def check(page: Any, condition: bool, what: str, tmp: Path) -> None:
    """Fail with a full-page screenshot saved as a test artifact."""
    if not condition:
        where = Path(os.environ.get("LLMFLATION_TEST_ARTIFACTS") or tmp)
        where.mkdir(parents=True, exist_ok=True)
        name = "".join(c if c.isalnum() else "-" for c in os.environ.get("PYTEST_CURRENT_TEST", "failure"))[:120]
        shot = where / f"{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        pytest.fail(f"{what} (screenshot: {shot})")


def no_sideways_scroll(page: Any, tmp: Path, where: str) -> None:
    width = page.evaluate("window.innerWidth")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    check(page, scroll <= width, f"{where} scrolls sideways at {width} px: the page is {scroll} px wide", tmp)


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


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", PAGES)
def test_every_page_opens_cleanly(browser: Any, server: str, path: str, width: int, tmp_path: Path) -> None:
    page = open_page(browser, server, width)
    try:
        resp = page.goto(server + path)
        check(page, resp is not None and resp.status == 200, f"{path} answered {resp and resp.status}", tmp_path)
        check(page, page.locator("header nav a").count() >= 6, "navigation missing", tmp_path)
        for chart in charts_rendered(page, tmp_path):
            check(page, chart["rendered"] == "1" and chart["marks"] > 0, f"chart {chart} did not render", tmp_path)
        no_sideways_scroll(page, tmp_path, path)
        tables = page.locator("main table.data").count()
        tools = page.locator("main .table-wrap .table-tools button.dl").count()
        check(page, tools == 2 * tables, f"{tables} tables but {tools} download buttons on {path}", tmp_path)
        check(page, not page.problems, f"browser warnings/errors on {path}: {page.problems}", tmp_path)
        check(page, not page.outside, f"{path} tried to reach outside: {page.outside}", tmp_path)
    finally:
        page.context.close()


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory, server: str) -> Path:
    out = tmp_path_factory.mktemp("browser-report")
    home = tmp_path_factory.mktemp("browser-report-home")
    env = {**os.environ, "LLMFLATION_HOME": str(home)}
    r = subprocess.run([sys.executable, "-m", "llmflation.cli.main", "report", "--out", str(out)], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return out / "report.html"


@pytest.mark.parametrize("width", WIDTHS)
def test_report_reads_on_desktop_and_phone(browser: Any, server: str, report_html: Path, width: int,
                                           tmp_path: Path) -> None:
    page = open_page(browser, server, width)
    try:
        page.goto(report_html.as_uri())
        try:
            page.wait_for_function(
                "() => [...document.querySelectorAll('.chart')].every(e => e.dataset.rendered)", timeout=30000)
        except Exception:
            check(page, False, "report charts did not finish rendering", tmp_path)
        charts = page.eval_on_selector_all(".chart", """els => els.map(e => ({id: e.id, rendered: e.dataset.rendered,
            marks: e.querySelectorAll('svg .mark-line path, svg .mark-symbol path, svg .mark-area path').length}))""")
        check(page, len(charts) >= 6, f"too few charts: {charts}", tmp_path)
        for chart in charts:
            check(page, chart["rendered"] == "1" and chart["marks"] > 0, f"chart {chart} did not render", tmp_path)
        no_sideways_scroll(page, tmp_path, "the report")
        # the sources column stays readable on a phone: at least ~20 characters wide
        src_width = page.evaluate("Math.min(...[...document.querySelectorAll('td.src')].map(e => e.clientWidth))")
        check(page, src_width >= 150, f"the sources column is {src_width} px wide", tmp_path)
        check(page, not page.problems, f"browser warnings/errors in the report: {page.problems}", tmp_path)
        check(page, not page.outside, f"the report tried to reach outside: {page.outside}", tmp_path)
    finally:
        page.context.close()


def test_report_legend_click_brings_one_threshold_forward(browser: Any, server: str, report_html: Path,
                                                         tmp_path: Path) -> None:
    """Overlapping forecast bands: clicking a threshold in a trend chart's legend fades every other one."""
    page = open_page(browser, server, 1400)
    try:
        page.goto(report_html.as_uri())
        page.wait_for_function(
            "() => [...document.querySelectorAll('.chart')].every(e => e.dataset.rendered)", timeout=30000)
        chart = "#chart-curves-gpqa_diamond"
        faded = "els => els.filter(e => e.getAttribute('opacity') === '0.12').length"
        check(page, page.eval_on_selector_all(f"{chart} .mark-line path", faded) == 0, "lines faded before a click",
              tmp_path)
        page.click(f"{chart} .role-legend-label text >> nth=1")
        page.wait_for_timeout(300)
        n = page.eval_on_selector_all(f"{chart} .mark-line path", faded)
        check(page, n > 0, "a legend click faded nothing", tmp_path)
        check(page, not page.problems, f"browser warnings/errors: {page.problems}", tmp_path)
    finally:
        page.context.close()


def test_models_table_sorts_filters_and_suggests(page: Any, server: str, tmp_path: Path) -> None:
    page.goto(server + "/models")
    dates = page.eval_on_selector_all("#models-table tbody tr td:nth-child(3)", "els => els.map(e => e.innerText)")
    known = [d for d in dates if d != "—"]
    check(page, known == sorted(known, reverse=True), "Models are not listed newest first", tmp_path)
    page.click("#models-table thead th:nth-child(3)")  # ascending by release date
    first = page.inner_text("#models-table tbody tr:first-child td:nth-child(3)")
    check(page, first == min(known), f"sorting by date put {first} first, not {min(known)}", tmp_path)
    page.fill("#models-filter", "llama")
    shown = page.eval_on_selector_all("#models-table tbody tr:not([hidden])", "els => els.map(e => e.innerText)")
    check(page, bool(shown) and all("llama" in t.lower() for t in shown), "the filter let other rows through",
          tmp_path)
    check(page, page.inner_text("#models-table-count") == str(len(shown)), "the shown count is wrong", tmp_path)
    with page.expect_download() as dl:
        page.locator(".table-tools button.dl", has_text="CSV").first.click()
    text = Path(dl.value.path()).read_text()
    check(page, text.startswith("Model,Developer,Released") and text.count("\n") == len(shown) + 1,
          f"the CSV download does not hold the rows shown: {text[:200]!r}", tmp_path)
    page.goto(server + "/models?q=gpt-4oo")
    check(page, page.locator("#did-you-mean a").count() >= 1, "no did-you-mean for a near miss", tmp_path)
    check(page, not page.problems, f"browser errors: {page.problems}", tmp_path)


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
