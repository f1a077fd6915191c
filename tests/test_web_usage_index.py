"""Your own index on the dashboard: /api/usage/index (the JSON of `usage index --json`) and the Your index page,
over the real bundled ledger and a usage store ingested from generated logs; the page in a real headless Chromium at
desktop and phone widths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from helpers.usage_helpers import gen_module
from helpers.web_support import assert_envelope, running_server
from llmflation.web import WebSettings, create_app
from test_web_browser import browser, charts_rendered, check, no_sideways_scroll, open_page  # noqa: F401

pytest.importorskip("llmflation.index.personal")
pytest.importorskip("llmflation.usage.analytics")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def usage_home(tmp_path_factory: pytest.TempPathFactory, shared_home: Path) -> Path:
    """A data directory with the bundled ledger and 3,000 generated requests ingested (OpenAI chat format)."""
    import shutil

    from llmflation.ledger.ledger import open_ledger
    from llmflation.usage.store import UsageStore

    home = tmp_path_factory.mktemp("usage-index-home")
    shutil.copyfile(shared_home / "ledger.duckdb", home / "ledger.duckdb")
    ledger = open_ledger(home / "ledger.duckdb")
    gen = gen_module()
    gen.write("openai-chat", gen.generate(ledger, 3000, seed=5), home / "log.jsonl")
    report = UsageStore(home / "usage.duckdb").ingest([home / "log.jsonl"], ledger)
    assert report.totals()["accepted"] == 3000
    return home


@pytest.fixture(scope="module")
def client(usage_home: Path) -> TestClient:
    return TestClient(create_app(WebSettings(ledger_path=usage_home / "ledger.duckdb")),
                      raise_server_exceptions=False)


def _cli_json(home: Path, *args: str) -> dict[str, Any]:
    env = {**os.environ, "LLMFLATION_HOME": str(home), "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-m", "llmflation.cli.main", "usage", "index", *args, "--json"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def same(a: Any, b: Any, where: str = "") -> None:
    """Equal, except the market index (a float statistic) may differ in its last bits: the server fits the market
    once over a wider window and rebases it (see index.personal.market_levels)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float):
        assert b == pytest.approx(a, rel=1e-12), where
    else:
        assert a == b, where


def test_api_usage_index_is_the_cli_json(client: TestClient, usage_home: Path) -> None:
    body = client.get("/api/usage/index", params={"by": "provider"}).json()
    assert body.pop("ok") is True
    same(body, _cli_json(usage_home, "--by", "provider"))  # one shape, one computation
    total = body["total"]
    assert total["summary"].startswith("your prices ") and "your mix moved" in total["summary"]
    assert body["market"] and body["groups"] and body["by"] == "provider" and body["engine"] == "duckdb"
    first = total["months"][0]
    assert Decimal(first["index"]) == 1 and first["market_index"] == pytest.approx(1.0)
    # money stays an exact decimal string; each month's actual price is its spend over its tokens
    for m in total["months"]:
        assert isinstance(m["cost_usd"], str)
        assert Decimal(m["usd_per_mtok"]) == pytest.approx(Decimal(m["cost_usd"]) * 1_000_000 / m["tokens"],
                                                           rel=Decimal("1e-20"))
    # the provider groups' spend adds up to the total's
    assert sum(Decimal(m["cost_usd"]) for g in body["groups"] for m in g["months"]) == \
        sum(Decimal(m["cost_usd"]) for m in total["months"])


