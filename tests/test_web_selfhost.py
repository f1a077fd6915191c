"""/api/selfhost/estimate and the Self-host page (skipped in builds without llmflation.serving)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from helpers.web_support import assert_envelope
from llmflation.web import WebSettings, create_app

pytest.importorskip("llmflation.serving.compare")


@pytest.fixture(scope="module")
def client(shared_home: Path) -> TestClient:
    return TestClient(create_app(WebSettings(ledger_path=shared_home / "ledger.duckdb")),
                      raise_server_exceptions=False)


def test_estimate_mirrors_the_cli(client: TestClient) -> None:
    from llmflation.serving.model import estimate

    body = client.get("/api/selfhost/estimate", params={"model": "llama-3.3-70b", "gpu": "H100", "count": 8,
                                                        "tp": 8, "precision": "fp8", "utilisation": "0.5"}).json()
    direct = estimate("llama-3.3-70b", "H100", count=8, tp=8, precision="fp8", utilisation=Decimal("0.5"))
    assert body["ok"] is True and body["gpu"] == "H100" and body["count"] == 8
    assert Decimal(body["usd_per_mtok_output"]) == direct.usd_per_mtok_output
    assert body["tokens_per_s_per_gpu"] == pytest.approx(direct.tokens_per_s_per_gpu)
    for key in ("ttft_s", "tpot_s", "max_concurrency", "bound", "usd_per_mtok_input"):
        assert key in body


@pytest.mark.parametrize(("params", "status", "needle"), [
    ({"model": "llama-3.3-70b", "gpu": "H999"}, 404, "H100"),
    ({"model": "no-such-arch", "gpu": "H100"}, 404, "No architecture"),
    ({"model": "llama-3.1-405b", "gpu": "L4", "count": 1}, 422, "fit"),
    ({"model": "llama-3.3-70b", "gpu": "A100", "precision": "fp4"}, 422, "fp4"),
    ({"model": "llama-3.3-70b", "gpu": "H100", "utilisation": "0"}, 422, "utilisation"),
    ({"gpu": "H100"}, 422, "model"),
])
def test_estimate_bad_input(client: TestClient, params: dict[str, object], status: int, needle: str) -> None:
    body = assert_envelope(client.get("/api/selfhost/estimate", params=params), status)
    assert needle in body["error"]


def test_selfhost_page_modes(client: TestClient) -> None:
    base = {"model": "llama-3.3-70b", "isl": "1024", "osl": "256", "utilisation": "0.5"}
    compare = client.get("/selfhost", params={**base, "mode": "compare", "ttft": "2", "tpot": "0.05"}).text
    assert 'id="compare-table"' in compare and 'id="selfhost-compare"' in compare
    search = client.get("/selfhost", params={**base, "mode": "search", "ttft": "2", "tpot": "0.05"}).text
    assert 'id="search-table"' in search
    est = client.get("/selfhost", params={**base, "mode": "estimate", "gpu": "H200"}).text
    assert 'id="estimate-table"' in est and "H200" in est
    bad = client.get("/selfhost", params={**base, "mode": "estimate", "gpu": "H100", "isl": "lots"})
    assert bad.status_code == 200 and 'id="selfhost-error"' in bad.text


@pytest.mark.parametrize("gpu", ["H100", "H200"])
def test_compare_answers_for_the_gpu_shown_selected(client: TestClient, gpu: str) -> None:
    """The GPU selected in the form is the GPU the comparison is computed for (it once answered for GB200)."""
    import re

    html = client.get("/selfhost", params={"mode": "compare", "model": "llama-3.3-70b", "gpu": gpu}).text
    selected = re.findall(r'<option value="([^"]+)" selected', html)
    summary = html.split('id="compare-summary"', 1)[1].split("</div></div>", 1)[0]
    assert selected == [gpu]
    assert re.search(rf"\d+×{gpu} ", summary), summary


def test_compare_without_gpu_in_the_url_answers_for_the_default_shown(client: TestClient) -> None:
    import re

    html = client.get("/selfhost", params={"mode": "compare", "model": "llama-3.3-70b"}).text
    [shown] = re.findall(r'<option value="([^"]+)" selected', html)
    summary = html.split('id="compare-summary"', 1)[1].split("</div></div>", 1)[0]
    assert re.search(rf"\d+×{shown} ", summary), (shown, summary)
