"""The packed exact ranking (workload/fastbill.py) equals the Decimal reference bill to the last decimal: the same
offers, in the same order, with the same monthly totals and itemised bills, on random ledgers and workloads covering
every pricing dimension (fallbacks, long-context tiers, off-peak rows, batch, regional, floors), and on the bundled
ledger with the shipped example workloads. The reference is `bill_offer` on each offer, sorted as rank_offers always
sorted: (monthly_usd, model, provider)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.workload_data import price
from llmflation.ledger.ledger import Ledger
from llmflation.ledger.records import OFF_PEAK_TIER, Model, Price, Score
from llmflation.workload.bill import OfferBill, bill_offer, rank_offers
from llmflation.workload.fastbill import LazyBills, _fewest_places, _fixed, agrees, monthly_totals, offer_table
from llmflation.workload.spec import Workload, load_workload

AT = date(2025, 3, 1)
EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.toml"))


def reference(ledger: Ledger, w: Workload, at: date, tier: str = "standard") -> list[OfferBill]:
    """Today's Decimal bill of every offer, cheapest first, with the floor applied as rank_offers documents it."""
    scores = {m: s.value for m, s in ledger.best_scores(w.floor.benchmark).items()} if w.floor else {}
    bills = []
    for p in ledger.offers_at(at, tier):
        s = scores.get(p.model) if w.floor else None
        if w.floor is not None and (s is None or s < w.floor.min):
            continue
        bills.append(bill_offer(w, p, at, s, ledger.off_peak_row(p.model, p.provider, at)))
    return sorted(bills, key=lambda b: (b.monthly_usd, b.model, b.provider))


def rate(lo: int = 0, hi: int = 90_000, places: int = 3) -> st.SearchStrategy[D]:
    return st.integers(lo, hi).map(lambda n: D(n).scaleb(-places))


def maybe(s: st.SearchStrategy[D]) -> st.SearchStrategy[D | None]:
    return st.none() | s


@st.composite
def offers(draw: st.DrawFn, model: str, provider: str) -> list[Price]:
    inp = draw(rate(1))
    kw: dict[str, object] = {
        "cached_input": draw(maybe(rate())), "cache_write": draw(maybe(rate())),
        "cache_write_1h": draw(maybe(rate())), "input_audio": draw(maybe(rate())),
        "output_audio": draw(maybe(rate())),
        "batch_discount": draw(maybe(st.sampled_from([D("0.5"), D("0.25"), D("0.125"), D("0.333")]))),
        "regional_uplift": draw(maybe(st.sampled_from([D("0.1"), D("0.05"), D("0.125")]))),
    }
    if draw(st.booleans()):  # a long-context tier, derived rates round to 1e-9 in the tariff
        kw.update(long_context_threshold=draw(st.sampled_from([128_000, 200_000])), long_input=draw(rate(1)),
                  long_output=draw(rate(1)), long_cached_input=draw(maybe(rate())))
    std = Price(model, provider, date(2024, 1, 1), None, inp, draw(rate(1)), "https://example.org/p", "official",
                **kw)  # type: ignore[arg-type]
    rows = [std]
    if draw(st.booleans()):  # an off-peak row with its own rates and multipliers
        rows.append(Price(model, provider, date(2024, 1, 1), None, draw(rate(1)), draw(rate(1)),
                          "https://example.org/p", "official", tier=OFF_PEAK_TIER, window_utc="16:30-00:30",
                          cached_input=draw(maybe(rate())),
                          batch_discount=draw(maybe(st.sampled_from([D("0.5"), D("0.75")]))),
                          regional_uplift=draw(maybe(st.sampled_from([D("0.1"), D("0.2")])))))
    if draw(st.booleans()):  # a priority row: a different tier, never ranked for standard
        rows.append(Price(model, provider, date(2024, 1, 1), None, D(9), D(99), "https://example.org/p", "official",
                          tier="priority"))
    return rows


@st.composite
def ledgers(draw: st.DrawFn) -> Ledger:
    n = draw(st.integers(1, 12))
    names = [f"lab{i % 3}/m{i}" for i in range(n)]
    prices: list[Price] = []
    for i, m in enumerate(names):
        for prov in ("hosta", "hostb")[: draw(st.integers(1, 2))]:
            prices += draw(offers(m, prov))
        if i % 4 == 3:  # an equal-priced twin: ties broken by (model, provider)
            prices.append(price(m, "twin", "1", "2"))
            prices.append(price(m, "twin2", "1", "2"))
    models = [Model(m, m, m.split("/")[0], date(2024, 1, 1), False, False, "https://example.org/m", "official")
              for m in names]
    scores = [Score(m, "mmlu", D(draw(st.integers(40, 95))), date(2024, 1, 1), "5-shot", "https://example.org/s",
                    "official") for m in names[::2]]
    return Ledger(models, prices, scores)


