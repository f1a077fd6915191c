"""Snapshot importers end to end against a real DuckDB store: mapping, one transaction, merge, status,
diff."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from helpers.importer_data import texts
from llmflation.errors import DataError, InputError
from llmflation.ledger.importers.changes import diff, factor, pct, status
from llmflation.ledger.importers.run import import_genai_prices, import_litellm, import_openrouter
from llmflation.ledger.ledger import Ledger, open_ledger

FIXTURES = Path(__file__).parent / "fixtures" / "importers"


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    monkeypatch.setattr("llmflation.ledger.loading.bundled_texts", texts)
    return open_ledger(tmp_path / "ledger.duckdb")


def reopen(ledger: Ledger) -> Ledger:
    assert ledger.store is not None
    return open_ledger(ledger.store.path)


def contents(ledger: Ledger) -> dict[str, list[Any]]:
    """Every table's full content, in a stable order."""
    assert ledger.store is not None
    con = ledger.store.connect()
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables ORDER BY table_name"
            ).fetchall()
        ]
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
    finally:
        con.close()


def test_litellm_snapshot_maps_keys_reports_unmatched_and_skips(ledger: Ledger) -> None:
    r = import_litellm(FIXTURES / "litellm_map.json", date(2025, 1, 15), ledger=ledger)
    assert r.source == "litellm:file:litellm_map.json@2025-01-15"
    assert [u.key for u in r.unmatched] == ["mystery-model-9000"]
    assert {s.key for s in r.skipped} == {"text-embedding-3-small", "free-promo", "dall-e-3"}
    assert (r.entries, r.matched, len(r.rows)) == (10, 9, 8)
    by = {(x.price.model, x.price.provider): x for x in r.rows}
    mini = by[("openai/gpt-4o-mini-2024-07-18", "openai")]
    assert (mini.price.input, mini.price.output, mini.flags) == (
        Decimal("0.15"),
        Decimal("0.6"),
        ("alias-key-may-lag",),
    )
    aug = by[("openai/gpt-4o-2024-08-06", "openai")].price
    assert (aug.cached_input, aug.batch_discount, aug.output) == (
        Decimal("1.25"),
        Decimal("0.5"),
        Decimal("10"),
    )
    flash = by[("google/gemini-1.5-flash-001", "vertex")].price
    assert (flash.input, flash.long_context_threshold, flash.long_input) == (
        Decimal("0.075"),
        128000,
        Decimal("0.15"),
    )
    assert by[("meta/llama-3.3-70b-instruct", "groq")].price.first_party is False
    haiku = by[("anthropic/claude-3-haiku-20240307", "anthropic")].price
    assert haiku.first_party and haiku.cache_write == Decimal("0.3") and haiku.confidence == "derived"
    # curated estimated 0.3 yields to the observed 0.25 (listed); curated archived 1.04 wins (listed)
    assert {(c.model, c.provider, c.winner) for c in r.conflicts} == {
        ("anthropic/claude-3-haiku-20240307", "anthropic", "imported"),
        ("meta/llama-3.3-70b-instruct", "together", "curated"),
    }
    after = reopen(ledger)
    assert after.price("claude-3-haiku", at=date(2025, 2, 1))[0].input == Decimal("0.25")
    assert after.price("llama-3.3-70b", provider="together", at=date(2025, 7, 1))[0].input == Decimal("1.04")
    assert after.price("llama-3.3-70b", provider="groq", at=date(2025, 7, 1))[0].origin == "imported"


def test_openrouter_and_genai_prices_snapshots(ledger: Ledger) -> None:
    r = import_openrouter(FIXTURES / "openrouter_models.json", date(2025, 3, 1), ledger=ledger)
    assert {(x.price.model, x.price.provider) for x in r.rows} == {
        ("openai/gpt-4o-2024-08-06", "openrouter"),
        ("meta/llama-3.3-70b-instruct", "openrouter"),
        ("deepseek/deepseek-v3", "openrouter"),
    }
    assert [u.key for u in r.unmatched] == ["acme/unknown-llm-7b"]
    reasons = {s.key: s.reason for s in r.skipped}
    assert (
        "dynamic" in reasons["openrouter/auto"]
        and "free" in reasons["meta-llama/llama-3.3-70b-instruct:free"]
    )
    assert "not a number" in reasons["broken/price"]
    llama = next(x.price for x in r.rows if x.price.model.startswith("meta/"))
    assert (llama.input, llama.output) == (Decimal("0.12"), Decimal("0.3"))

    g = import_genai_prices(FIXTURES / "genai_prices_data.json", date(2025, 7, 1), ledger=reopen(ledger))
    ds = sorted(
        (x.price.tier, x.price.valid_from, x.price.input)
        for x in g.rows
        if x.price.model == "deepseek/deepseek-v3"
    )
    assert ds == [
        ("off-peak", date(2025, 7, 1), Decimal("0.135")),
        ("standard", date(2025, 2, 8), Decimal("0.27")),
    ]
    assert any("no stated start date" in s.reason for s in g.skipped)
    assert [u.key for u in g.unmatched] == ["anthropic/claude-9-opus"]
    # genai-prices' known error (gpt-4o-2024-05-13 at 2.5/10) is a listed conflict; the curated 5/15 stands
    assert any(c.model == "openai/gpt-4o-2024-05-13" and c.curated.input == Decimal("5") for c in g.conflicts)
    assert reopen(ledger).price("openai/gpt-4o-2024-05-13", at=date(2025, 8, 1))[0].input == Decimal("5")


