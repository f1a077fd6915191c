"""Vercel AI Gateway's models list (`GET https://ai-gateway.vercel.sh/v1/models`): USD per token as strings, long
context as tiers, and the gateway's whole catalogue, so it both prices Vercel's offers and shows those it dropped."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from helpers.cli import run_cli
from llmflation.errors import InputError
from llmflation.ledger.importers.run import import_data
from llmflation.ledger.importers.vercel import parse_models
from llmflation.ledger.ledger import Ledger, open_ledger

D = Decimal
DAY = date(2026, 12, 2)


def _model(key: str, pricing: Any = None, kind: str = "language", name: str = "") -> dict[str, Any]:
    item: dict[str, Any] = {"id": key, "name": name or key, "type": kind}
    if pricing is not None:
        item["pricing"] = pricing
    return item


TIERED = {"input": "0.000003", "output": "0.000015", "input_cache_read": "0.0000003",
          "input_cache_write": "0.00000375",
          "input_tiers": [{"cost": "0.000003", "min": 0, "max": 200000}, {"cost": "0.000006", "min": 200000}],
          "output_tiers": [{"cost": "0.000015", "min": 0, "max": 200000}, {"cost": "0.0000225", "min": 200000}]}


def test_language_models_are_priced_per_million_with_cache_rates_and_one_long_context_threshold() -> None:
    snap = parse_models({"data": [_model("anthropic/claude-sonnet-4.5", TIERED),
                                  _model("alibaba/qwen3-coder", {"input": "0.0000015", "output": "0.0000075",
                                                                 "input_cache_read": "0.0000003"})]})
    claude, qwen = snap.entries
    t = claude.terms
    assert (t.input, t.output, t.cached_input, t.cache_write) == (D(3), D(15), D("0.3"), D("3.75"))
    assert (t.long_context_threshold, t.long_input, t.long_output, t.long_cached_input) == (200000, D(6), D("22.5"),
                                                                                           None)
    assert (qwen.terms.input, qwen.terms.output, qwen.terms.cached_input) == (D("1.5"), D("7.5"), D("0.3"))
    assert qwen.provider == "vercel" and qwen.developer == "alibaba" and qwen.names == ("alibaba/qwen3-coder",)
    assert snap.listed == [("vercel", "anthropic/claude-sonnet-4.5"), ("vercel", "alibaba/qwen3-coder")]


@pytest.mark.parametrize("tiers", [
    {"input_tiers": [{"cost": "0.000003", "min": 0, "max": 100000}, {"cost": "0.000004", "min": 100000,
                                                                     "max": 200000},
                     {"cost": "0.000005", "min": 200000}]},  # three tiers
    {"input_tiers": [{"cost": "0.000003", "min": 0, "max": 128000}, {"cost": "0.000006", "min": 128000}],
     "output_tiers": [{"cost": "0.000015", "min": 0, "max": 200000}, {"cost": "0.0000225", "min": 200000}]},
    {"input_tiers": [{"cost": "0.000003", "min": 0, "max": 100000}, {"cost": "0.000006", "min": 200000}]},  # a gap
])
def test_tiers_that_are_not_one_threshold_keep_the_base_price_and_say_so(tiers: dict[str, Any]) -> None:
    (e,) = parse_models({"data": [_model("x/y", {"input": "0.000003", "output": "0.000015", **tiers})]}).entries
    assert (e.terms.input, e.terms.output) == (D(3), D(15))
    assert e.terms.long_context_threshold is None and e.terms.long_input is None and e.terms.long_output is None
    assert "do not form one long-context threshold" in e.note


def test_what_is_not_a_priced_text_model_is_skipped_with_its_reason() -> None:
    snap = parse_models({"data": [
        _model("openai/text-embedding-3-small", {"input": "0.00000002"}, kind="embedding"),
        _model("acme/no-price"),
        _model("acme/free", {"input": "0", "output": "0"}),
        _model("acme/bad", {"input": "cheap", "output": "0.000001"}),
        _model("acme/bad-tier", {"input": "0.000001", "output": "0.000002", "input_tiers": [{"cost": "0.000001",
                                                                                           "min": "zero"}]}),
        _model("acme/no-output", {"input": "0.000001"}),
        {"name": "no id"},
    ]})
    assert snap.entries == []
    reasons = {s.key: s.reason for s in snap.skipped}
    assert "not priced per text token" in reasons["openai/text-embedding-3-small"]
    assert reasons["acme/no-price"] == "no pricing object" and "zero price" in reasons["acme/free"]
    assert "bad price" in reasons["acme/bad"] and "whole token counts" in reasons["acme/bad-tier"]
    assert "no input or output price" in reasons["acme/no-output"] and reasons["data[6]"] == "entry without an id"
    # on sale though unpriced: listed for the catalogue check, the embedding model is not
    assert [k for _, k in snap.listed] == ["acme/no-price", "acme/free", "acme/bad", "acme/bad-tier",
                                           "acme/no-output"]


def test_a_file_that_is_not_a_models_list_is_refused() -> None:
    with pytest.raises(InputError, match="expected"):
        parse_models({"models": []})


def test_gateway_ids_map_to_ledger_models_and_a_complete_list_shows_what_vercel_dropped(
        writable_ledger: Ledger) -> None:
    gateway_ids = {"alibaba/qwen3-coder": "qwen/qwen3-coder-480b-a35b-instruct", "zai/glm-4.6": "zhipu/glm-4.6",
                   "meta/llama-3.1-8b": "meta/llama-3.1-8b-instruct"}  # Vercel's id → the ledger's model
    held = sorted({p.model for p in writable_ledger.all_prices() if p.provider == "vercel"
                   and p.valid_from <= DAY < (p.valid_to or date.max)})
    assert set(gateway_ids.values()) <= set(held)
    gone = next(m for m in held if m not in gateway_ids.values())
    keys = [*(m for m in held if m != gone and m not in gateway_ids.values()), *gateway_ids]
    listing = [_model(k, {"input": f"{(i + 1) * 1e-8:.8f}", "output": f"{(i + 1) * 3e-8:.8f}"})
               for i, k in enumerate(keys)]
    report = import_data("vercel", {"data": listing}, "test", "snap", DAY, writable_ledger)
    assert {r.source_key: r.price.model for r in report.rows if r.source_key in gateway_ids} == gateway_ids
    (check,) = report.catalogue
    assert check.trusted and [d.model for d in check.delisted] == [gone] and check.delisted[0].origin == "bundled"
    out = run_cli("data", "status", "--json", home=Path(writable_ledger.store.path).parent)  # type: ignore[union-attr]
    assert [d["model"] for d in json.loads(out.stdout)["delisted_offers"]] == [gone]
    assert open_ledger().price(gone, DAY, "vercel")  # a curated row is reported, never ended by an import
