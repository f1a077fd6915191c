"""`llmflation data update` and importer plugins through the real CLI (subprocess), against a local HTTP
server on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.importer_data import run_cli
from helpers.price_server import Route, Served, serve

ROOT = Path(__file__).resolve().parents[1]
FIX = Path(__file__).parent / "fixtures" / "update"


@pytest.fixture
def server() -> Iterator[Served]:
    with serve(
        {
            "/litellm.json": Route((FIX / "litellm_v1.json").read_bytes()),
            "/genai.json": Route((FIX / "genai_prices.json").read_bytes()),
            "/openrouter.json": Route(b"", status=500),
            "/vercel.json": Route((FIX / "vercel_models.json").read_bytes()),
            "/acme.json": Route(b'{"prices": [{"model": "gpt-4o-mini", "developer": "openai", '
                                b'"input_usd_per_mtok": "0.12", "output_usd_per_mtok": "0.5"}]}'),
        }
    ) as s:
        yield s


def flags(s: Served) -> list[str]:
    return ["--url", f"litellm={s.url('/litellm.json')}", "--url", f"genai-prices={s.url('/genai.json')}",
            "--url", f"openrouter={s.url('/openrouter.json')}", "--url", f"vercel={s.url('/vercel.json')}",
            "--retries", "1"]


def test_update_json_reports_each_source_and_exits_1_on_a_partial_outage(tmp_path: Path, server: Served) -> None:
    r = run_cli("data", "update", *flags(server), "--json", home=tmp_path)
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout)
    by = {s["kind"]: s for s in out["sources"]}
    assert by["litellm"]["status"] == by["genai-prices"]["status"] == by["vercel"]["status"] == "imported"
    assert by["openrouter"]["status"] == "failed" and "HTTP 500" in by["openrouter"]["reason"]
    assert by["litellm"]["import"]["rows_written"] > 0
    assert set(out["diff"]) >= {"new_models", "new_offers", "price_cuts", "first_sightings"}
    assert "1 of 4 source(s) failed" in r.stderr and "Traceback" not in r.stderr
    # a second run: the failed source is still reported, the others are unchanged (not imported again)
    again = run_cli("data", "update", *flags(server), "--json", home=tmp_path)
    assert {s["kind"]: s["status"] for s in json.loads(again.stdout)["sources"]} == {
        "litellm": "unchanged", "genai-prices": "unchanged", "openrouter": "failed", "vercel": "unchanged"}


def test_update_table_output_and_new_models_flagged_in_status(tmp_path: Path, server: Served) -> None:
    server.routes["/openrouter.json"] = Route((FIX / "openrouter_models.json").read_bytes())
    r = run_cli("data", "update", *flags(server), "--add-new", home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "litellm: imported" in r.stderr and "New models" in r.stdout and "gpt-9-mini" in r.stdout
    st = json.loads(run_cli("data", "status", "--json", home=tmp_path).stdout)
    assert {m["id"] for m in st["provisional_models"]} == {"openai/gpt-9-mini", "openai/gpt-9-nano"}
    assert st["provisional_model_count"] == 2


def test_offline_is_one_line_and_exit_1(tmp_path: Path, server: Served) -> None:
    r = run_cli("data", "update", *flags(server), "--offline", home=tmp_path)
    assert r.returncode == 1 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "nothing was changed" in r.stderr
    assert server.log == []
    bad = run_cli("data", "update", "--url", "nonsense", home=tmp_path)
    assert bad.returncode == 2 and "KIND=URL" in bad.stderr


def _install_example_plugin(site: Path) -> None:
    """What `pip install examples/importer_plugin` leaves behind: the module and its entry-point metadata."""
    shutil.copy(ROOT / "examples" / "importer_plugin" / "acme_prices.py", site / "acme_prices.py")
    dist = site / "llmflation_acme_prices-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: llmflation-acme-prices\nVersion: 0.1.0\n")
    (dist / "entry_points.txt").write_text("[llmflation.importers]\nacme = acme_prices:IMPORTER\n")


def test_example_importer_plugin_is_found_through_entry_points(tmp_path: Path, server: Served) -> None:
    site = tmp_path / "site"
    site.mkdir()
    _install_example_plugin(site)
    home = tmp_path / "home"
    helped = run_cli("import", "--help", home=home, extra_path=str(site))
    assert helped.returncode == 0 and "acme" in helped.stdout
    saved = tmp_path / "acme.json"
    saved.write_bytes(server.routes["/acme.json"].body)
    r = run_cli("import", "acme", str(saved), "--date", "2026-11-02", "--json", home=home, extra_path=str(site))
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["kind"] == "acme" and rep["rows_written"] == 1
    assert rep["source"] == "acme:price-list:acme.json@2026-11-02"
    up = run_cli("data", "update", "--source", "acme", "--url", f"acme={server.url('/acme.json')}", "--json",
                 home=home, extra_path=str(site))
    assert up.returncode == 0, up.stderr
    assert json.loads(up.stdout)["sources"][0]["status"] == "imported"
    # without the plugin the kind is unknown: a usage error
    missing = run_cli("import", "acme", str(saved), home=home)
    assert missing.returncode == 2 and "No such command" in missing.stderr