def share(places: int = 3) -> st.SearchStrategy[D]:
    return st.integers(0, 10 ** places).map(lambda n: D(n).scaleb(-places))


@st.composite
def workloads(draw: st.DrawFn) -> Workload:
    cached = draw(share(2))
    write = draw(share(2).filter(lambda x: x <= 1 - cached))
    data: dict[str, object] = {
        "tasks_per_month": draw(st.integers(1, 10 ** 7)), "calls_per_task": draw(st.integers(1, 200)),
        "input_tokens": draw(st.integers(0, 2_000_000)), "output_tokens": draw(st.integers(0, 100_000)),
        "reasoning_tokens": draw(st.integers(0, 50_000)),
        "cached_input_share": cached, "cache_write_share": write,
        "cache_write_1h_share": draw(share(2).filter(lambda x: x <= 1 - cached - write)),
        "batch_share": draw(share()), "long_context_share": draw(share()), "off_peak_share": draw(share()),
        "regional_share": draw(share()), "input_audio_share": draw(share(2)), "output_audio_share": draw(share(2)),
    }
    if draw(st.booleans()):
        data["floor"] = {"benchmark": "mmlu", "min": draw(st.integers(40, 95))}
    return load_workload(data)


@settings(max_examples=150, deadline=None)
@given(ledgers(), workloads())
def test_packed_ranking_equals_the_decimal_reference(ledger: Ledger, w: Workload) -> None:
    ranking = rank_offers(ledger, w, AT)
    assert isinstance(ranking.offers, LazyBills)
    ref = reference(ledger, w, AT)
    # order and totals without itemising, then the itemised bills themselves (every field, Decimal by value)
    offers = ranking.offers
    assert [(offers.total(i), offers.price(i).model, offers.price(i).provider) for i in range(len(offers))] == \
        [(b.monthly_usd, b.model, b.provider) for b in ref]
    assert list(ranking.offers) == ref
    assert rank_offers(ledger, w, AT, packed=False).offers == ref


@settings(max_examples=40, deadline=None)
@given(ledgers(), workloads(), st.sampled_from(["hosta", "hostb", "twin"]))
def test_filters_by_provider_and_model_match_the_reference(ledger: Ledger, w: Workload, provider: str) -> None:
    if provider not in ledger.providers:
        return
    model = ledger.offers_at(AT)[0].model
    got = rank_offers(ledger, w, AT, models=[model], provider=provider)
    want = [b for b in reference(ledger, w, AT) if b.model == model and b.provider == provider]
    assert list(got.offers) == want
    assert got.offers[:] == want and (not want or got.offers[-1] == want[-1])


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_bundled_ledger_and_examples_match_the_reference(ledger: Ledger, path: Path) -> None:
    for w in (load_workload(path), load_workload(path).replace(floor=None)):
        for at in (date(2024, 6, 1), date(2025, 9, 1)):
            ranking = rank_offers(ledger, w, at, tier=w.service_tier)
            assert list(ranking.offers) == reference(ledger, w, at, w.service_tier)


def test_lazy_bills_behave_as_a_sequence(ledger: Ledger) -> None:
    w = load_workload(EXAMPLES[0]).replace(floor=None)
    offers = rank_offers(ledger, w, date(2025, 9, 1)).offers
    assert len(offers) > 3
    assert offers[-1] == list(offers)[-1] and offers[1:3] == list(offers)[1:3]
    with pytest.raises(IndexError):
        offers[len(offers)]
    assert [b.monthly_usd for b in offers] == sorted(b.monthly_usd for b in offers)


def test_an_empty_date_ranks_nothing(ledger: Ledger) -> None:
    w = load_workload(EXAMPLES[0]).replace(floor=None)
    ranking = rank_offers(ledger, w, date(2000, 1, 1))
    assert not ranking.offers and ranking.cheapest is None
    assert monthly_totals(offer_table(ledger, date(2000, 1, 1), "standard"), w) is not None


