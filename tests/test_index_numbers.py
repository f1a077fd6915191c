"""Index-number axioms for the bilateral formulas the personal index chains (Decimal arithmetic, 40 digits)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmflation.errors import InputError
from llmflation.index import numbers

TOL = Decimal("1e-25")
price = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1000"), places=3)
qty = st.integers(min_value=1, max_value=10**9).map(Decimal)


@st.composite
def two_periods(draw: st.DrawFn) -> tuple[dict[str, tuple[Decimal, Decimal]], dict[str, tuple[Decimal, Decimal]]]:
    n = draw(st.integers(min_value=1, max_value=6))
    p0 = {f"c{i}": (draw(price), draw(qty)) for i in range(n)}
    p1 = {f"c{i}": (draw(price), draw(qty)) for i in range(n)}
    return p0, p1


def close(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= TOL * max(abs(b), Decimal(1))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(two_periods())
def test_identity_time_reversal_and_proportionality(periods: tuple[dict, dict]) -> None:  # type: ignore[type-arg]
    p0, p1 = periods
    same_prices = {k: (p0[k][0], p1[k][1]) for k in p0}  # prices of period 0, quantities of period 1
    for f in numbers.FORMULAS:
        # identity: the same prices give 1 whatever the quantities do
        assert close(numbers.index(f, p0, same_prices), Decimal(1)), f
        # proportionality: every price × λ gives λ
        lam = Decimal("0.37")
        scaled = {k: (p0[k][0] * lam, p1[k][1]) for k in p0}
        assert close(numbers.index(f, p0, scaled), lam), f
    # time reversal: P(0,1) · P(1,0) = 1 for the superlative formulas
    for f in ("fisher", "tornqvist"):
        assert close(numbers.index(f, p0, p1) * numbers.index(f, p1, p0), Decimal(1)), f


def test_laspeyres_fails_time_reversal_so_the_test_has_teeth() -> None:
    p0 = {"a": (Decimal(1), Decimal(10)), "b": (Decimal(1), Decimal(1))}
    p1 = {"a": (Decimal(2), Decimal(1)), "b": (Decimal(1), Decimal(10))}
    product = numbers.laspeyres(p0, p1) * numbers.laspeyres(p1, p0)
    assert not close(product, Decimal(1))
    assert close(numbers.fisher(p0, p1) * numbers.fisher(p1, p0), Decimal(1))


def test_commensurability_units_do_not_matter() -> None:
    # prices per 1M tokens vs per token (quantities in tokens vs millions): the same index
    p0 = {"a": (Decimal(3), Decimal(2_000_000)), "b": (Decimal("0.5"), Decimal(7_000_000))}
    p1 = {"a": (Decimal(2), Decimal(1_000_000)), "b": (Decimal("0.4"), Decimal(9_000_000))}
    m = Decimal(1_000_000)
    r0 = {"a": (p0["a"][0] / m, p0["a"][1]), "b": (p0["b"][0], p0["b"][1] / m)}
    r1 = {"a": (p1["a"][0] / m, p1["a"][1]), "b": (p1["b"][0], p1["b"][1] / m)}
    for f in numbers.FORMULAS:
        assert close(numbers.index(f, p0, p1), numbers.index(f, r0, r1)), f


def test_hand_computed_fisher_and_chain() -> None:
    # Laspeyres (1·10 + 3·5) / (2·10 + 3·5) = 25/35; Paasche (1·20 + 3·5) / (2·20 + 3·5) = 35/55
    p0 = {"a": (Decimal(2), Decimal(10)), "b": (Decimal(3), Decimal(5))}
    p1 = {"a": (Decimal(1), Decimal(20)), "b": (Decimal(3), Decimal(5))}
    assert close(numbers.laspeyres(p0, p1), Decimal(25) / Decimal(35))
    assert close(numbers.paasche(p0, p1), Decimal(35) / Decimal(55))
    assert close(numbers.fisher(p0, p1), (Decimal(25) / Decimal(35) * Decimal(35) / Decimal(55)).sqrt())
    levels = numbers.chain("fisher", [p0, p1, p0])
    assert levels[0] == 1 and close(levels[2], Decimal(1))  # there and back: time reversal in the chain


def test_unmatched_items_are_left_out_and_no_match_is_an_error() -> None:
    p0 = {"a": (Decimal(1), Decimal(1)), "gone": (Decimal(100), Decimal(1))}
    p1 = {"a": (Decimal(2), Decimal(1)), "new": (Decimal("0.01"), Decimal(1))}
    assert numbers.matched(p0, p1) == ["a"]
    assert numbers.fisher(p0, p1) == 2
    with pytest.raises(InputError, match="no item"):
        numbers.fisher({"x": (Decimal(1), Decimal(1))}, {"y": (Decimal(1), Decimal(1))})
    with pytest.raises(InputError, match="formula"):
        numbers.index("carli", p0, p1)
