"""/api/bill and the Bill page (needs llmflation.workload.bill; skipped in builds without it)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi.testclient import TestClient

from helpers.web_support import assert_envelope, small_ledger
from llmflation.web import WebSettings, create_app

pytest.importorskip("llmflation.workload.bill")

BASE = {"tasks_per_month": "1000", "input_tokens": "1000", "output_tokens": "500", "at": "2025-07-01"}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(WebSettings(), ledger=small_ledger()), raise_server_exceptions=False)


def test_bill_ranks_and_itemises_exactly(client: TestClient) -> None:
    body = client.get("/api/bill", params=BASE).json()
    assert body["ok"] is True and body["at"] == "2025-07-01"
    offers = body["offers"]
    # in effect on 2025-07-01: llama on deepinfra (0.23/0.40), llama on together (1.04/1.04),
    # gpt-4o on openai (2.5/10), gpt-4 on openai (30/60); per task = (1000·in + 500·out) / 1e6
    expected = [("meta/llama-3.3-70b-instruct", "deepinfra", Decimal("0.00043")),
                ("meta/llama-3.3-70b-instruct", "together", Decimal("0.00156")),
                ("openai/gpt-4o-2024-05-13", "openai", Decimal("0.0075")),
                ("openai/gpt-4-0314", "openai", Decimal("0.06"))]
    assert [(o["model"], o["provider"], Decimal(o["per_task_usd"])) for o in offers] == expected
    assert Decimal(offers[0]["monthly_usd"]) == Decimal("0.43")
    assert body["cheapest"]["provider"] == "deepinfra" and body["total"] == 4
    items = offers[0]["items"]
    assert Decimal(items["uncached_input"]["monthly_usd"]) + Decimal(items["output"]["monthly_usd"]) == Decimal("0.43")


def test_bill_floor_margin_and_paging(client: TestClient) -> None:
    params = {**BASE, "benchmark": "mmlu", "min_score": "86.35", "revenue_per_task": "0.01", "limit": "1"}
    body = client.get("/api/bill", params=params).json()
    assert body["total"] == 2 and body["next_offset"] == 1  # gpt-4o (88.7) and gpt-4 (86.4); llama 86.3 is below
    assert body["excluded"]["below_floor"] == ["meta/llama-3.3-70b-instruct"]
    top = body["offers"][0]
    assert top["model"] == "openai/gpt-4o-2024-05-13"
    assert Decimal(top["margin"]["gross_margin"]) == Decimal("0.25")  # (0.01 - 0.0075) / 0.01


def test_cached_share_without_cached_price_warns(client: TestClient) -> None:
    body = client.get("/api/bill", params={**BASE, "cached_input_share": "0.5", "model": "llama-3.3-70b"}).json()
    assert all(any(w["code"] == "cached_input_missing" for w in o["warnings"]) for o in body["offers"])


@pytest.mark.parametrize(("extra", "status", "needle"), [
    ({"tasks_per_month": "0"}, 422, "tasks_per_month"),
    ({"cached_input_share": "1.5"}, 422, "cached_input_share"),
    ({"cached_input_share": "0.8", "cache_write_share": "0.5"}, 422, "cache_write_share"),
    ({"benchmark": "mmlu"}, 422, "min_score"),
    ({"benchmark": "mmluu", "min_score": "80"}, 404, "mmlu"),
    ({"model": "gpt4o"}, 404, "gpt-4o"),
    ({"provider": "nobody"}, 404, "provider"),
    ({"at": "2025-02-30"}, 422, "at"),
    ({"colour": "blue"}, 422, "colour"),
])
def test_bill_bad_input(client: TestClient, extra: dict[str, str], status: int, needle: str) -> None:
    body = assert_envelope(client.get("/api/bill", params={**BASE, **extra}), status)
    assert needle in body["error"]


def test_bill_missing_required(client: TestClient) -> None:
    body = assert_envelope(client.get("/api/bill", params={"input_tokens": "10"}), 422)
    assert {d["field"] for d in body["details"]} >= {"tasks_per_month", "output_tokens"}


def test_bill_page_state_is_in_the_url(client: TestClient) -> None:
    params = {**BASE, "revenue_per_task": "0.01"}
    resp = client.get("/bill", params=params)
    assert resp.status_code == 200
    html = resp.text
    assert 'value="1000"' in html and "deepinfra" in html and 'id="jevons"' in html
    link = _share_link(html)
    assert {k: v[0] for k, v in parse_qs(urlparse(link).query).items()} == params
    again = client.get(link.replace("http://testserver", ""))
    assert _table(again.text) == _table(html)


def test_bill_page_shows_errors_inline(client: TestClient) -> None:
    resp = client.get("/bill", params={**BASE, "tasks_per_month": "-5"})
    assert resp.status_code == 200 and "tasks_per_month" in resp.text and 'id="bill-error"' in resp.text


def _share_link(html: str) -> str:
    import html as h
    import re

    m = re.search(r'id="share-link" href="([^"]+)"', html)
    assert m
    return h.unescape(m.group(1))


def _table(html: str) -> Any:
    start = html.index('id="bill-table"')
    return html[start:html.index("</table>", start)]


def test_bill_form_starts_without_revenue_and_without_margin(client: TestClient) -> None:
    """No invented revenue: the field starts empty and no margin is shown until one is entered."""
    html = client.get("/bill").text
    assert re.search(r'name="revenue_per_task" id="f-revenue_per_task" value=""', html)
    assert "Gross margin" not in html
    with_revenue = client.get("/bill", params={**BASE, "revenue_per_task": "0.01"}).text
    assert "Gross margin" in with_revenue