def test_rates_outside_the_packing_conditions_fall_back_to_the_decimal_path() -> None:
    """A discount above 1 (never loaded from the ledger's CSVs, but a hand-built Ledger can hold one) would make
    the packed subtraction borrow: the ranking is then the Decimal reference's."""
    odd = Ledger([Model("a/x", "a/x", "a", date(2024, 1, 1), False, False, "https://example.org/m", "official")],
                 [price("a/x", "acme", "1", "2", batch_discount="1.5")], [])
    w = load_workload({"tasks_per_month": 10, "input_tokens": 1000, "output_tokens": 10, "batch_share": D("0.5")})
    assert monthly_totals(offer_table(odd, AT, "standard"), w) is None
    ranking = rank_offers(odd, w, AT)
    assert isinstance(ranking.offers, list) and ranking.offers == reference(odd, w, AT)


def test_a_reference_rounded_at_its_precision_agrees_and_nothing_else_does() -> None:
    from decimal import Context

    exact = D("31091.19912991855919935234526497105478551120513131866288595130560000000123")
    rounded = Context(prec=60).plus(exact)
    assert rounded != exact and agrees(rounded, exact)
    assert agrees(exact, exact)
    assert agrees(rounded + D("1e-40"), exact)  # intermediate rounding of the reference: ~1e-45 relative
    assert not agrees(rounded + D("1e-12"), exact)  # beyond 1e-20 relative: a packing bug, not rounding
    assert not agrees(D("31091.2"), exact) and not agrees(D(1), D(0))


def test_compounded_growth_workloads_rank_the_reference_bills(ledger: Ledger) -> None:
    """A workload whose tasks grew 10% a month for two years needs more than 60 digits: every bill is still
    today's reference bill, in an order consistent with the exact totals."""
    w = load_workload(EXAMPLES[0]).replace(floor=None)
    grown = w.replace(tasks_per_month=w.tasks_per_month * D("1.1") ** 24, long_context_share=D("0.137"))
    offers = rank_offers(ledger, grown, date(2025, 9, 1)).offers
    assert isinstance(offers, LazyBills)
    ref = reference(ledger, grown, date(2025, 9, 1))
    assert sorted(offers, key=lambda b: (b.model, b.provider)) == sorted(ref, key=lambda b: (b.model, b.provider))
    totals = [offers.total(i) for i in range(len(offers))]
    assert totals == sorted(totals)


def test_threads_ranking_many_dates_through_a_tiny_cache_agree(ledger: Ledger, monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    """The web server ranks from several threads: with the cache bound at 2 entries every call evicts, and every
    thread still gets the reference ranking."""
    from concurrent.futures import ThreadPoolExecutor

    import llmflation.ledger.derived as derived

    monkeypatch.setattr(derived, "CACHE_PER_LEDGER", 2)
    w = load_workload(EXAMPLES[0]).replace(floor=None)
    dates = [date(2024, m, 1) for m in range(1, 13)] * 2

    def cheapest(at: date) -> list[tuple[str, str, D]]:
        offers = rank_offers(ledger, w, at).offers
        return [(b.model, b.provider, b.monthly_usd) for b in offers[:3]]

    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(cheapest, dates))
    assert got == [[(b.model, b.provider, b.monthly_usd) for b in reference(ledger, w, at)[:3]] for at in dates]


def test_huge_many_digit_workload_itemises_without_a_mismatch(ledger: Ledger) -> None:
    """Regression (found by schemathesis on /api/bill): 3.7e11 tasks × a 19-digit share made the Decimal reference
    round intermediates at 60 digits, 2e-26 USD off the exact packed total, and the answer was a 400."""
    w = load_workload({"tasks_per_month": "368384523116.46423", "input_tokens": "4537.2837471234567",
                       "output_tokens": "0.33333333333333331", "cache_write_share": "0.008442197170319023",
                       "revenue_per_task": "866499471.6315204"})
    ranking = rank_offers(ledger, w, at=date(2026, 12, 1))
    assert len(ranking.offers) > 5
    for i, bill in enumerate(ranking.offers[:40]):
        assert isinstance(ranking.offers, LazyBills)
        exact = ranking.offers.total(i)
        assert agrees(bill.monthly_usd, exact)
        assert abs(bill.monthly_usd - exact) < D("1e-20")


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 3).flatmap(lambda q: st.tuples(
    st.just(q), st.lists(st.sampled_from([0, 1, 2 ** 63, 2 ** 64 - 1, 2 ** 64, 3 * 2 ** 64 + 5, 2 ** (64 * q) - 1]),
                         max_size=60))), st.data())
