"""/api/index and the Price index page, over the real bundled ledger; the page in a real headless Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from llmflation.web import WebSettings, create_app
from test_web_api import assert_envelope
from test_web_browser import browser, charts_rendered, check, page, server  # noqa: F401  (pytest fixtures)

pytest.importorskip("llmflation.index.overview")


@pytest.fixture(scope="module")
def client(shared_home: Path) -> TestClient:
    return TestClient(create_app(WebSettings(ledger_path=shared_home / "ledger.duckdb")),
                      raise_server_exceptions=False)


def test_api_index_is_the_cli_computation(client: TestClient) -> None:
    body = client.get("/api/index").json()
    assert body["ok"] is True
    methods = {m["method"]: m for m in body["methods"]}
    assert {"hedonic", "threshold", "frontier", "tiers:economy", "reasoning-task"} <= set(methods)
    hed = methods["hedonic"]
    assert hed["ci_low"] < hed["factor_per_year"] < hed["ci_high"]
    assert body["options"]["bootstrap"] == 200 and body["why_they_differ"]
    assert body["frontier_premium"]["levels"] and body["reasoning_deflation"]["points"]
    # a money figure in the watch items is an exact decimal string
    assert isinstance(body["reasoning_deflation"]["points"][0]["usd_per_task"], str)


def test_api_index_options_and_bad_input(client: TestClient) -> None:
    one = client.get("/api/index", params={"method": "hedonic", "window": 3, "bootstrap": 20}).json()
    assert [m["method"] for m in one["methods"]] == ["hedonic"] and one["options"]["window_months"] == 3
    assert_envelope(client.get("/api/index", params={"method": "vibes"}), 422)
    assert client.get("/api/index", params={"window": 1}).status_code == 422
    assert client.get("/api/index", params={"score": "nope", "method": "hedonic"}).json()["ok"] is False


def test_index_page_renders_table_chart_words(client: TestClient) -> None:
    html = client.get("/index").text
    for marker in ('id="index-table"', 'id="index-chart"', 'id="index-why"', 'id="seed-table"',
                   'id="premium-table"', 'id="index-options"', "/static/"):
        assert marker in html, marker
    assert "cdn" not in html.lower()
    assert 'href="/index"' in client.get("/").text  # in the navigation


@pytest.mark.browser
def test_index_page_in_chromium(page: Any, server: str, tmp_path: Path) -> None:  # noqa: F811
    resp = page.goto(server + "/index")
    check(page, resp is not None and resp.status == 200, f"/index answered {resp and resp.status}", tmp_path)
    charts = charts_rendered(page, tmp_path)
    check(page, bool(charts) and all(c["rendered"] == "1" and c["marks"] > 0 for c in charts),
          f"index chart did not render: {charts}", tmp_path)
    check(page, not page.problems, f"browser errors: {page.problems}", tmp_path)
    check(page, not page.outside, f"/index tried to reach outside: {page.outside}", tmp_path)
