"""The hedonic index and the method comparison: simulated market with a known answer, exact small cases, gaps,
singular designs, and the bundled ledger."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from llmflation.errors import InputError
from llmflation.index.hedonic import HedonicOptions, NoIndexError, hedonic_index
from llmflation.index.methods import compare, structural_break
from llmflation.index.overview import overview
from llmflation.index.panel import panel_from_rows
from llmflation.index.simulate import simulated_ledger


def _sim_compare(seed: int) -> tuple[dict[str, Any], float]:
    led, truth = simulated_ledger(seed=seed)
    c = compare(led, start=truth.start, end=truth.end, score="eci", impute="drop", benchmark="eci",
                threshold=str(truth.threshold), methods=("hedonic", "threshold", "average"))
    return {r.method: r for r in c.rows}, truth.true_factor


def test_simulated_market_hedonic_recovers_the_true_rate_where_naive_methods_are_biased() -> None:
    rows, true = _sim_compare(seed=0)
    hed, thr, avg = rows["hedonic"], rows["threshold"], rows["average"]
    # hedonic: within 5% of the true factor, and its interval covers the truth
    assert abs(hed.factor_per_year / true - 1) < 0.05
    assert hed.ci_low <= true <= hed.ci_high
    # average price: quality growth of entrants hides most of the decline; its interval excludes the truth
    assert avg.factor_per_year < true * 0.5 and avg.ci_high < true
    # threshold (record lows of the floor): off by more than 5% and its interval excludes the truth
    assert abs(thr.factor_per_year / true - 1) > 0.05
    assert not thr.ci_low <= true <= thr.ci_high


def test_simulated_market_over_several_seeds() -> None:
    errs: dict[str, list[float]] = {"hedonic": [], "threshold": [], "average": []}
    for seed in (1, 2, 4):
        rows, true = _sim_compare(seed)
        for k in errs:
            errs[k].append(abs(math.log(rows[k].factor_per_year / true)))
    mean = {k: sum(v) / len(v) for k, v in errs.items()}
    assert mean["hedonic"] < math.log(1.05)
    assert mean["threshold"] > 2 * mean["hedonic"]
    assert mean["average"] > math.log(2)


def _rows(prices: dict[str, list[float]], cov: dict[str, dict[str, float]]) -> list[tuple[date, str, float,
                                                                                          dict[str, float]]]:
    out = []
    for item, ps in prices.items():
        for i, p in enumerate(ps):
            if p:
                out.append((date(2025, 1 + i, 1), item, p, cov[item]))
    return out


def test_exact_halving_gives_exact_links_and_annual_rate() -> None:
    # every item's price halves each month; a noise-free fit has zero variance, so the links are exactly 0.5
    items = {f"m{i}": [2.0 * math.exp(0.3 * i + 0.7 * (i % 2)) * 0.5**t for t in range(4)] for i in range(5)}
    cov = {f"m{i}": {"score": float(i), "reasoning": float(i % 2)} for i in range(5)}
    panel = panel_from_rows(_rows(items, cov))
    ix = hedonic_index(panel, HedonicOptions(covariates=("score", "reasoning"), min_offers=3, bootstrap=50))
    assert [round(m.link, 12) for m in ix.months[1:]] == [0.5, 0.5, 0.5]
    # the index is exactly 0.5^k; its annual factor is exp(−OLS slope of k·ln 0.5 on the dates in years)
    years = [(m.month - ix.months[0].month).days / 365.25 for m in ix.months]
    mean_t = sum(years) / 4
    slope = sum((t - mean_t) * (-math.log(2) * k) for k, t in enumerate(years)) / sum(
        (t - mean_t) ** 2 for t in years)
    assert ix.factor_per_year == pytest.approx(math.exp(-slope), rel=1e-9)
    assert 2**11 < ix.factor_per_year < 2**13  # halving monthly is about 4096× a year
    assert ix.ci_low == pytest.approx(ix.factor_per_year, rel=1e-6)  # no noise: the bootstrap cannot move it


def test_gaps_are_reported_with_reasons_and_linked_over() -> None:
    items = {f"m{i}": [1.0 + i, 1.0 + i if i < 2 else 0, 0.9 + i, 0.8 + i] for i in range(6)}
    cov = {f"m{i}": {"score": float(i)} for i in range(6)}
    ix = hedonic_index(panel_from_rows(_rows(items, cov)), HedonicOptions(covariates=("score",), min_offers=4,
                                                                          bootstrap=0))
    feb = ix.months[1]
    assert feb.level is None and feb.gap_reason is not None and "only 2 scored offer" in feb.gap_reason
    assert ix.months[2].level is not None  # March links to January, not interpolated
    assert any("gaps, linked over" in n for n in ix.notes)


def test_constant_covariate_is_dropped_with_a_note() -> None:
    items = {f"m{i}": [1.0 + i, 0.9 + i, 0.8 + i] for i in range(5)}
    cov = {f"m{i}": {"score": float(i), "reasoning": 0.0} for i in range(5)}
    ix = hedonic_index(panel_from_rows(_rows(items, cov)),
                       HedonicOptions(covariates=("score", "reasoning"), min_offers=3, bootstrap=0))
    assert all("reasoning" in m.dropped for m in ix.months[1:])
    assert any(n.startswith("reasoning dropped in 2 window(s)") for n in ix.notes)


def test_too_few_offers_is_an_error_that_says_what_to_do() -> None:
    items = {"a": [1.0, 0.9], "b": [2.0, 1.8]}
    cov = {"a": {"score": 1.0}, "b": {"score": 2.0}}
    with pytest.raises(NoIndexError, match="lower the minimum of scored offers") as err:
        hedonic_index(panel_from_rows(_rows(items, cov)), HedonicOptions(covariates=("score",)))
    assert (err.value.usable, err.value.min_offers, err.value.field) == (0, 8, "min_offers")
    with pytest.raises(InputError, match=r"^window 1: needs at least 2 months") as bad:
        hedonic_index(panel_from_rows(_rows(items, cov)), HedonicOptions(window=1))
    assert bad.value.field == "window"  # the CLI words it "--window 1: …" (cli.main.describe_error)


def test_structural_break_finds_a_planted_break() -> None:
    # 10×/yr for 12 months then 1.5×/yr for 12 months
    p, levels = 1.0, []
    for t in range(24):
        levels.append(p)
        p /= 10 ** (1 / 12) if t < 12 else 1.5 ** (1 / 12)
    cov = {f"m{i}": {"score": float(i)} for i in range(4)}
    rows = [(date(2024 + (t // 12), t % 12 + 1, 1), f"m{i}", lv * (1 + i), cov[f"m{i}"])
            for t, lv in enumerate(levels) for i in range(4)]
    ix = hedonic_index(panel_from_rows(rows), HedonicOptions(covariates=("score",), min_offers=3, bootstrap=0))
    br = structural_break(ix, replicates=99)
    assert br.month == date(2025, 1, 1)
    # monthly steps on calendar days: within 10% of the planted per-month rates
    assert br.before_factor == pytest.approx(10, rel=0.1) and br.after_factor == pytest.approx(1.5, rel=0.1)


def test_bundled_ledger_every_method_side_by_side(ledger: Any) -> None:
    ov = overview(ledger)
    rows = {r.method: r for r in ov.rows()}
    for m in ("hedonic", "threshold", "tiers:economy", "tiers:mid", "tiers:flagship", "frontier", "average",
              "reasoning-task", "chat-token"):
        assert m in rows
    hed = rows["hedonic"]
    assert hed.factor_per_year is not None and hed.ci_low < hed.factor_per_year < hed.ci_high
    assert ov.comparison.options["window_months"] == 2 and ov.comparison.options["score"] == "eci"
    assert ov.comparison.breaks is not None and ov.premium is not None and ov.reasoning is not None
    assert ov.explanation and any("threshold method" in p for p in ov.explanation)
    gaps = [m for m in ov.comparison.hedonic.months if m.level is None]  # type: ignore[union-attr]
    assert gaps and all(m.gap_reason for m in gaps)
    assert {s["vs_10x"] for s in ov.seed} <= {"consistent", "faster", "slower"}
    # determinism: the same seed gives the same interval
    again = overview(ledger, methods=("hedonic",))
    assert again.comparison.rows[0].ci_low == hed.ci_low


def test_options_change_the_answer_and_are_echoed(ledger: Any) -> None:
    a = compare(ledger, methods=("hedonic",), impute="drop", hedonic=HedonicOptions(window=3, bootstrap=20))
    assert a.options["impute"] == "drop" and a.options["window_months"] == 3
    b = compare(ledger, methods=("hedonic",), hedonic=HedonicOptions(bootstrap=20))
    assert a.rows[0].factor_per_year != b.rows[0].factor_per_year
    with pytest.raises(Exception, match="impute"):
        compare(ledger, methods=("hedonic",), impute="guess")
    with pytest.raises(Exception, match="benchmark"):
        compare(ledger, methods=("hedonic",), score="nope")
    c = compare(ledger, methods=("tiers",), tier_bounds=(Decimal("0.5"), Decimal(5)))
    assert c.options["tiers_usd_per_mtok"] == ["0.5", "5"]