def test_both_orders_of_the_packed_totals_are_the_exact_stable_order(shape: tuple[int, list[int]],
                                                                      data: st.DataObject) -> None:
    """`Totals.order` sorts with numpy's lexsort over 64-bit words where numpy is loaded, else the byte fields in
    Python: both give every kept offer cheapest first, ties in table order, for any width and any selection
    (values that differ only in a low word, in the high word, and equal ones)."""
    import numpy as np

    from llmflation.workload.fastbill import Totals

    q, values = shape
    values = [v % 2 ** (64 * q) for v in values]
    nb = 8 * q
    totals = Totals(b"".join(v.to_bytes(nb, "big") for v in reversed(values)), nb, len(values), 9)
    assert [totals.int_at(i) for i in range(len(values))] == values
    keeps: list[Sequence[int]] = [range(len(values)),
                                  sorted(data.draw(st.sets(st.integers(0, max(len(values) - 1, 0)))))
                                  if values else []]
    for keep in keeps:
        want = sorted(keep, key=lambda i: (values[i], i))
        assert totals._order_bytes(keep) == want
        if len(keep) > 1:
            assert totals._order_words(keep, np) == want


@pytest.mark.parametrize("with_numpy", [False, True], ids=["bytes", "numpy"])
def test_rankings_with_and_without_numpy_loaded_are_the_reference(ledger: Ledger, monkeypatch: pytest.MonkeyPatch,
                                                                  with_numpy: bool) -> None:
    """A one-shot CLI process has no numpy loaded (the ranking sorts bytes), a server has (lexsort): the bundled
    ledger's rankings are the reference's either way, with and without a floor."""
    import numpy  # noqa: F401

    if not with_numpy:
        monkeypatch.setitem(sys.modules, "numpy", None)  # sys.modules.get("numpy") is then None, as before import
    for w in (load_workload(EXAMPLES[0]), load_workload(EXAMPLES[0]).replace(floor=None)):
        ranking = rank_offers(ledger, w, date(2025, 9, 1))
        assert isinstance(ranking.offers, LazyBills)
        assert list(ranking.offers) == reference(ledger, w, date(2025, 9, 1))


def _decimals_any_places() -> st.SearchStrategy[D]:
    """Finite decimals with up to 130 places (past the 63 powers of five `_fixed` looks up), zeros, signs and
    trailing zeros written out (1.500 is 3/2: one place)."""
    return st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False),
        st.builds(lambda m, e: D(f"{m}E-{e}"), st.integers(-10 ** 40, 10 ** 40), st.integers(0, 130)),
        st.builds(lambda k, e: D(f"{5 ** k}E-{k + e}"), st.integers(0, 90), st.integers(0, 20)),  # 2**-k·10**-e
        st.sampled_from([D("0"), D("-0"), D("1.500"), D("0.04"), D("0.008"), D("1E+5"), D("5E-64"), D("2E-65")]))


@settings(max_examples=400, deadline=None)
@given(_decimals_any_places())
def test_fixed_point_form_is_exact_with_the_fewest_places(v: D) -> None:
    m, s = _fixed(v)
    assert s >= 0
    assert D(f"{m}E-{s}") == v  # exact (no context rounding): Decimal compares by value
    assert s == 0 or m % 10  # fewest places: no trailing zero left to drop
    assert _fewest_places(m * 10 ** 3, s + 3) == s


def test_shares_with_more_digits_than_the_default_context_rank_exactly(ledger: Ledger) -> None:
    """Shares of 30 significant digits: their complements (1 − L, 1 − F) need all 30, more than Python's default
    28-digit context, and the packed totals must stay the exact values the 60-digit reference computes."""
    share30 = "0.123456789012345678901234567891"
    w = load_workload({"tasks_per_month": 1000, "input_tokens": 12_345, "output_tokens": 678,
                       "cached_input_share": "0.25", "long_context_share": share30, "off_peak_share": share30,
                       "batch_share": "0.3333333333333333333333333333331"})
    at = date(2025, 6, 1)  # DeepSeek's off-peak rows are in effect
    ranking = rank_offers(ledger, w, at)
    assert isinstance(ranking.offers, LazyBills)
    ref = rank_offers(ledger, w, at, packed=False).offers
    assert len(ref) > 50
    offers = ranking.offers
    assert [(offers.price(i).model, offers.price(i).provider) for i in range(len(ref))] == \
        [(b.model, b.provider) for b in ref]
    # the reference rounds at 60 digits (0.41102999…9 for an exact 0.41103): equal, or equal to that precision
    assert all(agrees(b.monthly_usd, offers.total(i)) for i, b in enumerate(ref))
    assert any(b.monthly_usd != offers.total(i) for i, b in enumerate(ref))
