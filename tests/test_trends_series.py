"""Cheapest-at-capability series, forecasts, backtests and frontier vs floor on a small synthetic ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from helpers.trends_synth import synthetic_ledger
from llmflation.errors import InputError, UnknownModelError, UnknownNameError
from llmflation.trends.fit import InsufficientDataError, fit_decline
from llmflation.trends.forecast import add_months, backtest, forecast
from llmflation.trends.frontier import frontier_vs_floor
from llmflation.trends.points import PointsFileError, parse_points
from llmflation.trends.series import (
    NoSeriesError,
    cheapest_at_capability,
    model_scores,
    parse_blend,
    resolve_threshold,
)

END = date(2025, 6, 1)


@pytest.fixture(scope="module")
def led():
    return synthetic_ledger()


def _prices(points):
    return [(p.date.isoformat(), p.model.split("/")[1], p.price) for p in points]


def test_threshold_at_model_level_uses_max_score_and_starts_at_that_model(led) -> None:
    s = cheapest_at_capability(led, "mmlu", "big-2023", end=END)
    assert s.threshold.value == Decimal("86.0") and s.threshold.model == "alpha/big-2023"
    assert "Big 2023 level" in s.threshold.label
    assert _prices(s.records) == [
        ("2023-03-01", "big-2023", Decimal("37.5")),
        ("2023-11-01", "turbo-2023", Decimal("15")),
        ("2024-04-01", "open-70b", Decimal("1")),
        ("2025-02-01", "small-2025", Decimal("0.3")),
    ]
    # the floor rises when the cheap host retires: a step, but not a record
    assert ("2025-01-01", "open-70b", Decimal("2")) in _prices(s.steps)
    assert s.floor_at(date(2025, 1, 15)).price == Decimal("2")
    assert s.floor_at(date(2023, 1, 1)) is None
    assert s.records[0].input == Decimal("30") and s.records[0].output == Decimal("60")


def test_first_party_only_keeps_price_cuts_and_drops_open_weight_hosts(led) -> None:
    s = cheapest_at_capability(led, "mmlu", "86", hosts="first-party", end=END)
    assert _prices(s.records) == [
        ("2023-03-01", "big-2023", Decimal("37.5")),
        ("2023-11-01", "turbo-2023", Decimal("15")),
        ("2024-06-01", "turbo-2023", Decimal("7.5")),  # a price cut is a new point, dated when it took effect
        ("2025-02-01", "small-2025", Decimal("0.35")),
    ]
    assert {p.provider for p in s.records} == {"alpha", "beta"}


def test_median_across_hosts(led) -> None:
    s = cheapest_at_capability(led, "mmlu", "86", hosts="median", end=END)
    by_date = {p.date.isoformat(): p for p in s.records}
    assert by_date["2024-04-01"].price == Decimal("1.5")
    assert by_date["2024-04-01"].provider == "median of 2 hosts"
    assert by_date["2025-02-01"].price == Decimal("0.325")


def test_blend_one_to_one_and_input_only(led) -> None:
    s11 = cheapest_at_capability(led, "mmlu", "86", blend=(1, 1), end=END)
    assert s11.records[0].price == Decimal("45")
    s10 = cheapest_at_capability(led, "mmlu", "86", blend=(1, 0), end=END)
    assert s10.records[0].price == Decimal("30")
    assert parse_blend("3:1") == (3, 1) and parse_blend("1:0") == (1, 0)
    for bad in ("3", "a:b", "0:0", "-1:2", "1:2:3"):
        with pytest.raises(InputError):
            parse_blend(bad)


def test_reasoning_models_excluded_unless_asked(led) -> None:
    s = cheapest_at_capability(led, "mmlu", "86", end=END)
    assert "alpha/reasoner" not in {p.model for p in s.steps}
    s2 = cheapest_at_capability(led, "mmlu", "86", exclude_reasoning=False, end=END)
    assert ("2024-09-01", "reasoner", Decimal("0.175")) in _prices(s2.records)


def test_window_starts_with_floor_in_effect(led) -> None:
    s = cheapest_at_capability(led, "mmlu", "86", start=date(2024, 1, 1), end=date(2024, 12, 31))
    assert _prices(s.records) == [
        ("2024-01-01", "turbo-2023", Decimal("15")),
        ("2024-04-01", "open-70b", Decimal("1")),
    ]
    assert s.end == date(2024, 12, 31)
    with pytest.raises(InputError, match="swap"):
        cheapest_at_capability(led, "mmlu", "86", start=date(2025, 1, 1), end=date(2024, 1, 1))


def test_elo_uses_latest_snapshot(led) -> None:
    scores = model_scores(led, "lmarena_elo")
    assert scores["alpha/big-2023"].value == Decimal("1180")
    assert model_scores(led, "mmlu")["alpha/big-2023"].value == Decimal("86.0")


def test_unreachable_threshold_names_best_score(led) -> None:
    with pytest.raises(NoSeriesError, match=r"best mmlu score on record is 95 \(alpha/reasoner\)"):
        cheapest_at_capability(led, "mmlu", "99", end=END)


def test_unknown_benchmark_lists_known_ones(led) -> None:
    with pytest.raises(UnknownNameError) as exc:
        cheapest_at_capability(led, "mmlu-pro", "80", end=END)
    assert "lmarena_elo" in str(exc.value) and "mmlu" in str(exc.value)


def test_threshold_model_unknown_or_unscored(led) -> None:
    with pytest.raises(UnknownModelError, match="Did you mean"):
        resolve_threshold(led, "mmlu", "big-2032")
    with pytest.raises(InputError, match="no lmarena_elo score"):
        resolve_threshold(led, "lmarena_elo", "turbo-2023")


def test_forecast_interval_brackets_central_and_widens(led) -> None:
    s = cheapest_at_capability(led, "mmlu", "86", end=END)
    fit = fit_decline([(p.date, p.price) for p in s.records])
    near = forecast(fit, date(2025, 12, 31))
    far = forecast(fit, date(2027, 12, 31))
    assert near.low < near.central < near.high
    assert far.central < near.central
    assert far.high / far.low > near.high / near.low
    assert isinstance(near.central, Decimal)
    assert near.path[0].date == fit.end and near.path[-1].date == date(2025, 12, 31)
    with pytest.raises(InputError, match="not after"):
        forecast(fit, date(2020, 1, 1))


def test_backtest_compares_with_ledger(led) -> None:
    s = cheapest_at_capability(led, "mmlu", "86", end=END)
    bt = backtest(s, date(2024, 6, 30), horizons=(6, 12))
    assert bt.fit.n == 3
    six, twelve = bt.rows
    assert six.target == date(2024, 12, 30) and six.actual == Decimal("1")
    assert twelve.target == date(2025, 6, 30) and twelve.actual is None  # beyond the data: not observed
    assert six.error_pct == pytest.approx((float(six.predicted) - 1.0) * 100, rel=1e-3)
    assert isinstance(six.inside, bool)
    with pytest.raises(InsufficientDataError, match="before"):
        backtest(s, date(2023, 12, 1))


def test_frontier_vs_floor(led) -> None:
    s = cheapest_at_capability(led, "mmlu", "86", end=END)
    pts = frontier_vs_floor(led, s, frontier_reasoning=False)
    assert pts[0].date == date(2023, 3, 1)
    last = pts[-1]
    assert last.frontier_model == "alpha/frontier-2025" and last.frontier_price == Decimal("35")
    assert last.floor_price == Decimal("0.3") and last.premium == Decimal("35") / Decimal("0.3")
    mid = next(p for p in pts if p.date == date(2023, 7, 1))
    assert mid.frontier_model == "alpha/big-2023" and mid.premium == 1
    # by default the frontier includes reasoning models: the reasoner (95) tops the board from 2024-09
    with_r = frontier_vs_floor(led, s)
    assert with_r[-1].frontier_model == "alpha/reasoner" and with_r[-1].frontier_score == Decimal("95.0")
    assert next(p for p in with_r if p.date == date(2024, 8, 1)).frontier_model == "alpha/turbo-2023"


def test_add_months_clamps_day() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 11, 15), 14) == date(2026, 1, 15)
    assert add_months(date(2024, 3, 1), -12) == date(2023, 3, 1)


def test_points_file_errors_have_line_numbers() -> None:
    text = "date,price\n2024-01-01,10\n2024-13-01,5\n2024-03-01,-1\n2024-04-01,abc\n2024-05-01,0\n"
    with pytest.raises(PointsFileError) as exc:
        parse_points(text, "p.csv")
    msg = str(exc.value)
    assert "nothing was fitted" in msg
    for line in ("line 3", "line 4", "line 5", "line 6"):
        assert line in msg
    assert "line 2" not in msg
    with pytest.raises(PointsFileError, match="missing column"):
        parse_points("day,cost\n2024-01-01,1\n")
    ok = parse_points("date,price,model\n2024-02-01,2,b\n2024-01-01,3,a\n")
    assert [(p.date.isoformat(), p.price, p.label) for p in ok] == [
        ("2024-01-01", Decimal(3), "a"),
        ("2024-02-01", Decimal(2), "b"),
    ]
