"""Overview (trends) and /api/trend, /api/forecast, /api/claims on the real bundled ledger.

Skipped in builds without llmflation.trends / llmflation.report.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from helpers.web_support import assert_envelope
from llmflation.web import WebSettings, create_app

pytest.importorskip("llmflation.report.build")


@pytest.fixture(scope="module")
def client(shared_home: Path) -> TestClient:
    return TestClient(create_app(WebSettings(ledger_path=shared_home / "ledger.duckdb")),
                      raise_server_exceptions=False)


def test_trend_matches_the_fit_contract(client: TestClient) -> None:
    body = client.get("/api/trend", params={"benchmark": "mmlu", "threshold": "gpt-4"}).json()
    assert body["ok"] is True and body["benchmark"] == "mmlu"
    assert body["threshold"]["model"] == "openai/gpt-4-0314"
    for key in ("factor_per_year", "ci_low", "ci_high", "r2", "n", "points"):
        assert key in body
    assert body["n"] == len(body["points"]) >= 3
    assert body["ci_low"] <= body["factor_per_year"] <= body["ci_high"]
    prices = [float(p["price"]) for p in body["points"]]
    assert prices == sorted(prices, reverse=True)  # record lows only go down


def test_forecast_interval_brackets_central(client: TestClient) -> None:
    body = client.get("/api/forecast", params={"to": "2027-12", "threshold": "gpt-4"}).json()
    assert body["to"] == "2027-12-01"
    assert float(body["low"]) <= float(body["central"]) <= float(body["high"])
    assert body["path"]


def test_claims_paginated_with_verdicts(client: TestClient) -> None:
    body = client.get("/api/claims", params={"limit": 2}).json()
    assert body["total"] >= 6 and len(body["items"]) == 2 and body["next_offset"] == 2
    verdicts = {"supported", "partly", "not supported", "insufficient data"}
    assert all(c["verdict"] in verdicts for c in body["items"])
    only = client.get("/api/claims", params={"verdict": "supported"}).json()
    assert all(c["verdict"] == "supported" for c in only["items"])


@pytest.mark.parametrize(("params", "status"), [
    ({"benchmark": "mmluu"}, 404),
    ({"threshold": "99.9"}, 422),
    ({"threshold": "no-such-model-at-all"}, 404),
    ({"blend": "3-1"}, 422),
    ({"hosts": "cheapest"}, 422),
    ({"from": "2026-13"}, 422),
])
def test_trend_bad_input(client: TestClient, params: dict[str, str], status: int) -> None:
    resp = client.get("/api/trend", params=params)
    assert resp.status_code in (status, 422) if status == 404 else resp.status_code == status, resp.text
    assert_envelope(resp, resp.status_code)


def test_forecast_needs_a_target(client: TestClient) -> None:
    assert_envelope(client.get("/api/forecast"), 422)
    assert_envelope(client.get("/api/forecast", params={"to": "9999-01"}), 422)


def test_overview_has_curves_declines_and_claims(client: TestClient) -> None:
    html = client.get("/").text
    assert 'id="trend-mmlu"' in html and 'id="decline-table"' in html and 'id="claims-table"' in html
    assert "× per year" in html and "supported" in html


def test_overview_marks_the_same_plateaued_fits_as_the_report(client: TestClient) -> None:
    """The dashboard's decline table flags a fit with no new record low for over a year by the report's own rule
    (report.build.plateaued), with the same day and months."""
    from llmflation.report.build import months_without_new_low, plateaued
    from llmflation.web.trends_web import overview_data

    html = client.get("/").text
    data = overview_data(client.app.state.llmflation)  # type: ignore[attr-defined]
    flat = [c for c in data.curves if plateaued(c, data.as_of)]
    for c in flat:
        day, months = months_without_new_low(c, data.as_of)
        assert f"no new low since {day} ({months} mo)" in html
    assert ('"no new low since" was fitted on record lows' in html) == bool(flat)
    assert html.count('class="muted small plateau"') == len(flat)
