"""`price --tier` and `/api/price?tier=`: flex, priority and off-peak prices are separate tiers of one offer.

Both front ends call `Ledger.price_resolved(tier=…)`; the bundled rows used here are GPT-5.6 Sol's (standard $4/$20,
flex $2/$10, priority $8/$40 from 2026-08-21 to 2026-12-01) and DeepSeek's off-peak window of 2025."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

D = Decimal


def test_each_tier_has_its_own_price(cli) -> None:
    got = {}
    for asked in ("standard", "FLEX", " Priority "):
        r = cli("price", "gpt-5.6-sol", "--provider", "openai", "--at", "2026-09-01", "--tier", asked, "--json")
        assert r.returncode == 0, r.stderr
        rec = json.loads(r.stdout)
        got[rec["tier"]] = (D(str(rec["input_usd_per_mtok"])), D(str(rec["output_usd_per_mtok"])))
    assert got == {"standard": (D(4), D(20)), "flex": (D(2), D(10)), "priority": (D(8), D(40))}


def test_the_answer_names_the_other_tiers_on_sale(cli) -> None:
    r = cli("price", "gpt-5.6-sol", "--provider", "openai", "--at", "2026-09-01")
    assert r.returncode == 0, r.stderr
    assert "Also sold in other tiers on 2026-09-01: flex, priority (pass --tier)." in r.stderr, r.stderr
    assert "on 2026-09-01 (USD per 1M tokens)" in r.stdout and "Also sold" not in r.stdout
    flex = cli("price", "gpt-5.6-sol", "--provider", "openai", "--at", "2026-09-01", "--tier", "flex")
    assert "flex tier on 2026-09-01" in flex.stdout and "priority, standard" in flex.stderr, flex.stderr
    # at Azure before its flex tier (2026-09-01), nothing else is on sale: no line; from that day, flex
    azure = cli("price", "gpt-5.6-sol", "--provider", "azure", "--at", "2026-08-01")
    assert azure.returncode == 0 and "other tiers" not in azure.stderr, azure.stderr
    later = cli("price", "gpt-5.6-sol", "--provider", "azure", "--at", "2026-09-01")
    assert "Also sold in other tiers on 2026-09-01: flex (pass --tier)." in later.stderr, later.stderr


def test_off_peak_answer_says_its_window(cli) -> None:
    r = cli("price", "deepseek-chat", "--provider", "deepseek", "--at", "2025-03-01", "--tier", "off-peak")
    assert r.returncode == 0, r.stderr
    assert "applies 16:30-00:30 UTC only" in r.stderr and "standard" in r.stderr, r.stderr
    # DeepSeek V4 (from 2026-08-16): off-peak is every minute of the week but the weekday peak hours
    v4 = cli("price", "deepseek-v4-pro", "--provider", "deepseek", "--at", "2026-10-01", "--tier", "off-peak")
    assert v4.returncode == 0 and "$0.66" in v4.stdout, v4.stderr
    assert "applies Mon-Fri 04:00-06:00, Mon-Fri 10:00-01:00, Sat 01:00-24:00, Sun 00:00-24:00 and Mon 00:00-01:00 " \
        "UTC only" in " ".join(v4.stderr.split()), v4.stderr


def test_a_tier_the_model_is_not_sold_in_names_the_tiers_it_is(cli) -> None:
    r = cli("price", "gpt-5.6-sol", "--provider", "azure", "--at", "2026-09-01", "--tier", "priority")
    assert r.returncode == 1 and r.stdout == ""
    assert "No priority-tier price on record for openai/gpt-5.6-sol from azure; its tiers on record: flex, " \
        "standard." in r.stderr.replace("\n", " "), r.stderr


@pytest.mark.parametrize("bad", ["gold", "standard,flex", "flex;rm"])
def test_an_unknown_tier_is_bad_usage(cli, bad: str) -> None:
    r = cli("price", "gpt-4o", "--tier", bad)
    assert r.returncode == 2 and r.stdout == ""
    assert "--tier" in r.stderr and "standard, flex, priority, off-peak" in r.stderr, r.stderr


def test_other_tiers_leaves_out_shut_offers_and_the_tier_asked(ledger) -> None:
    assert ledger.other_tiers("openai/gpt-5.6-sol", date(2026, 9, 1), "openai") == ["flex", "priority"]
    assert ledger.other_tiers("openai/gpt-5.6-sol", date(2026, 9, 1), "OpenAI", "flex") == ["priority", "standard"]
    assert ledger.other_tiers("openai/gpt-5.6-sol", date(2026, 6, 1)) == []  # before its launch
    assert ledger.other_tiers("deepseek/deepseek-v3", date(2025, 9, 1)) == []  # after its shutdown


def test_api_price_tier_matches_the_cli(ledger) -> None:
    from fastapi.testclient import TestClient

    from llmflation.web import WebSettings, create_app

    with TestClient(create_app(WebSettings(), ledger=ledger), raise_server_exceptions=False) as client:
        ok = client.get("/api/price", params={"model": "gpt-5.6-sol", "provider": "openai", "at": "2026-09-01",
                                              "tier": "Flex"})
        assert ok.status_code == 200, ok.text
        (p,) = ok.json()["prices"]
        assert (p["tier"], p["input_usd_per_mtok"], p["output_usd_per_mtok"]) == ("flex", "2", "10")
        missing = client.get("/api/price", params={"model": "gpt-5.6-sol", "provider": "azure",
                                                   "at": "2026-09-01", "tier": "priority"})
        assert missing.status_code == 404 and "its tiers on record: flex, standard" in missing.text, missing.text
