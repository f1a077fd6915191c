"""Importers never write $0 (or any changed amount) from a non-zero source price: such a key is skipped with the
reason, the rest of the file lands."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from helpers.importer_data import texts
from llmflation.ledger.importers.common import Terms, terms_problem
from llmflation.ledger.importers.litellm import terms_of
from llmflation.ledger.importers.run import import_litellm
from llmflation.ledger.ledger import Ledger, open_ledger

FIXTURES = Path(__file__).parent / "fixtures" / "importers"


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    monkeypatch.setattr("llmflation.ledger.loading.bundled_texts", texts)
    return open_ledger(tmp_path / "ledger.duckdb")


@pytest.mark.parametrize(("per_token", "stored"), [(2.5e-06, True), (1e-15, True), (1e-17, False), (1.5e-16, False)])
def test_litellm_terms_keep_exact_or_refuse(per_token: float, stored: bool) -> None:
    got = terms_of("m", {"input_cost_per_token": per_token, "output_cost_per_token": 1e-05, "mode": "chat"})
    if stored:
        assert isinstance(got, Terms) and got.input == Decimal(repr(per_token)) * 1_000_000
    else:
        assert isinstance(got, str) and "input" in got and "decimal places" in got


def test_terms_problem_names_the_field() -> None:
    assert terms_problem(Terms(input=Decimal("0.5"), output=Decimal("1"))) is None
    problem = terms_problem(Terms(input=Decimal("0.5"), output=Decimal("1"), cached_input=Decimal("1E-11")))
    assert problem is not None and problem.startswith("price not stored: cached_input: 0.00000000001")


def test_import_skips_the_tiny_key_and_keeps_the_rest(ledger: Ledger, tmp_path: Path) -> None:
    tiny = {"input_cost_per_token": 1e-17, "output_cost_per_token": 1e-17, "litellm_provider": "openai",
            "mode": "chat"}
    text = (FIXTURES / "litellm_map.json").read_text()  # (the fixture is lenient JSON, as LiteLLM's was)
    f = tmp_path / "map.json"
    f.write_text(text.replace("{", "{" + json.dumps("gpt-tiny-price-test") + ": " + json.dumps(tiny) + ",", 1))
    report = import_litellm(f, date(2025, 1, 15), ledger=ledger)
    [skip] = [s for s in report.skipped if s.key == "gpt-tiny-price-test"]
    assert "decimal places" in skip.reason
    assert report.rows, "the other keys still land"
    assert all(r.price.input > 0 and r.price.output > 0 for r in report.rows)
    assert not [r for r in report.rows if r.source_key == "gpt-tiny-price-test"]


def test_a_zero_component_price_on_a_paid_entry_is_not_recorded() -> None:
    """LiteLLM writes `cache_creation_input_token_cost: 0` on OpenAI models at gateways: no separate write charge.
    Stored as 0 it would bill cache writes at $0; left out, they price at the input rate (the pricing's fallback)."""
    entry = {"input_cost_per_token": 2e-06, "output_cost_per_token": 8e-06, "cache_read_input_token_cost": 5e-07,
             "cache_creation_input_token_cost": 0, "cache_creation_input_token_cost_above_1hr": 0.0, "mode": "chat"}
    got = terms_of("vercel_ai_gateway/openai/gpt-4.1", entry)
    assert isinstance(got, Terms)
    assert (got.input, got.output, got.cached_input) == (Decimal(2), Decimal(8), Decimal("0.5"))
    assert got.cache_write is None and got.cache_write_1h is None
    # a real cache-write price is kept, and a free offer stays free (input and output 0 are never "not applicable")
    paid = terms_of("m", {**entry, "cache_creation_input_token_cost": 2.5e-06})
    assert isinstance(paid, Terms) and paid.cache_write == Decimal("2.5")
    free = Terms(input=Decimal(0), output=Decimal(0), cached_input=Decimal(0))
    assert free.cached_input == 0
