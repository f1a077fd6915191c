"""`money.plain_text` (how every Decimal leaves as JSON text) and the fast bill writer's copy of it
(`shapes._decimal_text`) write exactly the fixed-point digits with trailing zeros dropped, at any exponent."""

from __future__ import annotations

import json
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from llmflation.money import plain_text
from llmflation.shapes import _decimal_text, jsonable


def by_the_rule(d: D) -> str:
    """The rule as first written: format(d, "f") with trailing zeros (and a bare point) dropped."""
    text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


DECIMALS = st.builds(lambda sign, digits, exp: D((sign, tuple(int(c) for c in str(digits)), exp)),
                     st.integers(0, 1), st.integers(0, 10 ** 40), st.integers(-40, 40))


@settings(max_examples=2000)
@given(DECIMALS)
def test_plain_text_is_the_fixed_point_rule_at_any_exponent(d: D) -> None:
    want = by_the_rule(d)
    assert plain_text(d) == want
    assert _decimal_text(d) == json.dumps(want) == json.dumps(jsonable(d))
    assert "E" not in want and "e" not in want and D(want) == d


def test_plain_text_edges() -> None:
    """Zeros with exponents, a negative zero, the exponent boundaries of str(), trailing zeros."""
    for text, want in (("0", "0"), ("0E-10", "0"), ("-0", "-0"), ("-0.000", "-0"), ("1E+2", "100"),
                       ("0.000001", "0.000001"), ("0.0000001", "0.0000001"), ("1.50", "1.5"), ("100", "100"),
                       ("12300E-2", "123"), ("5.000000000000000000000000001", "5.000000000000000000000000001"),
                       ("1.0E-7", "0.0000001"), ("7E+30", "7" + "0" * 30)):
        assert plain_text(D(text)) == want == by_the_rule(D(text))
