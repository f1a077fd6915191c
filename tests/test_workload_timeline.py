"""Scenario timelines and the decomposition of their changes, on a small hand-built ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from helpers.workload_data import small_ledger
from llmflation.errors import InputError
from llmflation.workload.spec import load_workload
from llmflation.workload.timeline import (
    AnnualDecline,
    Scenario,
    decompose_points,
    monthly_bills,
    months,
    point_for,
)

W = {"tasks_per_month": 100, "input_tokens": 1000, "output_tokens": 1000, "monthly_growth": D("0.1"),
     "floor": {"benchmark": "mmlu", "min": 75}}


def test_month_grid() -> None:
    assert months(date(2024, 11, 15), date(2025, 2, 1)) == [date(2024, 11, 1), date(2024, 12, 1),
                                                            date(2025, 1, 1), date(2025, 2, 1)]
    with pytest.raises(InputError):
        months(date(2025, 1, 1), date(2024, 1, 1))


def test_cheapest_policy_switches_and_growth_compounds() -> None:
    tl = monthly_bills(small_ledger(), load_workload(W), date(2024, 5, 1), date(2024, 8, 1),
                       Scenario(policy="cheapest"), anchor=date(2030, 1, 1), base=date(2024, 5, 1))
    pts = tl.points
    assert [p.tasks_per_month for p in pts] == [D(100), D(110), D("121.0"), D("133.10")]
    assert [(p.offers[0].model, p.offers[0].provider) for p in pts] == [("open/mid", "hostb")] * 2 + \
        [("open/mid", "hosta")] * 2
    # 2000 tokens per task at $0.8/M then $0.5/M
    assert pts[0].monthly_usd == D("0.16") and pts[1].monthly_usd == D("0.176")
    assert pts[2].monthly_usd == D("121") * 2000 * D("0.5") / 1_000_000
    assert pts[2].usd_per_mtok == D("0.5") and not any(p.projected for p in pts)


def test_fixed_policy_holds_the_mix_and_leaves_unpriced_months_empty() -> None:
    w = load_workload({**W, "models": [{"model": "open/mid", "provider": "hosta"}]})
    tl = monthly_bills(small_ledger(), w, date(2023, 12, 1), date(2024, 7, 1), Scenario(policy="fixed"),
                       anchor=date(2030, 1, 1))
    assert tl.points[0].monthly_usd is None and "no price in effect" in tl.points[0].note
    assert tl.points[1].usd_per_mtok == D(1) and tl.points[-1].usd_per_mtok == D("0.5")
    assert {o.provider for p in tl.billed() for o in p.offers} == {"hosta"}


def test_projection_applies_annual_decline_after_the_anchor() -> None:
    w = load_workload({**W, "monthly_growth": 0})
    tl = monthly_bills(small_ledger(), w, date(2024, 12, 1), date(2025, 12, 1), Scenario(policy="cheapest"),
                       AnnualDecline(D("0.5")), anchor=date(2024, 12, 1))
    assert tl.projection == "annual-decline"
    assert not tl.points[0].projected and tl.points[-1].projected
    assert tl.points[-1].monthly_usd == tl.points[0].monthly_usd * D("0.5")  # 12 months at −50 %/year
    assert tl.points[6].monthly_usd is not None and tl.points[0].monthly_usd is not None
    assert abs(tl.points[6].monthly_usd - tl.points[0].monthly_usd * D("0.5").sqrt()) < D("1e-25")
    with pytest.raises(InputError, match="annual decline"):
        AnnualDecline(D("1.5"))


def test_rising_reasoning_share_ramps_linearly() -> None:
    w = load_workload({**W, "monthly_growth": 0, "output_tokens": 100})
    sc = Scenario(policy="cheapest", reasoning_share_from=D(0), reasoning_share_to=D("0.5"),
                  reasoning_multiplier=D(20))
    tl = monthly_bills(small_ledger(), w, date(2024, 8, 1), date(2024, 12, 1), sc, anchor=date(2030, 1, 1))
    assert [p.reasoning_tokens_per_call for p in tl.points] == [D(0), D(250), D(500), D(750), D(1000)]
    assert tl.points[-1].tokens_per_month == 100 * (1000 + 100 + 1000)
    with pytest.raises(InputError, match="reasoning_multiplier"):
        monthly_bills(small_ledger(), w, date(2024, 8, 1), date(2024, 9, 1),
                      Scenario(reasoning_share_from=D(0), reasoning_share_to=D(1)))
    with pytest.raises(InputError, match="reasoning_share"):
        Scenario(reasoning_share_from=D("0.1"))


def test_jevons_decomposition_of_a_timeline_sums_exactly() -> None:
    w = load_workload({**W, "models": [{"model": "open/mid", "provider": "hosta"}]})
    # by default the workload's volume is that of the anchor month; earlier months have proportionally less
    back = monthly_bills(small_ledger(), w, date(2024, 1, 1), date(2024, 1, 1), Scenario(policy="fixed"),
                         anchor=date(2024, 3, 1))
    assert back.points[0].tasks_per_month * D("1.1") ** 2 == 100
    tl = monthly_bills(small_ledger(), w, date(2024, 1, 1), date(2024, 12, 1), Scenario(policy="fixed"),
                       anchor=date(2030, 1, 1), base=date(2024, 1, 1))
    a, b = tl.points[0], tl.points[-1]
    d = decompose_points(a, b)
    assert d.volume + d.mix + d.price == d.change == b.monthly_usd - a.monthly_usd  # type: ignore[operator]
    assert d.volume > 0 > d.price  # the bill rises while the unit price halves: Jevons
    assert d.mix == 0
    assert abs(d.price_factor - D("0.5")) < D("1e-12")
    assert abs(d.volume_factor - D("1.1") ** 11) < D("1e-12")


def test_point_for_uses_the_mix_or_the_cheapest_capable() -> None:
    ledger = small_ledger()
    cheapest = point_for(ledger, load_workload(W), date(2024, 3, 15))
    assert cheapest.policy == "cheapest" and cheapest.offers[0].provider == "hostb"
    mixed = point_for(ledger, load_workload({**W, "models": [{"model": "acme/big"}]}), date(2024, 3, 15))
    assert mixed.policy == "fixed" and mixed.offers[0].model == "acme/big"
    d = decompose_points(mixed, cheapest)
    assert d.volume + d.mix + d.price == d.change


def test_trend_forecast_projection_follows_the_fitted_decline(ledger) -> None:
    from datetime import date as _date
    from decimal import Decimal as _D

    from llmflation.errors import InputError as _InputError
    from llmflation.trends.fit import fit_decline
    from llmflation.trends.series import cheapest_at_capability
    from llmflation.workload.spec import load_workload
    from llmflation.workload.timeline import trend_forecast

    spec = {"tasks_per_month": 1000, "input_tokens": 1000, "output_tokens": 200,
            "floor": {"benchmark": "mmlu", "min": 80}}
    w = load_workload(spec)
    proj = trend_forecast(ledger, w, until=_date(2026, 6, 1))
    series = cheapest_at_capability(ledger, "mmlu", _D(80), end=_date(2026, 6, 1))
    fit = fit_decline([(p.date, p.price) for p in series.records], bootstrap=0)
    assert proj.factor_per_year == fit.factor_per_year > 1 and proj.n == fit.n
    assert proj.factor("m", "p", 0) == 1
    assert abs(proj.factor("m", "p", 12) * _D(repr(fit.factor_per_year)) - 1) < _D("1e-20")
    assert proj.factor("m", "p", 24) < proj.factor("m", "p", 12) < 1
    assert "mmlu" in proj.name
    no_floor = load_workload({"tasks_per_month": 1000, "input_tokens": 1000, "output_tokens": 200})
    with pytest.raises(_InputError, match="floor"):
        trend_forecast(ledger, no_floor)
