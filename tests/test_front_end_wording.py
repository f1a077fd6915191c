"""One domain error, two wordings: the data rides on the exception; the CLI and the API each say the next step in
their own terms (a flag or a query parameter), and the user layer is the same code behind both."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from helpers.web_support import small_ledger
from llmflation.cli.main import describe_error
from llmflation.errors import InputError, NoPriceError, UnknownModelError
from llmflation.web import WebSettings, create_app
from llmflation.web.errors import api_hint


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(WebSettings(), ledger=small_ledger()), raise_server_exceptions=False)


def test_no_price_before_the_first_carries_the_date() -> None:
    with pytest.raises(NoPriceError) as info:
        small_ledger().price("gpt-4o", at=date(2024, 1, 1))
    exc = info.value
    assert (exc.model, exc.at, exc.first_priced) == ("openai/gpt-4o-2024-05-13", date(2024, 1, 1), date(2024, 5, 13))
    assert "--" not in str(exc)
    assert describe_error(exc).endswith("Try --at 2024-05-13.")
    assert api_hint(exc).endswith("Try at=2024-05-13.")


def test_api_words_its_own_hint(client: TestClient) -> None:
    resp = client.get("/api/price", params={"model": "gpt-4o", "at": "2024-01-01"})
    assert resp.status_code == 404
    body = resp.json()
    assert body["first_priced"] == "2024-05-13"
    assert "at=2024-05-13" in body["error"] and "--at" not in body["error"]
    unknown = client.get("/api/price", params={"model": "gpt-4oo"}).json()
    assert unknown["suggestions"] and "llmflation models" not in unknown["error"]
    assert "/api/models?search=" in unknown["error"]


def test_cli_words_its_own_hint() -> None:
    exc = UnknownModelError("gpt-4oo", ["gpt-4o"])
    assert "Did you mean: gpt-4o?" in str(exc) and "llmflation" not in str(exc)
    assert "llmflation models --search" in describe_error(exc)


def test_user_layer_takes_a_ledger(store_home: Path) -> None:
    from llmflation.ledger.ledger import open_ledger
    from llmflation.ledger.loading import Problems
    from llmflation.ledger.user_layer import add_discount, add_user_prices, price_rows

    ledger = open_ledger(store_home / "ledger.duckdb")
    problems = Problems()
    rows = price_rows([{"model": "gpt-4o", "provider": "mycloud", "valid_from": date(2031, 1, 1), "valid_to": None,
                        "input": "1", "output": "2"}], "prices", problems)
    assert add_user_prices(ledger, rows, problems) == 1
    with pytest.raises(InputError) as info:
        add_discount(ledger, "openai", "150", date(2024, 1, 1), None, None)
    assert info.value.field == "percent" and "--" not in str(info.value)
    d = add_discount(ledger, "openai", "20", date(2024, 1, 1), None, None)
    assert d.fraction * 100 == 20
    reopened = open_ledger(store_home / "ledger.duckdb")
    assert reopened.price("gpt-4o", at=date(2031, 2, 1), provider="mycloud")[0].origin == "user"


def test_api_discount_error_names_the_field_not_a_flag(store_home: Path) -> None:
    token = "test-token-0123456789abcdef"
    app = create_app(WebSettings(ledger_path=store_home / "ledger.duckdb", api_token=token))
    writable = TestClient(app, raise_server_exceptions=False)
    resp = writable.post("/api/user/discounts", headers={"Authorization": f"Bearer {token}"},
                         json={"provider": "openai", "percent": "150", "valid_from": "2024-01-01"})
    assert resp.status_code == 422
    body = resp.json()
    assert body["field"] == "percent" and "--" not in body["error"]


def test_a_usage_file_of_unknown_format_is_worded_by_each_front_end(tmp_path: Path) -> None:
    """The readers say what they found; the CLI says `--format …/--map`, the API says `format=`; neither text from
    the domain names a CLI flag."""
    from llmflation.errors import FormatError
    from llmflation.usage.readers import detect

    weird = tmp_path / "w.jsonl"
    weird.write_text('{"hello": 1}\n')
    with pytest.raises(FormatError) as info:
        detect(weird)
    exc = info.value
    assert "--" not in str(exc) and exc.field == "format" and exc.mapping and "openai-chat" in exc.formats
    assert "Pass --format one of " in describe_error(exc) and "--map ts=COLUMN" in describe_error(exc)
    assert "Send format= one of " in api_hint(exc) and "--" not in api_hint(exc)


def test_usage_choices_are_worded_as_flags_on_the_cli(tmp_path: Path) -> None:
    """A field-named domain error ("keep 'x': …") reads as its flag on the CLI."""
    from llmflation.usage.readers import reader

    with pytest.raises(InputError) as info:
        reader("nope")
    assert str(info.value).startswith("format 'nope': choose one of auto, ")
    assert describe_error(info.value).startswith("--format 'nope': choose one of auto, ")


def test_a_name_asked_for_outside_its_dates_is_worded_by_each_front_end(ledger: Any) -> None:
    from llmflation.errors import NameNotInEffectError

    with pytest.raises(NameNotInEffectError) as info:
        ledger.resolve_name("gpt-4o", "openai", date(2020, 1, 1))
    exc = info.value
    assert "meant nothing on 2020-01-01" in str(exc) and exc.spans and "--" not in str(exc)
    assert "Pass --at inside one of those intervals, or the model id itself." in describe_error(exc)
    assert "at= inside one of those intervals" in api_hint(exc) and "--" not in api_hint(exc)


def test_no_price_after_the_last_row_says_why_it_may_be_and_what_to_do() -> None:
    """A price row that ended with no shutdown on record: the offer may be delisted or the data may stop short; the
    neutral message says both, each front end its own next step."""
    from llmflation.ledger.ledger import Ledger
    from llmflation.ledger.records import Model, Price

    src = "https://example.org/p"
    ledger = Ledger([Model("acme/m", "M", "acme", None, False, False, src, "official")],
                    [Price("acme/m", "acme", date(2025, 1, 1), date(2025, 6, 1), Decimal(1), Decimal(2), src,
                           "official")], [])
    with pytest.raises(NoPriceError) as info:
        ledger.price("acme/m", at=date(2025, 7, 1))
    exc = info.value
    assert exc.ended == date(2025, 6, 1) and exc.first_priced is None
    assert "the last price on record ended 2025-06-01 (acme) and no shutdown is on record" in str(exc)
    assert "may have been delisted, or the data does not reach that day yet" in str(exc)
    assert "--" not in str(exc) and "llmflation" not in str(exc)
    assert describe_error(exc).endswith("Run `llmflation data update` to fetch newer prices, or pass an earlier --at.")
    assert api_hint(exc).endswith("Ask with an earlier at=, or GET /api/history?model=acme/m for the recorded "
                                  "intervals.")
