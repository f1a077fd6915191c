"""A free offer (a $0 row: a launch promotion, a free beta) is what the vendor billed: price lookups, bills and usage
pricing see it at $0. It is no market price signal and has no log price, so trends and indices read
`Ledger.market_prices()`, which leaves it out. Small hand-built ledgers; expected values worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from pathlib import Path

from helpers.usage_helpers import write_cases
from helpers.workload_data import price
from llmflation.ledger.ledger import Ledger
from llmflation.ledger.records import Model, Score
from llmflation.workload.bill import rank_offers
from llmflation.workload.spec import load_workload

FREE_UNTIL = date(2024, 3, 1)
CUT = date(2024, 5, 1)


def _ledger() -> Ledger:
    """`acme/promo` is free at launch on its developer's API until 2024-03-01, then $1/$2, then $0.50/$1 from
    2024-05-01, and $2/$2 at a host throughout; `acme/paid` costs $3/$4 throughout."""
    def model(mid: str) -> Model:
        return Model(mid, mid, "acme", date(2024, 1, 1), False, False, "https://example.org/m", "official")

    prices = [replace(price("acme/promo", "acme", "0", "0", valid_to=FREE_UNTIL), date_basis="effective"),
              replace(price("acme/promo", "acme", "1", "2", valid_from=FREE_UNTIL, valid_to=CUT),
                      date_basis="effective"),
              replace(price("acme/promo", "acme", "0.5", "1", valid_from=CUT), date_basis="effective"),
              price("acme/promo", "hostx", "2", "2"),
              price("acme/paid", "acme", "3", "4")]
    scores = [Score(m, "mmlu", D("85"), date(2024, 1, 1), "5-shot", "https://example.org/s", "official")
              for m in ("acme/promo", "acme/paid")]
    return Ledger([model("acme/promo"), model("acme/paid")], prices, scores)


def test_the_free_weeks_are_billed_at_zero() -> None:
    ledger = _ledger()
    (free,) = ledger.price("acme/promo", at=date(2024, 2, 1), provider="acme")
    assert (free.input, free.output) == (D(0), D(0))
    w = load_workload({"tasks_per_month": 100, "input_tokens": 1000, "output_tokens": 500})
    ranked = rank_offers(ledger, w, date(2024, 2, 1))
    assert ranked.cheapest is not None and ranked.cheapest.model == "acme/promo"
    assert ranked.cheapest.monthly_usd == D(0)
    after = rank_offers(ledger, w, date(2024, 3, 1))  # 100 × (1000 × $1 + 500 × $2) / 1M = $0.20
    assert after.cheapest is not None and after.cheapest.monthly_usd == D("0.2")


def test_it_is_one_more_dated_change_but_not_a_market_price() -> None:
    ledger = _ledger()
    assert [(a.input, b.input) for a, b in ledger.price_changes()] == [(D(0), D(1)), (D(1), D("0.5"))]
    assert {(p.model, p.provider, p.input) for p in ledger.market_prices()} == {
        ("acme/promo", "acme", D(1)), ("acme/promo", "acme", D("0.5")), ("acme/promo", "hostx", D(2)),
        ("acme/paid", "acme", D(3))}


def test_trends_and_indices_skip_it_instead_of_failing_on_a_log_of_zero() -> None:
    from llmflation.index.panel import build_panel
    from llmflation.trends.fit import fit_decline
    from llmflation.trends.series import cheapest_at_capability

    ledger = _ledger()
    series = cheapest_at_capability(ledger, "mmlu", "80", start=date(2024, 1, 1), end=date(2024, 6, 1))
    # during the free weeks the floor is the cheapest PAID offer (the host's $2/$2), then $1.25 and $0.625 (3:1 blends)
    assert [(s.date, s.provider, s.price) for s in series.steps] == [
        (date(2024, 1, 1), "hostx", D(2)), (FREE_UNTIL, "acme", D("1.25")), (CUT, "acme", D("0.625"))]
    assert fit_decline([(s.date, s.price) for s in series.records]).factor_per_year > 1
    months = [date(2024, m, 1) for m in (1, 2, 3, 4)]
    expected = {
        "all": {(m, "acme/paid", "acme") for m in months} | {(m, "acme/promo", "hostx") for m in months}
        | {(m, "acme/promo", "acme") for m in months[2:]},
        # one item per model, its cheapest PAID offer: the host's during the free weeks (picking the free offer
        # and then dropping it would lose the model for those months), the developer's after
        "cheapest": {(m, "acme/paid", "acme") for m in months} | {(m, "acme/promo", "hostx") for m in months[:2]}
        | {(m, "acme/promo", "acme") for m in months[2:]},
    }
    for hosts, want in expected.items():
        panel = build_panel(ledger, start=months[0], end=months[-1], score="mmlu", impute="drop", hosts=hosts)
        assert all(o.price > 0 for o in panel.offers)
        assert {(o.month, o.model, o.provider) for o in panel.offers} == want, hosts


def test_usage_in_the_free_weeks_is_priced_at_zero_not_left_unpriced(tmp_path: Path) -> None:
    from llmflation.usage import analytics

    cases = [(date(2024, 2, 10), "acme/promo", "acme", False, 1000, 0, 0, 500, 0, D(0)),
             (date(2024, 3, 10), "acme/promo", "acme", False, 1000, 0, 0, 500, 0, D("0.002"))]
    report = analytics.spend(write_cases(tmp_path / "log.parquet", cases), _ledger(), by="month")
    assert report.total.unpriced_requests == 0
    assert [(r.as_dict()["period"], r.as_dict()["cost_usd"]) for r in report.rows] == [
        (date(2024, 2, 1), D(0)), (date(2024, 3, 1), D("0.002"))]


def test_every_bundled_free_offer_is_a_seller_dated_promotion_that_ends_in_a_paid_price() -> None:
    """The bundled ledger records a free period only where the seller itself billed $0 and dated its end: on the
    developer's own API, or on a host whose own page states it (`official`, e.g. Cloudflare Workers AI, free until
    it began charging on 2024-04-01), never from a gateway's or dataset's $0 listing; with the seller's dates
    (`effective`), and only as a free -> paid transition: the $0 row ends and a paid row of the same offer starts that
    very day. An open-ended $0 row, or one that is not followed by a price, would be a guess, not a promotion."""
    from llmflation.ledger.loading import load_bundled

    bundled = load_bundled()
    ledger = Ledger(bundled.models, bundled.prices, bundled.scores, names=bundled.names, lifecycle=bundled.lifecycle)
    free = [p for p in ledger.all_prices() if p.input == 0 or p.output == 0]
    assert free, "the bundled data records at least one free launch period"
    changes = {(a.model, a.provider, a.tier, a.valid_to): b for a, b in ledger.price_changes()}
    for p in free:
        where = f"{p.model} @ {p.provider} from {p.valid_from}"
        assert p.input == 0 and p.output == 0, where
        assert p.first_party or p.confidence == "official", where
        assert p.date_basis == "effective" and p.valid_to is not None, where
        paid = changes.get((p.model, p.provider, p.tier, p.valid_to))
        assert paid is not None and paid.valid_from == p.valid_to, where
        assert paid.input > 0 and paid.output > 0 and paid.date_basis == "effective", where
        assert p not in ledger.market_prices() and paid in ledger.market_prices(), where


def test_the_capability_view_takes_the_cheapest_paid_offer() -> None:
    """The report's capability-vs-price chart (log price axis): in the free weeks the promo model's point is the
    host's $2/$2, not the developer's $0; a model free everywhere that day would have no point."""
    from llmflation.trends.capability import capability_view

    ledger = _ledger()
    free_weeks = {p.model: (p.provider, p.price) for p in capability_view(ledger, "mmlu", at=date(2024, 2, 1)).points}
    assert free_weeks == {"acme/promo": ("hostx", D(2)), "acme/paid": ("acme", D("3.25"))}
    after = {p.model: (p.provider, p.price) for p in capability_view(ledger, "mmlu", at=date(2024, 3, 1)).points}
    assert after["acme/promo"] == ("acme", D("1.25"))
