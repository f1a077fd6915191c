"""A source's filler price is not a price: LiteLLM listed every Hyperbolic Llama, 3B to 405B, at $0.12/$0.30.

One provider listing the same price, at the same time, for two models twenty times apart in size both by total
parameters and by active parameters is set aside with its reason (snapshot imports, `data update` and history
mining alike). Real size-tier and category prices are not: Fireworks put DeepSeek-V3 (671B, 37B active) in the
same "above 16B" tier as 24B dense models, OCI bills Llama 4 Maverick (400B, 17B active) like its 70B models.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from helpers.litellm_repo import ROOT, Repo, entry
from helpers.price_server import Route, serve
from llmflation.ledger.importers.mapping import Listing, placeholder_prices
from llmflation.ledger.importers.run import import_litellm_history
from llmflation.ledger.importers.update import update
from llmflation.ledger.ledger import Ledger, open_ledger

D = Decimal
DAY = date(2026, 12, 3)


def _listing(ledger: Ledger, model: str, price: str, provider: str = "hyperbolic", tier: str = "standard",
             start: date = DAY, end: date | None = None) -> Listing:
    return Listing((model, provider, tier, start), provider, tier, D(price), D(price), ledger.model(model), start, end)


def test_one_price_for_a_3b_and_a_405b_model_is_set_aside(ledger: Ledger) -> None:
    listings = [_listing(ledger, m, "0.12") for m in
                ("meta/llama-3.2-3b-instruct", "meta/llama-3.3-70b-instruct", "meta/llama-3.1-405b-instruct")]
    flagged = placeholder_prices(listings)
    assert set(flagged) == {x.ref for x in listings}  # the whole block: its 70B member is no price either
    reason = flagged[listings[1].ref]
    assert "hyperbolic lists the same $0.12/M in / $0.12/M out for 3 models at once" in reason
    assert "(3.21B parameters)" in reason and "(405B)" in reason
    assert "meta/llama-3.2-3b-instruct" in reason and "meta/llama-3.1-405b-instruct" in reason


@pytest.mark.parametrize("models", [
    ("deepseek/deepseek-v3", "mistral/mistral-small-2501"),  # 671B total but 37B active next to 24B dense
    ("meta/llama-3.1-8b-instruct", "meta/llama-4-maverick-17b-128e-instruct"),  # 8B vs 400B total, 17B active
    ("meta/llama-3.1-8b-instruct", "meta/llama-3.3-70b-instruct"),  # under twenty times apart
])
def test_size_tier_and_category_prices_are_kept(ledger: Ledger, models: tuple[str, str]) -> None:
    assert placeholder_prices([_listing(ledger, m, "0.9", provider="fireworks") for m in models]) == {}


def test_free_listings_other_tiers_providers_and_times_are_not_compared(ledger: Ledger) -> None:
    small, large = "meta/llama-3.2-3b-instruct", "meta/llama-3.1-405b-instruct"
    assert placeholder_prices([_listing(ledger, small, "0"), _listing(ledger, large, "0")]) == {}
    assert placeholder_prices([_listing(ledger, small, "0.12"), _listing(ledger, large, "0.12", tier="flex")]) == {}
    assert placeholder_prices([_listing(ledger, small, "0.12"), _listing(ledger, large, "0.12", "together")]) == {}
    earlier = _listing(ledger, small, "0.12", start=date(2024, 1, 1), end=date(2025, 1, 1))
    assert placeholder_prices([earlier, _listing(ledger, large, "0.12", start=date(2025, 1, 1))]) == {}
    # a model whose size the ledger does not know proves nothing either way
    assert placeholder_prices([_listing(ledger, small, "0.12"), _listing(ledger, "openai/gpt-4o-2024-08-06",
                                                                          "0.12")]) == {}


HYPERBOLIC = {
    "hyperbolic/meta-llama/Llama-3.2-3B-Instruct": entry(1.2e-07, 3e-07, provider="hyperbolic"),
    "hyperbolic/meta-llama/Meta-Llama-3.1-405B-Instruct": entry(1.2e-07, 3e-07, provider="hyperbolic"),
    "hyperbolic/meta-llama/Meta-Llama-3.1-8B-Instruct": entry(1.2e-07, 3e-07, provider="hyperbolic"),
    "hyperbolic/moonshotai/Kimi-K2-Instruct": entry(2e-06, 2e-06, provider="hyperbolic"),
    "fireworks_ai/accounts/fireworks/models/deepseek-v3": entry(9e-07, 9e-07, provider="fireworks_ai"),
    "fireworks_ai/accounts/fireworks/models/mistral-small-24b-instruct-2501": entry(9e-07, 9e-07,
                                                                                    provider="fireworks_ai"),
}


def test_data_update_sets_the_filler_aside_and_imports_the_rest(writable_ledger: Ledger) -> None:
    ledger = writable_ledger
    with serve({"/m.json": Route(json.dumps(HYPERBOLIC).encode())}) as s:
        result = update(ledger=ledger, today=DAY, urls={"litellm": s.url("/m.json")}, kinds=["litellm"],
                        backoff=0.01)
    (src,) = result.sources
    assert src.status == "imported", src.reason
    report = src.report
    assert report is not None
    imported = {r.source_key: r.price for r in report.rows}
    reasons = {s.key: s.reason for s in report.skipped}
    for key in ("hyperbolic/meta-llama/Llama-3.2-3B-Instruct", "hyperbolic/meta-llama/Meta-Llama-3.1-405B-Instruct",
                "hyperbolic/meta-llama/Meta-Llama-3.1-8B-Instruct"):
        assert key not in imported
        assert "a placeholder rather than a price" in reasons[key]
    assert report.set_aside >= 3
    kimi = imported["hyperbolic/moonshotai/Kimi-K2-Instruct"]  # a price of its own is imported
    assert (kimi.provider, kimi.input, kimi.output) == ("hyperbolic", D(2), D(2))
    assert imported["fireworks_ai/accounts/fireworks/models/mistral-small-24b-instruct-2501"].input == D("0.9")
    assert ledger.store is not None
    after = open_ledger(ledger.store.path)  # what the store now answers
    assert "hyperbolic" in {p.provider for p in after.history("moonshot/kimi-k2-instruct")}
    assert "hyperbolic" not in {p.provider for p in after.history("meta/llama-3.1-405b-instruct")}


def test_history_mining_sets_the_filler_aside(writable_ledger: Ledger, tmp_path: Path) -> None:
    """The 3B listing's price is unchanged when the 405B model joins it at the same price a week later: its whole
    segment is that filler, so neither is imported; Kimi K2's own price is."""
    repo = Repo(tmp_path / "litellm")
    versions = {"hyperbolic/meta-llama/Llama-3.2-3B-Instruct": entry(1.2e-07, 3e-07, provider="hyperbolic"),
                "hyperbolic/moonshotai/Kimi-K2-Instruct": entry(2e-06, 2e-06, provider="hyperbolic")}
    repo.write(ROOT, versions, "2025-07-23", "hyperbolic: a 3B model")
    versions["hyperbolic/meta-llama/Meta-Llama-3.1-405B-Instruct"] = entry(1.2e-07, 3e-07, provider="hyperbolic")
    repo.write(ROOT, versions, "2025-08-01", "hyperbolic: the same price for 405B")
    report = import_litellm_history(repo.path, ledger=writable_ledger)
    assert [(r.source_key, r.price.valid_from) for r in report.rows] == [
        ("hyperbolic/moonshotai/Kimi-K2-Instruct", date(2025, 7, 23))]
    reasons = {s.key: s.reason for s in report.skipped}
    for key in ("hyperbolic/meta-llama/Llama-3.2-3B-Instruct", "hyperbolic/meta-llama/Meta-Llama-3.1-405B-Instruct"):
        assert "a placeholder rather than a price" in reasons[key]
    assert report.set_aside >= 2
