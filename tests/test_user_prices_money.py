"""User prices: exact money or a clear refusal naming the field (CLI and web API share one rule); tiers
case-normalised or refused; the CSV accepts `price --json` key names too."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from helpers.cli import run_cli
from llmflation.ledger.user_layer import (
    MAX_USD_PER_MTOK,
    PRICE_PLACES,
    check_user_price,
    money_problem,
    normalise_tier,
)

MODEL = "gpt-4o"
HEADER = "model,provider,tier,valid_from,input,output\n"


def _csv(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    f = tmp_path / "mine.csv"
    f.write_text(header + body)
    return f


@pytest.mark.parametrize(("value", "problem"), [
    ("2.5", None),
    ("0.000000001", None),  # exactly 9 places: kept
    ("1.500000000000", None),  # trailing zeros are not precision
    ("0.0000000001", "10 decimal places"),
    ("0.00000000001", "11 decimal places"),
    ("1000000000000", "sane bound"),
    ("-1", "negative"),
])
def test_money_problem_table(value: str, problem: str | None) -> None:
    got = money_problem("input", Decimal(value))
    if problem is None:
        assert got is None
    else:
        assert got is not None and got.startswith("input:") and problem in got


def test_bounds_are_what_the_store_keeps() -> None:
    import re

    from llmflation.ledger.store import MONEY

    precision, scale = map(int, re.fullmatch(r"DECIMAL\((\d+), (\d+)\)", MONEY).groups())  # type: ignore[union-attr]
    assert scale == PRICE_PLACES
    assert Decimal(10) ** (precision - scale) > MAX_USD_PER_MTOK


@pytest.mark.parametrize(("tier", "expected"), [("STANDARD", "standard"), (" Standard ", "standard"),
                                                ("off-peak", "off-peak"), ("", "standard"), (None, "standard")])
def test_tier_is_case_normalised(tier: str | None, expected: str) -> None:
    assert normalise_tier(tier) == expected


def test_unknown_tier_is_refused() -> None:
    from llmflation.errors import InputError

    with pytest.raises(InputError, match="tier: 'premium-plus'"):
        normalise_tier("premium-plus")


def test_check_user_price_collects_every_problem() -> None:
    from datetime import date

    from llmflation.ledger.records import Price

    p = Price(model="m", provider="p", tier="GOLD", valid_from=date(2030, 1, 1), valid_to=None,
              input=Decimal("0.0000000001"), output=Decimal("1e12"), cached_input=None, cache_write=None,
              batch_discount=None, long_context_threshold=None, long_input=None, long_output=None,
              long_cached_input=None, source="s", confidence="official", note="", origin="user")
    _, problems = check_user_price(p)
    assert [m.split(":")[0] for m in problems] == ["input", "output", "tier"]


def test_cli_refuses_too_many_decimals_and_stores_nothing(fresh_home: Path, tmp_path: Path) -> None:
    f = _csv(tmp_path, f"{MODEL},mycloud,standard,2030-01-01,0.0000000001,2\n")
    r = run_cli("user", "add-prices", str(f), home=fresh_home)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "input: 0.0000000001 has 10 decimal places" in r.stderr and "Traceback" not in r.stderr
    listed = json.loads(run_cli("user", "list", "--json", home=fresh_home).stdout)
    assert listed["prices"] == []


def test_cli_refuses_absurd_price(fresh_home: Path, tmp_path: Path) -> None:
    f = _csv(tmp_path, f"{MODEL},mycloud,standard,2030-01-01,1,1000000000000\n")
    r = run_cli("user", "add-prices", str(f), home=fresh_home)
    assert r.returncode == 1 and "output: 1000000000000" in r.stderr and "sane bound" in r.stderr


def test_cli_normalises_tier_and_accepts_json_key_names(fresh_home: Path, tmp_path: Path) -> None:
    header = "model,provider,tier,valid_from,input_usd_per_mtok,output_usd_per_mtok,cached_input_usd_per_mtok\n"
    f = _csv(tmp_path, f"{MODEL},mycloud,STANDARD,2030-01-01,1.25,2.5,0.125\n", header=header)
    r = run_cli("user", "add-prices", str(f), home=fresh_home)
    assert r.returncode == 0, r.stderr
    listed = json.loads(run_cli("user", "list", "--json", home=fresh_home).stdout)
    [p] = listed["prices"]
    assert (p["tier"], p["input_usd_per_mtok"], p["output_usd_per_mtok"], p["cached_input_usd_per_mtok"]) == (
        "standard", "1.25", "2.5", "0.125")
    # and the price is used: the tier is the one pricing reads
    got = json.loads(run_cli("price", MODEL, "--provider", "mycloud", "--at", "2030-02-01", "--json",
                             home=fresh_home).stdout)
    assert got["input_usd_per_mtok"] == "1.25"


def test_cli_unknown_tier_is_refused(fresh_home: Path, tmp_path: Path) -> None:
    f = _csv(tmp_path, f"{MODEL},mycloud,gold,2030-01-01,1,2\n")
    r = run_cli("user", "add-prices", str(f), home=fresh_home)
    assert r.returncode == 1 and "tier: 'gold'" in r.stderr


def test_api_shares_the_rule(fresh_home: Path) -> None:
    from fastapi.testclient import TestClient

    from llmflation.web import WebSettings, create_app

    token = "test-token-0123456789abcdef"
    client = TestClient(create_app(WebSettings(ledger_path=fresh_home / "ledger.duckdb", api_token=token)),
                        raise_server_exceptions=False)
    auth = {"Authorization": f"Bearer {token}"}

    def post(**row: str) -> object:
        body = {"prices": [{"model": MODEL, "provider": "mycloud", "valid_from": "2030-01-01", "input": "1",
                            "output": "2", **row}]}
        return client.post("/api/user/prices", json=body, headers=auth)

    tiny = post(input="0.0000000001")
    assert tiny.status_code == 422 and "input: 0.0000000001 has 10 decimal places" in tiny.text
    huge = post(output="1000000000000")
    assert huge.status_code == 422 and "sane bound" in huge.text
    gold = post(tier="gold")
    assert gold.status_code == 422 and "tier" in gold.text
    ok = post(tier="STANDARD", input="0.000000001")
    assert ok.status_code == 201, ok.text
    price = client.get("/api/price", params={"model": MODEL, "provider": "mycloud", "at": "2030-02-01"}).json()
    assert price["prices"][0]["input_usd_per_mtok"] == "0.000000001" and price["prices"][0]["tier"] == "standard"
