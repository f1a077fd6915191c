"""Decline fits: Epoch AI's published rates reproduced from their own point sets, plus refusals and
properties.

Golden fixtures. Each point set below is a published result of Epoch AI's "LLM inference prices have fallen
rapidly but unequally across tasks" (2025-03-12): the record-setting (date, blended 3:1 USD per 1M tokens)
points of one (benchmark, threshold) fit, and the factor per year, 90% CI and R² they published for it.
Source: github:epoch-research/llm-benchmark-efficiency@34b923314338360d1b1bbed6ec30d9299e54fdae:
results/default/lowest_price_models_above_previous_frontier/lowest_price_models_data.csv (points) and
…/lowest_price_models_results.csv (factors). Model names are kept only as labels.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmflation.trends.fit import InsufficientDataError, fit_decline

EPOCH = {
    # (benchmark, threshold model): (points, factor_per_year, ci_low, ci_high, r2)
    ("MMLU", "GPT-3"): (
        [
            ("2021-11-20", "60.0", "GPT-3"),
            ("2022-09-01", "20.0", "GPT-3"),
            ("2023-03-06", "2.0", "GPT-3.5 Turbo"),
            ("2023-07-18", "0.56", "Llama-2-Chat-13B"),
            ("2023-12-01", "0.2", "Llama 2-7B"),
            ("2024-04-14", "0.13", "Llama 2-7B"),
            ("2024-07-23", "0.1", "Llama-3.1-Instruct-8B"),
            ("2024-09-24", "0.08", "Llama-3.2-Instruct-3B"),
            ("2024-10-03", "0.07", "Gemini-1.5-Flash-8B"),
        ],
        11.772872667426151,
        8.287354506876559,
        16.724339561970456,
        0.96,
    ),
    ("MMLU", "GPT-4-0314"): (
        [
            ("2023-03-14", "37.5", "GPT-4-0314"),
            ("2023-11-06", "15.0", "GPT-4 Turbo"),
            ("2024-05-13", "7.5", "GPT-4o-2024-05"),
            ("2024-05-23", "2.19", "Gemini-1.5-Pro-2024-05"),
            ("2025-02-05", "0.175", "Gemini 2.0 Flash"),
        ],
        15.85676156770196,
        4.085681392676409,
        61.54099237048954,
        0.88,
    ),
    ("GPQA Diamond", "GPT-4-0314"): (
        [
            ("2023-03-14", "37.5", "GPT-4-0314"),
            ("2023-11-06", "15.0", "GPT-4 Turbo"),
            ("2024-02-26", "6.0", "Mistral-Large-2024-02"),
            ("2024-03-04", "0.5", "Claude-3-Haiku"),
            ("2024-05-10", "0.13", "Gemini-1.5-Flash-2024-05"),
            ("2024-12-13", "0.1225", "Phi 4"),
        ],
        42.0189988368494,
        4.398155473320801,
        401.44016598804956,
        0.76,
    ),
    ("GPQA Diamond", "GPT-4o-2024-05"): (
        [
            ("2024-05-13", "7.5", "GPT-4o-2024-05"),
            ("2024-06-20", "6.0", "Claude-3.5-Sonnet-2024-06"),
            ("2024-09-24", "2.19", "Gemini-1.5-Pro-2024-09"),
            ("2024-12-13", "0.1225", "Phi 4"),
        ],
        851.1622038749446,
        6.1767855524077975,
        117290.31081916738,
        0.89,
    ),
    ("LMSys Chatbot Arena ELO", "GPT-4o-2024-05"): (
        [
            ("2024-05-13", "7.5", "GPT-4o-2024-05"),
            ("2024-08-06", "4.38", "GPT-4o-2024-08"),
            ("2024-09-24", "2.19", "Gemini-1.5-Pro-2024-09"),
            ("2024-12-26", "0.4775", "DeepSeek-V3"),
            ("2025-02-05", "0.175", "Gemini 2.0 Flash"),
        ],
        176.96047076161705,
        39.13465053498507,
        800.1862233106846,
        0.96,
    ),
    ("HumanEval", "GPT-3.5-Turbo-2023-06"): (
        [
            ("2023-06-13", "3.25", "GPT-3.5-Turbo-2023-06"),
            ("2023-11-06", "0.75", "GPT-3.5-Turbo-2023-11"),
            ("2024-03-04", "0.5", "Claude-3-Haiku"),
            ("2024-06-24", "0.26", "Gemma-2-27B"),
            ("2024-07-18", "0.13", "Mistral-NeMo"),
            ("2024-12-13", "0.1225", "Phi 4"),
        ],
        9.240250279099344,
        4.832723864099762,
        17.66751579883625,
        0.93,
    ),
}


def _sig4(x: float) -> str:
    return f"{x:.4g}"


@pytest.mark.parametrize("key", list(EPOCH), ids=lambda k: f"{k[0]}@{k[1]}")
def test_reproduces_epoch_published_rates_to_4_significant_digits(key: tuple[str, str]) -> None:
    pts, factor, lo, hi, r2 = EPOCH[key]
    fit = fit_decline([(date.fromisoformat(d), Decimal(p)) for d, p, _ in pts])
    assert fit.n == len(pts)
    assert _sig4(fit.factor_per_year) == _sig4(factor)
    assert _sig4(fit.ci_low) == _sig4(lo)
    assert _sig4(fit.ci_high) == _sig4(hi)
    assert round(fit.r2, 2) == r2


def test_mmlu_gpt3_headline_and_derived_figures() -> None:
    pts = EPOCH[("MMLU", "GPT-3")][0]
    fit = fit_decline([(date.fromisoformat(d), Decimal(p)) for d, p, _ in pts])
    assert f"{fit.factor_per_year:.2f}" == "11.77"
    assert fit.pct_per_year == pytest.approx((1 - 1 / 11.772872667426151) * 100)
    assert fit.halving_months == pytest.approx(12 * math.log(2) / math.log(11.772872667426151))
    # the robust and bootstrap alternatives bracket the OLS estimate here and are deterministic for a seed
    assert fit.theil_sen_low <= fit.theil_sen_factor <= fit.theil_sen_high
    assert fit.bootstrap_low is not None and fit.bootstrap_high is not None
    assert fit.bootstrap_low < fit.factor_per_year < fit.bootstrap_high
    again = fit_decline([(date.fromisoformat(d), Decimal(p)) for d, p, _ in pts])
    assert (again.bootstrap_low, again.bootstrap_high) == (fit.bootstrap_low, fit.bootstrap_high)
    other = fit_decline([(date.fromisoformat(d), Decimal(p)) for d, p, _ in pts], seed=7)
    assert other.bootstrap_low != fit.bootstrap_low


@pytest.mark.parametrize("n", [0, 1, 2])
def test_refuses_fewer_than_three_points(n: int) -> None:
    pts = [(date(2024, 1, 1 + i), Decimal(10 - i)) for i in range(n)]
    with pytest.raises(InsufficientDataError, match="at least 3"):
        fit_decline(pts)


def test_refuses_points_all_on_one_day() -> None:
    with pytest.raises(InsufficientDataError, match="one date"):
        fit_decline([(date(2024, 1, 1), Decimal(p)) for p in ("3", "2", "1")])


def test_rejects_non_positive_price() -> None:
    from llmflation.errors import InputError

    with pytest.raises(InputError, match="not positive"):
        fit_decline(
            [(date(2024, 1, 1), Decimal(1)), (date(2024, 2, 1), Decimal(0)), (date(2024, 3, 1), Decimal(1))]
        )


def test_rising_prices_give_factor_below_one_and_no_halving() -> None:
    fit = fit_decline([(date(2024, 1, 1), 1.0), (date(2024, 7, 1), 2.0), (date(2025, 1, 1), 4.0)])
    assert fit.factor_per_year == pytest.approx(1 / 4, rel=0.01)
    assert fit.halving_months is None
    assert fit.pct_per_year < 0


@settings(max_examples=40, deadline=None)
@given(
    factor=st.floats(min_value=1.5, max_value=500),
    n=st.integers(min_value=3, max_value=12),
    p0=st.floats(min_value=0.01, max_value=100),
)
def test_exact_exponential_decline_is_recovered(factor: float, n: int, p0: float) -> None:
    days = [i * 61 for i in range(n)]
    start = date(2023, 1, 1).toordinal()
    pts = [(date.fromordinal(start + d), p0 * factor ** (-d / 365)) for d in days]
    fit = fit_decline(pts, bootstrap=200)
    assert fit.factor_per_year == pytest.approx(factor, rel=1e-6)
    assert fit.theil_sen_factor == pytest.approx(factor, rel=1e-6)
    assert fit.r2 == pytest.approx(1.0)
    assert fit.ci_low == pytest.approx(factor, rel=1e-4) and fit.ci_high == pytest.approx(factor, rel=1e-4)


def test_theil_sen_matches_scipy_reference() -> None:
    import numpy as np
    from scipy import stats

    from llmflation.trends.fit import theil_sen

    rng = np.random.default_rng(1)
    for n in (3, 4, 6, 9):
        for rep in range(8):
            x = np.sort(rng.integers(0, 2000, n)).astype(float)
            y = rng.normal(size=n)
            if rep % 3 == 0:
                x[1] = x[0]  # tied dates
            ref = stats.theilslopes(y, x, alpha=0.9)
            assert theil_sen(x, y, 0.9) == pytest.approx((ref.slope, ref.low_slope, ref.high_slope))


@pytest.mark.parametrize("dof", [*range(1, 41), 57, 120, 333, 1000, 1999, 2000, 2001, 5000, 10**6])
def test_t_quantile_matches_scipy_stdtrit(dof: int) -> None:
    """The pure-Python t quantile (no scipy import on the report path) against scipy's stdtrit."""
    from scipy.special import stdtrit

    from llmflation.trends.fit import t_quantile

    for p in (0.001, 0.05, 0.55, 0.75, 0.9, 0.95, 0.975, 0.995, 0.9995, 0.999995):
        assert t_quantile(p, dof) == pytest.approx(float(stdtrit(dof, p)), rel=1e-9)


def test_t_quantile_known_values_and_bad_input() -> None:
    from llmflation.trends.fit import t_quantile

    # dof 1 is the Cauchy distribution (t = tan(π(p − ½))); dof 2 has t = (2p − 1)·√(2 / (4p(1 − p)))
    assert t_quantile(0.9, 1) == pytest.approx(math.tan(math.pi * 0.4), rel=1e-12)
    assert t_quantile(0.95, 2) == pytest.approx(0.9 * math.sqrt(2 / (4 * 0.95 * 0.05)), rel=1e-12)
    assert t_quantile(0.5, 7) == 0.0
    assert t_quantile(0.2, 7) == -t_quantile(0.8, 7)
    for p, dof in ((0.0, 3), (1.0, 3), (1.5, 3), (0.9, 0)):
        with pytest.raises(ValueError):
            t_quantile(p, dof)
