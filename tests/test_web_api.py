"""The JSON API through httpx (FastAPI's TestClient): answers, pagination, the error envelope, security."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from helpers.web_support import TOKEN, assert_envelope, small_ledger
from llmflation.web import WebSettings, create_app
from llmflation.web.schemas import HistoryPage, ModelsPage, PriceAnswer


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(WebSettings(), ledger=small_ledger()), raise_server_exceptions=False)


def test_models_paginates(client: TestClient) -> None:
    first = client.get("/api/models", params={"limit": 2}).json()
    ModelsPage.model_validate(first)
    assert first["total"] == 3 and len(first["items"]) == 2 and first["next_offset"] == 2
    rest = client.get("/api/models", params={"limit": 2, "offset": first["next_offset"]}).json()
    assert len(rest["items"]) == 1 and rest["next_offset"] is None
    ids = [m["id"] for m in first["items"] + rest["items"]]
    assert ids == ["openai/gpt-4-0314", "openai/gpt-4o-2024-05-13", "meta/llama-3.3-70b-instruct"]
    assert client.get("/api/models", params={"offset": 50}).json()["items"] == []


def test_models_search(client: TestClient) -> None:
    body = client.get("/api/models", params={"search": "llama"}).json()
    assert [m["id"] for m in body["items"]] == ["meta/llama-3.3-70b-instruct"]
    assert body["items"][0]["params_total_b"] == "70"


def test_price_at_date_is_exact(client: TestClient) -> None:
    body = client.get("/api/price", params={"model": "gpt-4o", "at": "2024-06-01"}).json()
    PriceAnswer.model_validate(body)
    assert body["model"] == "openai/gpt-4o-2024-05-13" and body["at"] == "2024-06-01"
    (p,) = body["prices"]
    assert (p["input_usd_per_mtok"], p["output_usd_per_mtok"]) == ("5", "15")
    later = client.get("/api/price", params={"model": "GPT-4o", "at": "2024-10"}).json()["prices"][0]
    assert (later["input_usd_per_mtok"], later["cached_input_usd_per_mtok"]) == ("2.5", "1.25")


def test_price_lists_providers_cheapest_first(client: TestClient) -> None:
    body = client.get("/api/price", params={"model": "llama-3.3-70b", "at": "2025-07-01"}).json()
    assert [(p["provider"], p["input_usd_per_mtok"]) for p in body["prices"]] == [
        ("deepinfra", "0.23"), ("together", "1.04")]
    one = client.get("/api/price", params={"model": "llama-3.3-70b", "at": "2025-01-01", "provider": "together"})
    assert one.json()["prices"][0]["output_usd_per_mtok"] == "0.88"


def test_history(client: TestClient) -> None:
    body = client.get("/api/history", params={"model": "meta/llama-3.3-70b-instruct"}).json()
    HistoryPage.model_validate(body)
    assert body["total"] == 3
    assert [(p["provider"], p["valid_from"], p["valid_to"]) for p in body["items"]] == [
        ("deepinfra", "2024-12-10", None), ("together", "2024-12-10", "2025-06-01"), ("together", "2025-06-01", None)]
    paged = client.get("/api/history", params={"model": "llama-3.3-70b", "limit": 1, "offset": 1}).json()
    assert len(paged["items"]) == 1 and paged["next_offset"] == 2


def test_scores(client: TestClient) -> None:
    body = client.get("/api/scores", params={"model": "gpt-4"}).json()
    assert body["scores"][0]["value"] == "86.4" and body["scores"][0]["benchmark"] == "mmlu"


def test_unknown_model_404_with_suggestions(client: TestClient) -> None:
    for path in ("/api/price", "/api/history", "/api/scores"):
        body = assert_envelope(client.get(path, params={"model": "gpt4o"}), 404)
        assert "gpt-4o" in body["suggestions"]
        assert "Did you mean" in body["error"]


def test_no_price_yet_is_404_with_the_first_date(client: TestClient) -> None:
    body = assert_envelope(client.get("/api/price", params={"model": "gpt-4", "at": "2020-01-01"}), 404)
    assert "2023-03-14" in body["error"]


@pytest.mark.parametrize("params", [
    {"model": "gpt-4o", "at": "2024-13-01"},
    {"model": "gpt-4o", "at": "yesterday"},
    {"model": ""},
    {},
    {"model": "x" * 201},
])
def test_bad_price_params_422(client: TestClient, params: dict[str, str]) -> None:
    body = assert_envelope(client.get("/api/price", params=params), 422)
    assert body["error"]


def test_unknown_provider_is_not_found(client: TestClient) -> None:
    """An unknown name (provider, benchmark, GPU) is a 404 listing the known ones, like an unknown model."""
    body = assert_envelope(client.get("/api/price", params={"model": "gpt-4o", "provider": "nobody"}), 404)
    assert "nobody" in body["error"] and body["known"]


def test_bad_paging_422_names_the_field(client: TestClient) -> None:
    for params in ({"limit": 0}, {"limit": 501}, {"offset": -1}, {"limit": "ten"}):
        body = assert_envelope(client.get("/api/models", params=params), 422)
        assert body["details"][0]["field"] in ("limit", "offset")


def test_unknown_route_and_method(client: TestClient) -> None:
    assert_envelope(client.get("/api/nothing-here"), 404)
    assert_envelope(client.post("/api/price", params={"model": "gpt-4o"}), 405)


def test_read_only_by_default_has_no_write_routes(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert not [p for p in schema["paths"] if p.startswith("/api/user")]
    assert_envelope(client.post("/api/user/prices", json={"prices": []}), 404)


def test_internal_errors_never_leak(client: TestClient) -> None:
    app = client.app

    @app.get("/api/_boom")  # type: ignore[attr-defined]
    def boom() -> None:
        raise RuntimeError("secret detail /etc/passwd")

    body = assert_envelope(client.get("/api/_boom"), 500)
    assert "secret" not in json.dumps(body) and "RuntimeError" not in json.dumps(body)


def test_openapi_documents_every_endpoint(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path in ("/api/models", "/api/price", "/api/history", "/api/scores"):
        assert path in schema["paths"]
        responses = schema["paths"][path]["get"]["responses"]
        assert {"200", "404", "422"} <= set(responses)
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/price" in docs.text


def test_security_headers_and_no_cdn(client: TestClient) -> None:
    resp = client.get("/models")
    csp = resp.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "http" not in csp
    assert resp.headers["x-content-type-options"] == "nosniff"
    for page in ("/", "/models", "/models/gpt-4o", "/api/docs", "/bill", "/spend", "/selfhost"):
        html = client.get(page).text
        assert "cdn" not in html.lower() and "<script src=\"http" not in html, page
    js = client.get("/static/vega-bundle.min.js")
    assert js.status_code == 200 and "vegaEmbed" in js.text


def test_model_page_and_html_errors(client: TestClient) -> None:
    page = client.get("/models/llama-3.3-70b")
    assert page.status_code == 200 and "Llama 3.3 70B Instruct" in page.text and "deepinfra" in page.text
    missing = client.get("/models/gpt4o")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    assert "/models/gpt-4o" in missing.text  # the suggestion is a link
    search = client.get("/models", params={"q": "<script>alert(1)</script>"})
    assert search.status_code == 200 and "<script>alert(1)" not in search.text


# -- writing endpoints ------------------------------------------------------------------------------------------
@pytest.fixture
def writable(store_home: Path) -> TestClient:
    """A real store in a private home, with a token: the writing routes exist."""
    settings = WebSettings(ledger_path=store_home / "ledger.duckdb", api_token=TOKEN, max_upload_bytes=64 * 1024)
    return TestClient(create_app(settings), raise_server_exceptions=False)


def _some_model(client: TestClient) -> tuple[str, str]:
    """A model on record with a price, and one of its providers (whatever the bundled data holds)."""
    for m in client.get("/api/models", params={"limit": 500}).json()["items"]:
        hist = client.get("/api/history", params={"model": m["id"]}).json()
        if hist.get("items"):
            return m["id"], hist["items"][0]["provider"]
    pytest.skip("no priced model in the bundled data")


def test_writes_need_the_token(writable: TestClient) -> None:
    model, _ = _some_model(writable)
    body = {"prices": [{"model": model, "provider": "mycloud", "valid_from": "2030-01-01", "input": "1",
                        "output": "2"}]}
    assert_envelope(writable.post("/api/user/prices", json=body), 401)
    assert_envelope(writable.post("/api/user/prices", json=body, headers={"Authorization": "Bearer wrong"}), 401)
    assert_envelope(writable.post("/api/user/prices", json=body, headers={"Authorization": TOKEN}), 401)
    ok = writable.post("/api/user/prices", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 201, ok.text
    price = writable.get("/api/price", params={"model": model, "provider": "mycloud", "at": "2030-02-01"}).json()
    assert price["prices"][0]["input_usd_per_mtok"] == "1" and price["prices"][0]["origin"] == "user"


def test_an_off_peak_window_of_two_ranges_is_written_and_overlap_refused(writable: TestClient) -> None:
    model, _ = _some_model(writable)
    auth = {"Authorization": f"Bearer {TOKEN}"}

    def row(tier: str, window: str | None, provider: str = "mycloud") -> dict[str, str | None]:
        return {"model": model, "provider": provider, "tier": tier, "valid_from": "2032-01-01", "input": "2",
                "output": "4", "window_utc": window}

    bad = assert_envelope(writable.post("/api/user/prices", headers=auth, json={"prices": [
        row("standard", None, "other"), row("off-peak", "04:00-06:00,05:00-01:00", "other")]}), 422)
    assert any("window_utc: '04:00-06:00,05:00-01:00' has ranges that overlap" in p for p in bad["problems"]), bad
    ok = writable.post("/api/user/prices", headers=auth, json={"prices": [
        row("standard", None), row("off-peak", "04:00-06:00,10:00-01:00")]})
    assert ok.status_code == 201, ok.text
    got = writable.get("/api/price", params={"model": model, "provider": "mycloud", "at": "2032-02-01",
                                             "tier": "off-peak"}).json()
    assert got["prices"][0]["window_utc"] == "04:00-06:00,10:00-01:00"
    weekly = writable.post("/api/user/prices", headers=auth, json={"prices": [
        row("standard", None, "weekcloud"), row("off-peak", "Mon-Fri 04:00-06:00,Sat-Sun 00:00-24:00", "weekcloud")]})
    assert weekly.status_code == 201, weekly.text
    assert_envelope(writable.post("/api/user/prices", headers=auth, json={"prices": [
        row("standard", None, "typo"), row("off-peak", "Mo 04:00-06:00", "typo")]}), 422)
    assert_envelope(writable.get("/api/price", params={"model": model, "provider": "other"}), 404)  # nothing written


def test_bad_write_is_rejected_whole(writable: TestClient) -> None:
    model, _ = _some_model(writable)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    body = {"prices": [
        {"model": model, "provider": "mycloud", "valid_from": "2031-01-01", "input": "1", "output": "2"},
        {"model": "no-such-model-xyz", "provider": "mycloud", "valid_from": "2031-01-01", "input": "1", "output": "2"},
        {"model": model, "provider": "other", "valid_from": "2031-01-01", "input": "-1", "output": "2"},
    ]}
    bad = assert_envelope(writable.post("/api/user/prices", json=body, headers=auth), 422)
    assert len(bad["problems"]) == 2
    assert_envelope(writable.get("/api/price", params={"model": model, "provider": "mycloud"}), 404)  # nothing written
    assert_envelope(writable.post("/api/user/prices", json={"prices": []}, headers=auth), 422)


def test_discount_applies(writable: TestClient) -> None:
    model, provider = _some_model(writable)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    before = writable.get("/api/history", params={"model": model}).json()["items"]
    target = next(p for p in before if p["provider"] == provider)
    at = target["valid_from"]
    query = {"model": model, "provider": provider, "at": at}
    first = writable.get("/api/price", params=query)
    assert first.json()["prices"][0]["input_usd_per_mtok"] == target["input_usd_per_mtok"]
    assert writable.get("/api/price", params=query).headers["x-cache"] == "hit"
    resp = writable.post("/api/user/discounts", headers=auth, json={
        "provider": provider, "percent": "50", "valid_from": "2000-01-01", "model": model})
    assert resp.status_code == 201, resp.text
    from decimal import Decimal

    after = writable.get("/api/price", params=query).json()  # the write cleared the answer cache
    price = after["prices"][0]
    assert Decimal(price["input_usd_per_mtok"]) == Decimal(target["input_usd_per_mtok"]) / 2
    assert price["origin"] == "adjusted"
    assert_envelope(writable.post("/api/user/discounts", headers=auth, json={
        "provider": provider, "percent": "150", "valid_from": "2000-01-01"}), 422)
    assert_envelope(writable.post("/api/user/discounts", headers=auth, json={
        "provider": "nobody", "percent": "10", "valid_from": "2000-01-01"}), 404)


def test_body_size_limit(writable: TestClient) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    huge = b'{"prices": [' + b" " * (70 * 1024) + b"]}"
    assert_envelope(writable.post("/api/user/prices", content=huge, headers=auth), 413)

    def chunks():  # no Content-Length: the limit is enforced while streaming
        for _ in range(80):
            yield b" " * 1024

    assert_envelope(writable.post("/api/user/prices", content=chunks(), headers=auth), 413)


def test_serve_rejects_bad_usage(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("serve", "--log-level", "loud").returncode == 2
    assert cli("serve", "--port", "70000").returncode == 2
    short = cli("serve", "--help")
    assert short.returncode == 0 and "127.0.0.1" in short.stdout
