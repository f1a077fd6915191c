from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from llmflation.ledger.layers import effective_prices
from llmflation.ledger.records import Discount, Price


def price(start: date, end: date | None, inp: str, out: str, origin: str = "bundled") -> Price:
    return Price(model="m", provider="p", valid_from=start, valid_to=end, input=Decimal(inp), output=Decimal(out),
                 source="s", confidence="official", origin=origin)


def at(prices: list[Price], day: date) -> Price | None:
    hits = [p for p in prices if p.in_effect(day)]
    assert len(hits) <= 1
    return hits[0] if hits else None


def test_user_price_wins_inside_its_interval_only() -> None:
    bundled = [price(date(2024, 1, 1), None, "10", "30")]
    user = [price(date(2024, 3, 1), date(2024, 6, 1), "8", "24", origin="user")]
    eff = effective_prices(bundled, user)
    assert at(eff, date(2024, 2, 1)).input == Decimal("10")  # type: ignore[union-attr]
    assert at(eff, date(2024, 3, 1)).origin == "user"  # type: ignore[union-attr]
    assert at(eff, date(2024, 6, 1)).input == Decimal("10")  # type: ignore[union-attr]
    assert len(eff) == 3


def test_discount_applies_from_its_date_exactly() -> None:
    bundled = [price(date(2024, 1, 1), None, "2.50", "10")]
    eff = effective_prices(bundled, [], [Discount(provider="p", fraction=Decimal("0.2"), valid_from=date(2025, 3, 1))])
    before, after = at(eff, date(2025, 2, 28)), at(eff, date(2025, 3, 1))
    assert before is not None and before.input == Decimal("2.50")
    assert after is not None and after.input == Decimal("2.000") and after.output == Decimal("8.0")
    assert after.origin == "adjusted"


def test_discount_for_other_provider_changes_nothing() -> None:
    bundled = [price(date(2024, 1, 1), None, "1", "2")]
    assert effective_prices(bundled, [], [Discount(provider="q", fraction=Decimal("0.5"),
                                                   valid_from=date(2024, 1, 1))]) == bundled


days = st.integers(min_value=0, max_value=400)


@st.composite
def layers(draw: st.DrawFn) -> tuple[list[Price], list[Price], list[Discount]]:
    base = date(2024, 1, 1)

    def intervals(n: int) -> list[tuple[date, date | None]]:
        cuts = sorted(set(draw(st.lists(days, min_size=n + 1, max_size=n + 1))))
        out: list[tuple[date, date | None]] = []
        for a, b in zip(cuts, cuts[1:], strict=False):
            out.append((base + timedelta(a), base + timedelta(b)))
        if cuts and draw(st.booleans()):
            out.append((base + timedelta(cuts[-1]), None))
        return out

    money = st.integers(min_value=1, max_value=5000).map(lambda c: str(Decimal(c) / 100))
    bundled = [price(a, b, draw(money), draw(money)) for a, b in intervals(draw(st.integers(1, 4)))]
    user = [price(a, b, draw(money), draw(money), "user") for a, b in intervals(draw(st.integers(0, 3)))]
    discounts = [Discount(provider="p", fraction=Decimal(draw(st.integers(1, 90))) / 100, valid_from=a, valid_to=b)
                 for a, b in intervals(draw(st.integers(0, 1)))]
    return bundled, user, discounts


@settings(max_examples=150, deadline=None)
@given(layers(), days)
def test_effective_prices_never_overlap_and_pick_the_right_layer(
    data: tuple[list[Price], list[Price], list[Discount]], day: int
) -> None:
    bundled, user, discounts = data
    eff = effective_prices(bundled, user, discounts)
    ordered = sorted(eff, key=lambda p: p.valid_from)
    for a, b in zip(ordered, ordered[1:], strict=False):
        assert a.valid_to is not None and a.valid_to <= b.valid_from
    when = date(2024, 1, 1) + timedelta(day)
    expected = at(user, when) or at(bundled, when)
    got = at(eff, when)
    if expected is None:
        assert got is None
        return
    assert got is not None
    factor = Decimal(1)
    for d in discounts:
        if d.applies("m", "p", when):
            factor *= Decimal(1) - d.fraction
    assert got.input == expected.input * factor
    assert got.output == expected.output * factor
