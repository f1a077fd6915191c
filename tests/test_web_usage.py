"""Spend: /api/usage/spend, the Spend page and the token-protected upload (skipped without llmflation.usage)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from helpers.web_support import TOKEN, assert_envelope
from llmflation.web import WebSettings, create_app

pytest.importorskip("llmflation.usage.analytics")

LOG = [  # OpenAI chat-completion objects; gpt-4o-mini is $0.15 in / $0.60 out per 1M on the ledger
    {"id": "chatcmpl-a", "object": "chat.completion", "created": 1738368000, "model": "gpt-4o-mini",
     "usage": {"prompt_tokens": 1_000_000, "completion_tokens": 100_000, "total_tokens": 1_100_000}},
    {"id": "chatcmpl-b", "object": "chat.completion", "created": 1740787200, "model": "gpt-4o-mini",
     "usage": {"prompt_tokens": 2_000_000, "completion_tokens": 0, "total_tokens": 2_000_000}},
]


@pytest.fixture
def writable(store_home: Path) -> TestClient:
    settings = WebSettings(ledger_path=store_home / "ledger.duckdb", api_token=TOKEN, max_upload_bytes=64 * 1024)
    return TestClient(create_app(settings), raise_server_exceptions=False)


def _upload(client: TestClient, text: str, name: str = "log.jsonl", token: str | None = TOKEN) -> object:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/api/usage/upload", files={"file": (name, text.encode(), "application/jsonl")},
                       data={"format": "openai-chat"}, headers=headers)


def test_spend_empty_then_upload_then_priced(writable: TestClient) -> None:
    assert 'id="no-usage"' in writable.get("/spend").text
    empty = writable.get("/api/usage/spend").json()
    assert empty["ok"] is True and empty["rows"] == []
    text = "\n".join(json.dumps(r) for r in LOG) + "\n"
    resp = _upload(writable, text)
    assert resp.status_code == 201, resp.text
    assert resp.json()["totals"]["accepted"] == 2
    again = _upload(writable, text).json()  # idempotent: the same rows are duplicates
    assert again["totals"]["accepted"] == 0 and again["totals"]["duplicates"] == 2
    body = writable.get("/api/usage/spend", params={"by": "month,model"}).json()
    assert [r["period"] for r in body["rows"]] == ["2025-02-01", "2025-03-01"]
    price = writable.get("/api/price", params={"model": "gpt-4o-mini", "at": "2025-02-01",
                                               "provider": "openai"}).json()["prices"][0]
    expected = Decimal(price["input_usd_per_mtok"]) + Decimal(price["output_usd_per_mtok"]) / 10
    assert Decimal(body["rows"][0]["cost_usd"]) == expected
    page = writable.get("/spend").text
    assert 'id="spend-table"' in page and 'id="spend-chart"' in page


def test_upload_needs_token_and_limits(writable: TestClient) -> None:
    text = json.dumps(LOG[0]) + "\n"
    assert_envelope(_upload(writable, text, token=None), 401)
    assert_envelope(_upload(writable, text, token="nope"), 401)
    assert_envelope(_upload(writable, text, name="../../etc/passwd"), 422)
    assert_envelope(_upload(writable, "x" * (70 * 1024)), 413)
    bad = _upload(writable, "{not json}\n")
    assert bad.status_code in (201, 422)


def test_read_only_server_has_no_upload(shared_home: Path) -> None:
    client = TestClient(create_app(WebSettings(ledger_path=shared_home / "ledger.duckdb")),
                        raise_server_exceptions=False)
    assert_envelope(client.post("/api/usage/upload", files={"file": ("a.jsonl", b"{}")}), 404)
    assert "upload-form" not in client.get("/spend").text


def test_spend_bad_params(writable: TestClient) -> None:
    assert_envelope(writable.get("/api/usage/spend", params={"by": "DROP TABLE"}), 422)
    assert_envelope(writable.get("/api/usage/spend", params={"since": "2025-99-01"}), 422)
    assert_envelope(writable.get("/api/usage/spend", params={"by": "month,colour"}), 422)
