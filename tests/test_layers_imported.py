"""Merge rules for the imported layer: user > curated (official/archived/derived) > imported > estimated."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from llmflation.ledger.layers import effective_prices, resolve_imported
from llmflation.ledger.records import Price

BASE = date(2024, 1, 1)


def price(
    start: date,
    end: date | None,
    inp: str,
    out: str = "1",
    origin: str = "bundled",
    confidence: str = "official",
    source: str = "s",
) -> Price:
    return Price(
        model="m",
        provider="p",
        valid_from=start,
        valid_to=end,
        input=Decimal(inp),
        output=Decimal(out),
        source=source,
        confidence=confidence,
        origin=origin,
    )


def at(prices: list[Price], day: date) -> Price | None:
    hits = [p for p in prices if p.in_effect(day)]
    assert len(hits) <= 1, hits
    return hits[0] if hits else None


def test_imported_fills_after_the_last_curated_row_and_never_overrides_it() -> None:
    curated = [price(date(2024, 8, 6), date(2024, 10, 1), "2.5", "10")]
    imported = [
        price(date(2024, 8, 6), None, "2.5", "10", "imported", "derived", "litellm"),
        price(date(2024, 9, 1), None, "9", "9", "imported", "derived", "typo-source"),
    ]
    eff = effective_prices(curated, imported=imported)
    assert at(eff, date(2024, 9, 15)).origin == "bundled"  # type: ignore[union-attr]
    assert at(eff, date(2024, 9, 15)).input == Decimal("2.5")  # type: ignore[union-attr]
    later = at(eff, date(2025, 1, 1))
    assert later is not None and later.origin == "imported" and later.input == Decimal("9")


def test_imported_fills_a_pair_curated_lacks_and_before_the_first_curated_row() -> None:
    eff = effective_prices(
        [price(date(2024, 6, 1), None, "5")],
        imported=[price(date(2024, 5, 1), None, "4", origin="imported", confidence="derived")],
    )
    assert at(eff, date(2024, 5, 15)).input == Decimal("4")  # type: ignore[union-attr]
    assert at(eff, date(2024, 6, 1)).input == Decimal("5")  # type: ignore[union-attr]


def test_an_observation_beats_an_estimate_but_not_a_user_price() -> None:
    curated = [price(date(2024, 1, 1), None, "3", confidence="estimated")]
    imported = [price(date(2024, 2, 1), None, "2", origin="imported", confidence="derived")]
    user = [price(date(2024, 3, 1), date(2024, 4, 1), "1", origin="user")]
    eff = effective_prices(curated, user, imported=imported)
    assert [at(eff, date(2024, m, 15)).input for m in (1, 2, 3, 4)] == [  # type: ignore[union-attr]
        Decimal("3"),
        Decimal("2"),
        Decimal("1"),
        Decimal("2"),
    ]


def test_latest_observation_wins_and_ties_go_to_the_later_import() -> None:
    rows = [
        price(date(2024, 1, 1), None, "10", origin="imported", source="old"),
        price(date(2024, 6, 1), None, "8", origin="imported", source="new"),
        price(date(2024, 6, 1), None, "7", origin="imported", source="newer import same day"),
    ]
    resolved = resolve_imported(rows)
    assert at(resolved, date(2024, 3, 1)).input == Decimal("10")  # type: ignore[union-attr]
    assert at(resolved, date(2024, 7, 1)).source == "newer import same day"  # type: ignore[union-attr]


days = st.integers(min_value=0, max_value=300)
money = st.integers(min_value=1, max_value=999).map(lambda c: str(Decimal(c) / 100))


@st.composite
def layered(draw: st.DrawFn) -> tuple[list[Price], list[Price], list[Price]]:
    def intervals(n: int) -> list[tuple[date, date | None]]:
        cuts = sorted(set(draw(st.lists(days, min_size=n + 1, max_size=n + 1))))
        out: list[tuple[date, date | None]] = [
            (BASE + timedelta(a), BASE + timedelta(b)) for a, b in itertools.pairwise(cuts)
        ]
        if cuts and draw(st.booleans()):
            out.append((BASE + timedelta(cuts[-1]), None))
        return out

    curated = [
        price(
            a,
            b,
            draw(money),
            draw(money),
            confidence=draw(st.sampled_from(["official", "archived", "derived", "estimated"])),
        )
        for a, b in intervals(draw(st.integers(0, 3)))
    ]
    user = [
        price(a, b, draw(money), draw(money), origin="user") for a, b in intervals(draw(st.integers(0, 2)))
    ]
    imported: list[Price] = []
    for k in range(draw(st.integers(0, 5))):  # imported rows may overlap each other freely
        start = BASE + timedelta(draw(days))
        length = draw(st.one_of(st.none(), st.integers(1, 200)))
        imported.append(
            price(
                start,
                None if length is None else start + timedelta(length),
                draw(money),
                draw(money),
                origin="imported",
                confidence="derived",
                source=f"import-{k}",
            )
        )
    return curated, user, imported


@settings(max_examples=200, deadline=None)
@given(layered(), days)
def test_effective_prices_follow_the_precedence_and_never_overlap(
    data: tuple[list[Price], list[Price], list[Price]], day: int
) -> None:
    curated, user, imported = data
    eff = effective_prices(curated, user, imported=imported)
    ordered = sorted(eff, key=lambda p: p.valid_from)
    for a, b in itertools.pairwise(ordered):
        assert a.valid_to is not None and a.valid_to <= b.valid_from
    when = BASE + timedelta(day)
    covering = [(p.valid_from, i, p) for i, p in enumerate(imported) if p.in_effect(when)]
    latest = max(covering, key=lambda t: (t[0], t[1]))[2] if covering else None
    strong = at([p for p in curated if p.confidence != "estimated"], when)
    weak = at([p for p in curated if p.confidence == "estimated"], when)
    expected = at(user, when) or strong or latest or weak
    got = at(eff, when)
    if expected is None:
        assert got is None
    else:
        assert got is not None
        assert (got.input, got.output, got.source, got.origin) == (
            expected.input,
            expected.output,
            expected.source,
            expected.origin,
        )


@settings(max_examples=100, deadline=None)
@given(layered())
def test_without_imports_the_result_is_unchanged(data: tuple[list[Price], list[Price], list[Price]]) -> None:
    curated, user, _ = data
    strong_only = [p for p in curated if p.confidence != "estimated"]
    assert effective_prices(strong_only, user) == effective_prices(strong_only, user, imported=[])