def test_api_usage_index_formula_and_window(client: TestClient) -> None:
    full = client.get("/api/usage/index").json()
    months = [m["month"] for m in full["total"]["months"]]
    mid = months[len(months) // 2]
    part = client.get("/api/usage/index", params={"since": mid, "formula": "tornqvist"}).json()
    assert part["formula"] == "tornqvist" and part["total"]["months"][0]["month"] == mid
    tags = client.get("/api/usage/index", params={"by": "tag"}).json()
    assert {g["group"] for g in tags["groups"]} and any("several tags" in n for n in tags["notes"])


def test_api_usage_index_bad_inputs(client: TestClient, shared_home: Path, tmp_path: Path) -> None:
    bad_by = assert_envelope(client.get("/api/usage/index", params={"by": "colour"}), 422)
    assert "by" in bad_by["error"] and "'model', 'provider' or 'tag'" in bad_by["error"]
    assert_envelope(client.get("/api/usage/index", params={"formula": "laspeyres"}), 422)
    assert_envelope(client.get("/api/usage/index", params={"since": "2025-13-01"}), 422)
    outside = assert_envelope(client.get("/api/usage/index", params={"since": "2031-01-01"}), 404)
    assert "The logs span" in outside["error"] and outside["first_day"] and outside["last_day"]
    assert date.fromisoformat(outside["first_day"]) <= date.fromisoformat(outside["last_day"])
    import shutil

    shutil.copyfile(shared_home / "ledger.duckdb", tmp_path / "ledger.duckdb")  # a store with no usage at all
    empty = TestClient(create_app(WebSettings(ledger_path=tmp_path / "ledger.duckdb")),
                       raise_server_exceptions=False)
    body = assert_envelope(empty.get("/api/usage/index"), 404)
    assert "No usage has been ingested" in body["error"] and "POST /api/usage/upload" in body["error"]
    page = empty.get("/spend/index")
    assert page.status_code == 200 and 'id="no-usage"' in page.text


def test_page_shows_index_chart_and_breakdown(client: TestClient) -> None:
    html = client.get("/spend/index", params={"by": "model"}).text
    for marker in ('id="usage-index-summary"', 'id="usage-index-chart"', 'id="usage-index-table"',
                   'id="usage-index-groups"', 'id="usage-index-groups-chart"', "your mix moved"):
        assert marker in html, marker
    assert 'href="/spend/index"' in client.get("/spend").text and 'href="/spend/index"' in client.get("/index").text
    bad = client.get("/spend/index", params={"by": "colour"})
    assert bad.status_code == 422 and 'id="usage-index-error"' in bad.text and "choose model, provider or tag" \
        in bad.text


@pytest.fixture(scope="module")
def usage_server(usage_home: Path) -> Iterator[str]:
    with running_server(usage_home) as base:
        yield base


@pytest.mark.browser
@pytest.mark.parametrize("width", [1400, 390])
@pytest.mark.parametrize("query", ["", "?by=provider"])
def test_usage_index_page_in_chromium(browser: Any, usage_server: str, width: int, query: str,  # noqa: F811
                                      tmp_path: Path) -> None:
    page = open_page(browser, usage_server, width)
    try:
        resp = page.goto(usage_server + "/spend/index" + query)
        check(page, resp is not None and resp.status == 200, f"answered {resp and resp.status}", tmp_path)
        charts = charts_rendered(page, tmp_path)
        want = 2 if query else 1
        check(page, len(charts) == want and all(c["rendered"] == "1" and c["marks"] > 0 for c in charts),
              f"charts did not render: {charts}", tmp_path)
        summary = page.locator("#usage-index-summary").inner_text()
        check(page, "Your prices" in summary and "mix moved" in summary, f"summary reads {summary!r}", tmp_path)
        no_sideways_scroll(page, tmp_path, "/spend/index" + query)
        tables = page.locator("main table.data").count()
        tools = page.locator("main .table-wrap .table-tools button.dl").count()
        check(page, tables == want and tools == 2 * tables, f"{tables} tables, {tools} download buttons",
              tmp_path)
        check(page, not page.problems, f"browser warnings/errors: {page.problems}", tmp_path)
        check(page, not page.outside, f"tried to reach outside: {page.outside}", tmp_path)
        if query == "":  # the form asks for a breakdown and the page answers it
            page.select_option("#usage-index-form select[name=by]", "tag")
            page.click("#usage-index-form button[type=submit]")
            page.wait_for_url("**/spend/index?by=tag*")
            check(page, page.locator("#usage-index-groups tbody tr").count() >= 2, "no tag rows", tmp_path)
            charts_rendered(page, tmp_path)
            check(page, not page.problems, f"browser warnings/errors after the form: {page.problems}", tmp_path)
    finally:
        page.context.close()
