"""`data check` flags prices that are allowed but unlikely, as copying mistakes leave them: a long-context tier above
the model's context window, a cache read above the input price, a long-context price below its base, a $0
component on a paid offer. The check runs on hand-made rows through the real loader."""

from __future__ import annotations

import json
from decimal import Decimal

from llmflation.ledger.loading import consistency_warnings
from llmflation.ledger.records import Model, Price

D = Decimal


def _model(window: int | None = 32_000) -> Model:
    from datetime import date

    return Model(id="acme/m", name="M", developer="acme", release_date=date(2024, 1, 1), open_weights=False,
                 reasoning=False, context_window=window, source="https://example.com", confidence="official")


def _price(**kw: object) -> Price:
    from datetime import date

    base: dict[str, object] = {"model": "acme/m", "provider": "host", "tier": "standard",
                               "valid_from": date(2025, 1, 1), "valid_to": None, "input": D(1), "output": D(2),
                               "source": "https://example.com", "confidence": "archived"}
    return Price(**{**base, **kw})  # type: ignore[arg-type]


def test_a_clean_row_has_no_warning() -> None:
    p = _price(cached_input=D("0.1"), cache_write=D("1.25"), long_context_threshold=16_000, long_input=D(2),
               long_output=D(4), long_cached_input=D("0.2"))
    assert consistency_warnings(p, _model()) == []
    assert consistency_warnings(_price(), None) == []  # a model not on record: nothing to compare with


def test_a_long_context_tier_beyond_the_window_is_flagged() -> None:
    p = _price(long_context_threshold=128_000, long_input=D(2), long_output=D(4))
    [w] = consistency_warnings(p, _model(32_760))
    assert "above 128000 tokens" in w and "window is 32760" in w and "acme/m @ host (standard) from 2025-01-01" in w
    assert consistency_warnings(p, _model(128_000)) == []  # a threshold at the window edge is not flagged
    assert consistency_warnings(p, _model(None)) == []  # unknown window


def test_inverted_prices_are_flagged() -> None:
    [w] = consistency_warnings(_price(cached_input=D("1.5")), _model())
    assert "cache-read price 1.5 is above the input price 1" in w
    ws = consistency_warnings(_price(long_context_threshold=1000, long_input=D("0.5"), long_output=D(1)), _model())
    assert len(ws) == 2 and "long_input 0.5 is below input 1" in ws[0] and "long_output 1 is below output 2" in ws[1]


def test_a_zero_component_on_a_paid_row_is_flagged_but_a_free_row_is_not() -> None:
    [w] = consistency_warnings(_price(cache_write=D(0), cache_write_1h=D(0)), _model())
    assert "cache_write, cache_write_1h = 0 on a paid offer" in w
    free = _price(input=D(0), output=D(0), cached_input=D(0))
    assert consistency_warnings(free, _model()) == []


def test_data_check_lists_consistency_warnings(cli) -> None:  # type: ignore[no-untyped-def]
    rec = json.loads(cli("data", "check", "--json").stdout)
    assert rec["ok"] is True and isinstance(rec["consistency_warnings"], list)
