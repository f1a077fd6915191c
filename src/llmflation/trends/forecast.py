"""Forecasts of a fixed-capability price with a prediction interval, and backtests against the ledger.

The prediction interval is the classical OLS one in log10 space:
    ŷ(x0) ± t(1+level)/2, n−2 · s · sqrt(1 + 1/n + (x0 − x̄)² / Sxx)
so it widens away from the data and with few points. Dollar figures are computed as floats from the log-space
fit and converted to Decimal (6 significant digits) at the boundary: they are model outputs, not list prices.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from llmflation.errors import InputError
from llmflation.trends.fit import DeclineFit, InsufficientDataError, fit_decline, t_quantile
from llmflation.trends.series import CapabilitySeries


@dataclass(frozen=True, slots=True)
class ForecastPoint:
    date: date
    central: Decimal
    low: Decimal
    high: Decimal


@dataclass(frozen=True, slots=True)
class Forecast:
    target: date
    level: float
    central: Decimal
    low: Decimal
    high: Decimal
    fit: DeclineFit
    path: tuple[ForecastPoint, ...]  # monthly from the last fitted point to the target


@dataclass(frozen=True, slots=True)
class BacktestRow:
    horizon_months: int
    target: date
    predicted: Decimal
    low: Decimal
    high: Decimal
    actual: Decimal | None  # None when the target date is beyond the data
    actual_model: str | None
    error_pct: float | None  # (predicted − actual) / actual × 100
    log10_error: float | None  # log10(predicted / actual)
    inside: bool | None  # actual within the prediction interval


@dataclass(frozen=True, slots=True)
class Backtest:
    cutoff: date
    fit: DeclineFit
    rows: tuple[BacktestRow, ...]


def to_money(v: float) -> Decimal:
    """A model-output dollar figure as Decimal with 6 significant digits (never used as a list price)."""
    if not math.isfinite(v):
        raise InputError("the forecast overflowed; the fit is too steep to extrapolate that far")
    return Decimal(f"{v:.6g}")


def predict_interval(fit: DeclineFit, at: date, level: float | None = None) -> tuple[float, float, float]:
    """(central, low, high) USD per 1M as floats: the fitted value and the prediction interval on a date."""
    lvl = fit.level if level is None else level
    x0 = float(at.toordinal())
    yhat = fit.predict_log10(at)
    t = t_quantile(0.5 + lvl / 2.0, fit.dof)
    se = fit.residual_sd * math.sqrt(1.0 + 1.0 / fit.n + (x0 - fit.x_mean) ** 2 / fit.sxx)
    return 10.0**yhat, 10.0 ** (yhat - t * se), 10.0 ** (yhat + t * se)


def forecast(
    fit: DeclineFit, to: date, *, level: float | None = None, path_from: date | None = None
) -> Forecast:
    """Project a fitted decline to `to` with a prediction interval (default: the fit's level, 90%)."""
    lvl = fit.level if level is None else level
    if not 0.0 < lvl < 1.0:
        raise InputError(f"level {lvl}: must be between 0 and 1")
    start = path_from or fit.end
    if to <= start:
        raise InputError(f"to {to} is not after the last data point ({start}); forecast a later date", field="to")
    c, lo, hi = predict_interval(fit, to, lvl)
    path = []
    for d in _monthly(start, to):
        pc, pl, ph = predict_interval(fit, d, lvl)
        path.append(ForecastPoint(d, to_money(pc), to_money(pl), to_money(ph)))
    return Forecast(to, lvl, to_money(c), to_money(lo), to_money(hi), fit, tuple(path))


def forecast_series(series: CapabilitySeries, to: date, *, level: float = 0.90, seed: int = 0) -> Forecast:
    fit = fit_decline([(p.date, p.price) for p in series.records], level=level, seed=seed)
    return forecast(fit, to, level=level)


def backtest(
    series: CapabilitySeries,
    cutoff: date,
    *,
    horizons: Sequence[int] = (6, 12),
    level: float = 0.90,
    seed: int = 0,
) -> Backtest:
    """Fit the record-setting points up to `cutoff`, forecast each horizon (months), compare with the
    ledger."""
    train = [p for p in series.records if p.date <= cutoff]
    if len(train) < 3:
        raise InsufficientDataError(
            f"Only {len(train)} record-setting point(s) on or before {cutoff}; a backtest needs at least 3 "
            "before "
            "the cutoff. Choose a later cutoff."
        )
    fit = fit_decline([(p.date, p.price) for p in train], level=level, seed=seed)
    rows = []
    for h in horizons:
        target = add_months(cutoff, h)
        c, lo, hi = predict_interval(fit, target, level)
        actual = series.floor_at(target) if target <= series.end else None
        if actual is None:
            rows.append(
                BacktestRow(h, target, to_money(c), to_money(lo), to_money(hi), None, None, None, None, None)
            )
            continue
        a = float(actual.price)
        rows.append(
            BacktestRow(
                h,
                target,
                to_money(c),
                to_money(lo),
                to_money(hi),
                actual.price,
                actual.model,
                (c - a) / a * 100.0,
                math.log10(c / a),
                lo <= a <= hi,
            )
        )
    return Backtest(cutoff, fit, tuple(rows))


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    import calendar

    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _monthly(start: date, end: date) -> list[date]:
    out = [start]
    d = date(start.year, start.month, 1)
    while True:
        d = add_months(d, 1)
        if d >= end:
            break
        out.append(d)
    out.append(end)
    return out
