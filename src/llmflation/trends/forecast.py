"""Forecasts of a fixed-capability price with a prediction interval, and backtests against the ledger.

The prediction interval is the classical OLS one in log10 space:
    ŷ(x0) ± t(1+level)/2, n−2 · s · sqrt(1 + 1/n + (x0 − x̄)² / Sxx)
so it widens away from the data and with few points. Dollar figures are computed in log10 space and converted to
Decimal (6 significant digits) from the logarithm, so no horizon or level can overflow a float: they are model
outputs, not list prices.

Bounds: a forecast reaches at most MAX_YEARS_AHEAD years past the last fitted point, and the level lies in
[MIN_LEVEL, MAX_LEVEL]. A value more than BELOW_OBSERVED times below the cheapest price the series ever observed
is printed as a bound ("< $X"), with NOTE_BELOW_OBSERVED saying why (see ``display_floor``).
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


MAX_YEARS_AHEAD = 50
MIN_LEVEL = 0.5
MAX_LEVEL = 0.999
BELOW_OBSERVED = Decimal(100)
NOTE_BELOW_OBSERVED = (
    "values shown as '< $X' lie more than 100× below the cheapest price this series has ever observed ({low}/M); "
    "the straight-line extrapolation says only that the price keeps falling, not what anyone will charge"
)


@dataclass(frozen=True, slots=True)
class Forecast:
    target: date
    level: float
    central: Decimal
    low: Decimal
    high: Decimal
    fit: DeclineFit
    path: tuple[ForecastPoint, ...]  # monthly from the last fitted point to the target
    observed_low: Decimal | None = None  # the cheapest price among the fitted points

    @property
    def floor(self) -> Decimal | None:
        """Below this, show a bound instead of a number (``format.money(v, floor=...)``)."""
        return display_floor(self.observed_low)

    @property
    def note(self) -> str | None:
        """A sentence for readers when any figure of the forecast is shown as a bound, else None."""
        floor = self.floor
        if floor is None or self.observed_low is None:
            return None
        values = [self.central, self.low, self.high] + [p.low for p in self.path]
        if not any(v < floor for v in values):
            return None
        from llmflation.format import money

        return NOTE_BELOW_OBSERVED.format(low=money(self.observed_low))


def interval_text(low: Decimal, high: Decimal, floor: Decimal | None = None) -> str:
    """An interval for people: "$0.12 – $3.40"; "< $0.0003 – $0.05" when the low end is a bound;
    "< $0.0003" alone when both ends are (never "< $0.0003 – < $0.0003")."""
    from llmflation.format import money

    lo, hi = money(low, floor=floor), money(high, floor=floor)
    return lo if lo == hi else f"{lo} – {hi}"


def display_floor(observed_low: Decimal | None) -> Decimal | None:
    """The smallest forecast value worth printing as a number: BELOW_OBSERVED× under the cheapest observation,
    rounded down to one significant digit (so the bound reads "< $0.0003", not "< $0.000312")."""
    if observed_low is None or observed_low <= 0:
        return None
    raw = observed_low / BELOW_OBSERVED
    exp = raw.adjusted()
    lead = int(raw.scaleb(-exp))
    return Decimal(lead).scaleb(exp)


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


LOG10_LIMIT = 10_000.0  # |log10(price)| beyond this is not a number anyone can use; refuse rather than print it


def to_money(v: float) -> Decimal:
    """A model-output dollar figure as Decimal with 6 significant digits (never used as a list price)."""
    if not math.isfinite(v):
        raise InputError("the forecast is out of range; forecast a nearer date or a lower --level")
    return Decimal(f"{v:.6g}")


def money_from_log10(y: float) -> Decimal:
    """10**y as a Decimal with 6 significant digits, computed without float overflow or underflow."""
    if not math.isfinite(y) or abs(y) > LOG10_LIMIT:
        raise InputError("the forecast is out of range (the interval spans more than 10,000 orders of magnitude); "
                         "forecast a nearer date or a lower --level")
    exp = math.floor(y)
    mantissa = 10.0 ** (y - exp)  # in [1, 10)
    return Decimal(f"{mantissa:.6g}").scaleb(exp)


def predict_log10(fit: DeclineFit, at: date, level: float | None = None) -> tuple[float, float, float]:
    """(central, low, high) log10 USD per 1M: the fitted value and the prediction interval on a date."""
    lvl = fit.level if level is None else level
    x0 = float(at.toordinal())
    yhat = fit.predict_log10(at)
    t = t_quantile(0.5 + lvl / 2.0, fit.dof)
    se = fit.residual_sd * math.sqrt(1.0 + 1.0 / fit.n + (x0 - fit.x_mean) ** 2 / fit.sxx)
    return yhat, yhat - t * se, yhat + t * se


def predict_interval(fit: DeclineFit, at: date, level: float | None = None) -> tuple[float, float, float]:
    """(central, low, high) USD per 1M as floats (0.0 / inf where a float cannot hold the value)."""
    return tuple(_pow10(y) for y in predict_log10(fit, at, level))  # type: ignore[return-value]


def predict_money(fit: DeclineFit, at: date, level: float | None = None) -> tuple[Decimal, Decimal, Decimal]:
    """(central, low, high) USD per 1M as exact Decimals (6 significant digits)."""
    c, lo, hi = predict_log10(fit, at, level)
    return money_from_log10(c), money_from_log10(lo), money_from_log10(hi)


def _pow10(y: float) -> float:
    if y > 308:
        return math.inf
    if y < -320:
        return 0.0
    return float(10.0**y)


def check_bounds(fit: DeclineFit, to: date, level: float) -> None:
    """Refuse a level or horizon outside the documented bounds, saying what would work."""
    if not MIN_LEVEL <= level <= MAX_LEVEL:
        raise InputError(f"level {level:g}: must be between {MIN_LEVEL:g} and {MAX_LEVEL:g} "
                         "(e.g. 0.9 for a 90% prediction interval)")
    limit = add_months(fit.end, 12 * MAX_YEARS_AHEAD)
    if to > limit:
        raise InputError(f"target date {to}: forecasts reach at most {MAX_YEARS_AHEAD} years past the last data point "
                         f"({fit.end}), i.e. up to {limit}; a straight line that far out says nothing")


def forecast(
    fit: DeclineFit, to: date, *, level: float | None = None, path_from: date | None = None,
    observed_low: Decimal | None = None,
) -> Forecast:
    """Project a fitted decline to `to` with a prediction interval (default: the fit's level, 90%)."""
    lvl = fit.level if level is None else level
    check_bounds(fit, to, lvl)
    start = path_from or fit.end
    if to <= start:
        raise InputError(f"--to {to} is not after the last data point ({start}); forecast a later date")
    c, lo, hi = predict_money(fit, to, lvl)
    path = [ForecastPoint(d, *predict_money(fit, d, lvl)) for d in _monthly(start, to)]
    return Forecast(to, lvl, c, lo, hi, fit, tuple(path), observed_low)


def forecast_series(series: CapabilitySeries, to: date, *, level: float = 0.90, seed: int = 0) -> Forecast:
    fit = fit_decline([(p.date, p.price) for p in series.records], level=level, seed=seed)
    return forecast(fit, to, level=level, observed_low=min((p.price for p in series.records), default=None))


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
        yc, ylo, yhi = predict_log10(fit, target, level)
        mc, mlo, mhi = money_from_log10(yc), money_from_log10(ylo), money_from_log10(yhi)
        actual = series.floor_at(target) if target <= series.end else None
        if actual is None:
            rows.append(BacktestRow(h, target, mc, mlo, mhi, None, None, None, None, None))
            continue
        ya = math.log10(float(actual.price))
        rows.append(
            BacktestRow(
                h,
                target,
                mc,
                mlo,
                mhi,
                actual.price,
                actual.model,
                (_pow10(yc - ya) - 1.0) * 100.0,
                yc - ya,
                ylo <= ya <= yhi,
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