def test_failed_import_changes_nothing(ledger: Ledger, tmp_path: Path) -> None:
    import_litellm(FIXTURES / "litellm_map.json", date(2025, 1, 15), ledger=ledger)
    before = contents(ledger)
    # a price the store cannot hold exactly is now refused per key (with its reason), never written changed
    data = json.loads((FIXTURES / "openrouter_models.json").read_text())
    data["data"].append(
        {"id": "openai/gpt-4o-mini", "name": "x", "pricing": {"prompt": "1000000", "completion": "1"}}
    )
    bad = tmp_path / "late.json"
    bad.write_text(json.dumps(data))
    report = import_openrouter(bad, date(2025, 4, 1), ledger=reopen(ledger))
    [skip] = [s for s in report.skipped if s.key == "openai/gpt-4o-mini"]
    assert "prompt: 1000000000000 USD per 1M tokens is above the sane bound" in skip.reason  # the source field
    assert not [r for r in report.rows if r.source_key == "openai/gpt-4o-mini"]
    ledger = reopen(ledger)
    before = contents(ledger)
    # a row that fails only when written (it overflows DECIMAL(20, 9)) rolls the whole import back
    from dataclasses import replace

    from llmflation.ledger.store import ImportedRow, ImportMeta

    good = report.rows[0]
    late = ImportedRow(replace(good.price, input=Decimal("1e12")), "late-key", good.seen_on)
    meta = ImportMeta(kind="openrouter", source="late", snapshot="late", seen_on=date(2025, 4, 2),
                      started=datetime.now(), entries=2, matched=2, unmatched_keys=())
    assert ledger.store is not None
    with pytest.raises(DataError, match="nothing was written"):
        ledger.store.record_import(meta, [good, late])
    assert contents(ledger) == before
    # and a file that is not JSON at all fails before touching the store
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        import_litellm(tmp_path / "bad.json", ledger=reopen(ledger))
    assert contents(ledger) == before


def test_reimporting_the_same_snapshot_replaces_it(ledger: Ledger) -> None:
    import_litellm(FIXTURES / "litellm_map.json", date(2025, 1, 15), ledger=ledger)
    once = contents(ledger)["imported_prices"]
    import_litellm(FIXTURES / "litellm_map.json", date(2025, 1, 15), ledger=reopen(ledger))
    again = contents(ledger)
    assert len(again["imported_prices"]) == len(once)
    assert [r[1] for r in again["imports"]] == ["litellm", "litellm"]  # both runs are logged


def test_status_reports_stale_and_disputed_prices(ledger: Ledger) -> None:
    import_litellm(FIXTURES / "litellm_map.json", date(2025, 1, 15), ledger=ledger)
    import_openrouter(FIXTURES / "openrouter_models.json", date(2025, 3, 1), ledger=reopen(ledger))
    now = reopen(ledger)
    assert now.store is not None
    s = status(now.all_prices(), now.store.imported(), today=date(2025, 5, 1), days=90)
    stale = {(x.price.model, x.price.provider): x for x in s.stale}
    # gpt-4-0314 is curated from 2023-03-14 and no import has seen it since
    assert stale[("openai/gpt-4-0314", "openai")].how == "curated valid_from"
    # last seen by the LiteLLM import on 2025-01-15: 106 days before 2025-05-01
    assert stale[("meta/llama-3.3-70b-instruct", "groq")].days == 106
    # seen by OpenRouter on 2025-03-01: not stale
    assert ("meta/llama-3.3-70b-instruct", "openrouter") not in stale
    assert not any(d.price.provider == "together" for d in s.disagreements)  # both say 0.88 until June
    later = status(now.all_prices(), now.store.imported(), today=date(2025, 7, 1), days=90)
    disputed = {(d.price.model, d.price.provider): d for d in later.disagreements}
    assert disputed[("meta/llama-3.3-70b-instruct", "together")].price.input == Decimal("1.04")
    assert disputed[("meta/llama-3.3-70b-instruct", "together")].opinions[0].input == Decimal("0.88")


def test_diff_reports_new_models_cuts_and_increases_with_sizes(ledger: Ledger) -> None:
    d = diff(ledger.all_prices(), {m.id: m for m in ledger.models()}, since=date(2024, 12, 1))
    assert [p.model for _, p in d.new_models] == ["deepseek/deepseek-v3", "meta/llama-3.3-70b-instruct"]
    [up] = d.increases
    assert (up.model, up.provider, up.day) == ("meta/llama-3.3-70b-instruct", "together", date(2025, 6, 1))
    assert (up.input_pct, up.blended_pct, up.factor) == (Decimal("18.2"), Decimal("18.2"), Decimal("1.18"))
    assert d.cuts == [] and [p.model for p in d.ended] == ["deepseek/deepseek-v3"]
    assert pct(Decimal("10"), Decimal("2")) == Decimal("-80.0") and factor(
        Decimal("10"), Decimal("2")
    ) == Decimal(5)
