"""Importers read a source's keys as names on the source's day, over the bundled ledger's dated names.

A name is billed as what it meant that day: `gpt-4o` meant the 2024-05-13 snapshot until 2024-10-02, `deepseek-chat`
moved through five models, and `o1-mini` means nothing since its 2025-10-27 shutdown although LiteLLM still lists it.
Such a retired key is set aside with its reason (never a failed source: one stale key once failed all of
`data update`), and a key's price history is cut where its name changed meaning.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from helpers.litellm_repo import ROOT, Repo, entry
from helpers.price_server import Route, serve
from llmflation.ledger.importers.run import import_litellm_history
from llmflation.ledger.importers.update import update
from llmflation.ledger.ledger import Ledger, open_ledger


@pytest.fixture
def ledger(writable_ledger: Ledger) -> Ledger:
    """A private copy of the store built from the bundled data (imports write to it)."""
    return writable_ledger


@pytest.fixture
def bundled(shared_home: Path) -> Ledger:
    """The shared read-only store, for checks that import nothing."""
    return open_ledger(shared_home / "ledger.duckdb")


MAP = {
    "o1-mini": entry(1.1e-06, 4.4e-06),
    "gpt-4o": entry(2.5e-06, 1e-05),
    "deepseek-chat": entry(2.7e-07, 1.1e-06, provider="deepseek"),
    "gpt-4.1-nano": entry(1e-07, 4e-07),
    "gpt-5.6-luna": entry(2e-07, 1.2e-06),
    "not-a-model-anyone-sells": entry(1e-06, 2e-06),
    "vercel_ai_gateway/anthropic/claude-3-opus": entry(1.5e-05, 7.5e-05, provider="vercel_ai_gateway"),
    "anthropic.claude-3-opus-20240229-v1:0": entry(1.5e-05, 7.5e-05, provider="bedrock"),
    "groq/openai/gpt-oss-120b": entry(1.5e-07, 6e-07, provider="groq"),
}


def _update(ledger: Ledger, day: date) -> Any:
    with serve({"/m.json": Route(json.dumps(MAP).encode())}) as s:
        result = update(ledger=ledger, today=day, urls={"litellm": s.url("/m.json")}, kinds=["litellm"],
                        backoff=0.01)
    (src,) = result.sources
    assert src.status == "imported", src.reason
    assert src.report is not None
    return src.report


def _models(report: Any) -> dict[str, str]:
    return {r.source_key: r.price.model for r in report.rows}


def test_a_retired_name_is_set_aside_with_its_reason_and_the_rest_imports(ledger: Ledger) -> None:
    report = _update(ledger, date(2026, 12, 3))
    models = _models(report)
    assert "o1-mini" not in models and "deepseek-chat" not in models  # both names ended before the day
    reasons = {s.key: s.reason for s in report.skipped}
    assert "2024-09-12 to 2025-10-27 as openai/o1-mini-2024-09-12" in reasons["o1-mini"]
    assert "meant nothing on 2026-12-03" in reasons["deepseek-chat"]
    assert models["gpt-4o"] == "openai/gpt-4o-2024-08-06"
    assert models["gpt-5.6-luna"] == "openai/gpt-5.6-luna"
    assert "at openai shut down on 2026-10-23" in reasons["gpt-4.1-nano"]  # OpenAI's own offer ended; Azure's lives
    assert [u.key for u in report.unmatched] == ["not-a-model-anyone-sells"]  # unknown ≠ retired
    assert report.set_aside == sum(1 for s in report.skipped if "not imported" in s.reason.lower()) >= 4


def test_the_cli_reports_what_it_set_aside(tmp_path: Path, store_template: Path) -> None:
    """`data update` through the real CLI: the summary line and --json both count the set-aside listings."""
    from helpers.cli import run_cli

    for home in (tmp_path, tmp_path / "again"):
        home.mkdir(exist_ok=True)
        shutil.copyfile(store_template, home / "ledger.duckdb")
    with serve({"/m.json": Route(json.dumps(MAP).encode())}) as s:
        out = run_cli("data", "update", "--source", "litellm", "--url", f"litellm={s.url('/m.json')}", "--json",
                      home=tmp_path)
        human = run_cli("data", "update", "--source", "litellm", "--url", f"litellm={s.url('/m.json')}",
                        home=tmp_path / "again")
    assert out.returncode == 0, out.stderr
    (src,) = json.loads(out.stdout)["sources"]
    assert src["import"]["set_aside_count"] >= 4
    assert any(x["key"] == "o1-mini" and "2025-10-27" in x["reason"] for x in src["import"]["skipped"])
    assert human.returncode == 0, human.stderr
    assert "set aside as retired names or ended offers" in human.stderr


@pytest.mark.parametrize(
    ("day", "gpt4o", "deepseek"),
    [
        (date(2024, 6, 1), "openai/gpt-4o-2024-05-13", "deepseek/deepseek-v2"),
        (date(2024, 11, 1), "openai/gpt-4o-2024-08-06", "deepseek/deepseek-v2.5"),
        (date(2025, 9, 1), "openai/gpt-4o-2024-08-06", "deepseek/deepseek-v3.1"),
        (date(2025, 10, 1), "openai/gpt-4o-2024-08-06", "deepseek/deepseek-v3.2"),
    ],
)
def test_a_snapshot_reads_moving_names_on_its_own_day(ledger: Ledger, day: date, gpt4o: str, deepseek: str) -> None:
    models = _models(_update(ledger, day))
    assert models["gpt-4o"] == gpt4o
    assert models["deepseek-chat"] == deepseek
    assert models.get("o1-mini") == ("openai/o1-mini-2024-09-12" if day >= date(2024, 9, 12) else None)


def test_a_name_before_it_existed_is_not_imported(ledger: Ledger) -> None:
    report = _update(ledger, date(2024, 6, 1))  # o1-mini was released 2024-09-12
    assert "o1-mini" not in _models(report)
    assert any(s.key == "o1-mini" and "2024-09-12" in s.reason for s in report.skipped)


def test_history_is_cut_where_the_name_moved_and_its_retired_tail_is_dropped(
    ledger: Ledger, tmp_path: Path
) -> None:
    """One unchanged LiteLLM price for `deepseek-chat` from 2025-01-10 to today becomes one row per model the name
    meant, with no invented price change at the cuts, and nothing after DeepSeek retired the name (2026-07-24)."""
    repo = Repo(tmp_path / "litellm")
    m = {"deepseek-chat": entry(2.7e-07, 1.1e-06, provider="deepseek")}
    for day in ("2025-01-10", "2025-06-01", "2025-10-15", "2026-08-01"):
        m[f"filler-{day}"] = entry(1e-06, 1e-06)  # each commit changes the file
        repo.write(ROOT, m, day, f"update {day}")
    report = import_litellm_history(repo.path, ledger=ledger)
    rows = sorted((r.price for r in report.rows if r.source_key == "deepseek-chat"), key=lambda p: p.valid_from)
    assert [(p.model, p.valid_from, p.valid_to) for p in rows] == [
        ("deepseek/deepseek-v3", date(2025, 1, 10), date(2025, 8, 21)),
        ("deepseek/deepseek-v3.1", date(2025, 8, 21), date(2025, 9, 29)),
        ("deepseek/deepseek-v3.2", date(2025, 9, 29), date(2026, 4, 24)),
        ("deepseek/deepseek-v4-flash", date(2026, 4, 24), date(2026, 7, 24)),
    ]
    assert {(p.input, p.output) for p in rows} == {(Decimal("0.27"), Decimal("1.1"))}
    assert not [e for e in report.events if e.key == "deepseek-chat" and e.label == "price change first seen"]
    assert any(s.key == "deepseek-chat" and "2026-07-24" in s.reason for s in report.skipped)


@pytest.mark.parametrize(
    ("kind", "raw", "want"),
    [
        ("litellm", "vercel_ai_gateway", "vercel"),
        ("litellm", "dashscope", "alibaba"),
        ("litellm", "meta_llama", "meta"),
        ("litellm", "vertex_ai-qwen_models", "vertex"),
        ("litellm", "vertex_ai-zai_models", "vertex"),
        ("litellm", "azure_ai", "azure"),
        ("litellm", "oci", "oci"),
        ("litellm", "together_ai", "together"),
        ("genai-prices", "moonshotai", "moonshot"),
        ("genai-prices", "zhipuai", "zhipu"),
        ("genai-prices", "x-ai", "xai"),
    ],
)
def test_source_provider_names_land_on_the_ledgers_providers(bundled: Ledger, kind: str, raw: str, want: str) -> None:
    """An imported row of a host the ledger knows must carry the ledger's provider id, or it would sit beside the
    curated rows as a second, unknown provider (LiteLLM's `vercel_ai_gateway` once became `vercel-ai-gateway`)."""
    from llmflation.ledger.importers.mapping import Matcher, load_alias_table

    matcher = Matcher(bundled, load_alias_table(), kind)
    assert matcher.provider(raw, "some/key") == want
    assert want in bundled.providers


def test_listings_of_shut_down_offers_are_set_aside(ledger: Ledger) -> None:
    """LiteLLM still lists Claude 3 Opus at Bedrock (shut 2026-07-09) and through Vercel's gateway, though Anthropic
    shut it down on 2026-01-05 and no offer of the closed weights is live: neither becomes a current price. An
    open-weight model at a host is not affected."""
    report = _update(ledger, date(2026, 12, 3))
    models = _models(report)
    reasons = {s.key: s.reason for s in report.skipped}
    assert "anthropic.claude-3-opus-20240229-v1:0" not in models
    assert "at bedrock shut down on 2026-07-09" in reasons["anthropic.claude-3-opus-20240229-v1:0"]
    assert "vercel_ai_gateway/anthropic/claude-3-opus" not in models
    assert "anthropic shut down anthropic/claude-3-opus-20240229 on 2026-01-05" in reasons[
        "vercel_ai_gateway/anthropic/claude-3-opus"]
    assert models["groq/openai/gpt-oss-120b"] == "openai/gpt-oss-120b"
    assert ledger.not_served_reason("meta/llama-3.3-70b-instruct", "a-new-host", date(2030, 1, 1)) is None


def test_the_same_listings_import_while_the_offer_was_live(ledger: Ledger) -> None:
    models = _models(_update(ledger, date(2025, 6, 1)))
    assert models["anthropic.claude-3-opus-20240229-v1:0"] == "anthropic/claude-3-opus-20240229"
    assert models["vercel_ai_gateway/anthropic/claude-3-opus"] == "anthropic/claude-3-opus-20240229"
    rows = {r.source_key: r.price for r in _update(ledger, date(2025, 6, 2)).rows}
    assert rows["vercel_ai_gateway/anthropic/claude-3-opus"].provider == "vercel"


def test_history_ends_where_the_offer_was_shut_down(ledger: Ledger, tmp_path: Path) -> None:
    """LiteLLM listed Claude 3 Opus on Bedrock unchanged from 2025-01-10 to 2026-08-01; Bedrock shut it down on
    2026-07-09: the imported history stops there and the rest is set aside with its reason."""
    repo = Repo(tmp_path / "litellm")
    m = {"anthropic.claude-3-opus-20240229-v1:0": entry(1.5e-05, 7.5e-05, provider="bedrock")}
    for day in ("2025-01-10", "2026-03-01", "2026-08-01"):
        m[f"filler-{day}"] = entry(1e-06, 1e-06)
        repo.write(ROOT, m, day, f"update {day}")
    report = import_litellm_history(repo.path, ledger=ledger)
    rows = [r.price for r in report.rows if r.source_key == "anthropic.claude-3-opus-20240229-v1:0"]
    assert [(p.model, p.provider, p.valid_from, p.valid_to) for p in rows] == [
        ("anthropic/claude-3-opus-20240229", "bedrock", date(2025, 1, 10), date(2026, 7, 9)),
    ]
    assert any("shut down on 2026-07-09" in s.reason for s in report.skipped
               if s.key == "anthropic.claude-3-opus-20240229-v1:0")
