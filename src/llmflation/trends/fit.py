"""Decline fits of price against time.

Epoch AI's method, exactly: ordinary least squares of log10(price) on `date.toordinal()` (days), annualised
with 365-day years: `factor_per_year = 10 ** (-slope * 365)`. The 90% interval is the t-distribution interval
on the slope (n − 2 degrees of freedom), mapped through the same formula. This reproduces Epoch's 21 published
factors.

Alongside: Theil–Sen (median of pairwise slopes, robust to one odd point) with its interval, and a seeded,
deterministic percentile bootstrap over the points. Fewer than 3 points (or all on one date) is refused: two
points define a line but no interval, and a fake interval is worse than none.

Fits run on numpy floats of log10 prices; the dollar figures they return (`predict`) are floats for plotting,
and `forecast` converts its dollar outputs to Decimal at the boundary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from statistics import NormalDist
from typing import Any

from llmflation.errors import InputError

DAYS_PER_YEAR = 365  # Epoch's notebook: annual_slope = params['date'] * 365
MIN_POINTS = 3


class InsufficientDataError(InputError):
    """Too few points (or no spread in time) to fit a decline with an honest interval."""


@dataclass(frozen=True, slots=True)
class DeclineFit:
    n: int
    start: date
    end: date
    level: float  # confidence level of the intervals, e.g. 0.90
    slope_per_day: float  # d log10(price) / d day
    intercept: float  # log10 price at ordinal 0
    factor_per_year: float  # price divides by this every year (> 1 means falling)
    ci_low: float  # factor interval from the t-interval on the slope
    ci_high: float
    r2: float
    theil_sen_factor: float
    theil_sen_low: float
    theil_sen_high: float
    bootstrap_low: float | None  # None when every resample was degenerate
    bootstrap_high: float | None
    bootstrap_samples: int
    seed: int
    residual_sd: float  # s, in log10 units
    x_mean: float
    sxx: float

    @property
    def pct_per_year(self) -> float:
        """Percent the price falls per year (negative when it rises)."""
        return (1.0 - 1.0 / self.factor_per_year) * 100.0

    @property
    def halving_months(self) -> float | None:
        """Months for the price to halve (None when the price is flat or rising)."""
        if self.factor_per_year <= 1.0:
            return None
        return 12.0 * math.log(2.0) / math.log(self.factor_per_year)

    @property
    def dof(self) -> int:
        return self.n - 2

    def predict_log10(self, at: date) -> float:
        return self.intercept + self.slope_per_day * at.toordinal()

    def predict(self, at: date) -> float:
        """Fitted price (USD per 1M, float for plotting) on a date."""
        return float(10.0 ** self.predict_log10(at))

    def as_dict(self) -> dict[str, object]:
        return {
            "method": "ols_log10_price_on_date (Epoch AI), 365-day year",
            "n": self.n,
            "start": self.start,
            "end": self.end,
            "level": self.level,
            "factor_per_year": self.factor_per_year,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "r2": self.r2,
            "pct_per_year": self.pct_per_year,
            "halving_months": self.halving_months,
            "slope_log10_per_day": self.slope_per_day,
            "intercept_log10": self.intercept,
            "theil_sen": {
                "factor_per_year": self.theil_sen_factor,
                "ci_low": self.theil_sen_low,
                "ci_high": self.theil_sen_high,
            },
            "bootstrap": {
                "ci_low": self.bootstrap_low,
                "ci_high": self.bootstrap_high,
                "samples": self.bootstrap_samples,
                "seed": self.seed,
            },
        }


def _factor(slope: float) -> float:
    try:
        return float(10.0 ** (-slope * DAYS_PER_YEAR))
    except OverflowError:
        return math.inf


def fit_decline(
    points: Sequence[tuple[date, Decimal | float | int]],
    *,
    level: float = 0.90,
    bootstrap: int = 2000,
    seed: int = 0,
) -> DeclineFit:
    """Fit price = 10**(a + b·day) to (date, price) points by Epoch's method, plus Theil–Sen and a bootstrap.

    Raises InsufficientDataError for fewer than 3 points or points all on one date, and InputError for a
    non-positive price.
    """
    import numpy as np
    if not 0.0 < level < 1.0:
        raise InputError(f"level {level}: must be between 0 and 1 (e.g. 0.9)")
    pts = list(points)
    if len(pts) < MIN_POINTS:
        raise InsufficientDataError(
            f"Only {len(pts)} point(s) to fit; a decline fit needs at least {MIN_POINTS} record-setting "
            "points "
            "for an interval. Widen the date window or lower the threshold."
        )
    for d, p in pts:
        if Decimal(str(p)) <= 0:
            raise InputError(f"price {p} on {d} is not positive; log prices need positive values")
    x = np.array([d.toordinal() for d, _ in pts], dtype=float)
    y = np.log10(np.array([float(p) for _, p in pts], dtype=float))
    n = len(pts)
    x_mean = float(x.mean())
    sxx = float(((x - x_mean) ** 2).sum())
    if sxx == 0.0:
        raise InsufficientDataError(
            f"All {n} points fall on one date ({pts[0][0]}); a trend needs points spread over time."
        )
    slope = float(((x - x_mean) * (y - y.mean())).sum() / sxx)
    intercept = float(y.mean() - slope * x_mean)
    resid = y - (intercept + slope * x)
    ss_res = float((resid**2).sum())
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 if ss_tot == 0.0 else 1.0 - ss_res / ss_tot
    dof = n - 2
    s = math.sqrt(ss_res / dof)
    se_slope = s / math.sqrt(sxx)
    t = t_quantile(0.5 + level / 2.0, dof)
    lo_slope, hi_slope = slope - t * se_slope, slope + t * se_slope

    ts_slope, ts_lo, ts_hi = theil_sen(x, y, level)

    b_low, b_high, used = _bootstrap(x, y, level, bootstrap, seed)

    order = sorted(d for d, _ in pts)
    return DeclineFit(
        n=n,
        start=order[0],
        end=order[-1],
        level=level,
        slope_per_day=slope,
        intercept=intercept,
        factor_per_year=_factor(slope),
        ci_low=_factor(hi_slope),
        ci_high=_factor(lo_slope),
        r2=r2,
        theil_sen_factor=_factor(ts_slope),
        theil_sen_low=_factor(ts_hi),
        theil_sen_high=_factor(ts_lo),
        bootstrap_low=None if b_high is None else _factor(b_high),
        bootstrap_high=None if b_low is None else _factor(b_low),
        bootstrap_samples=used,
        seed=seed,
        residual_sd=s,
        x_mean=x_mean,
        sxx=sxx,
    )


@lru_cache(maxsize=4096)
def t_quantile(p: float, dof: int) -> float:
    """Student-t quantile: the t with P(T ≤ t) = p for `dof` (≥ 1) degrees of freedom.

    Pure Python (importing scipy costs about half a second, more than every fit of the report together): the
    CDF of an integer-dof t is a finite trigonometric sum (Abramowitz & Stegun 26.7.3–4), inverted by bisection
    on θ = atan(t/√dof) to the last bit; above 2,000 dof the Cornish–Fisher expansion (terms to dof⁻⁴) is exact
    to double precision. Agrees with scipy.special.stdtrit to ~1e-12 relative (tests/test_trends_fit.py).
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"t_quantile: p={p} must be strictly between 0 and 1")
    if dof < 1:
        raise ValueError(f"t_quantile: dof={dof} must be at least 1")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -t_quantile(1.0 - p, dof)
    if dof > 2000:
        z = NormalDist().inv_cdf(p)
        z2 = z * z
        g1 = (z2 + 1) * z / 4
        g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
        g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
        g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
        v = float(dof)
        return z + g1 / v + g2 / v**2 + g3 / v**3 + g4 / v**4
    target = 2.0 * p - 1.0  # A(t) = P(|T| ≤ t)
    lo, hi = 0.0, math.pi / 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        if _t_central(mid, dof) < target:
            lo = mid
        else:
            hi = mid
    return math.sqrt(dof) * math.tan((lo + hi) / 2)


def _t_central(theta: float, dof: int) -> float:
    """P(|T| ≤ √dof·tan θ) for an integer dof (A&S 26.7.3 odd, 26.7.4 even)."""
    c, s = math.cos(theta), math.sin(theta)
    c2 = c * c
    if dof % 2:
        if dof == 1:
            return 2.0 * theta / math.pi
        term, total = c, c
        for k in range(1, (dof - 1) // 2):
            term *= c2 * (2 * k) / (2 * k + 1)
            total += term
        return 2.0 / math.pi * (theta + s * total)
    term, total = 1.0, 1.0
    for k in range(1, dof // 2):
        term *= c2 * (2 * k - 1) / (2 * k)
        total += term
    return s * total


def theil_sen(x: Any, y: Any, level: float) -> tuple[float, float, float]:
    """Theil–Sen slope with Sen's (1968) confidence interval, as scipy.stats.theilslopes computes it.

    Returns (median slope, low, high) over all pairs with distinct x.
    """
    import numpy as np

    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    dx = xa[:, None] - xa
    dy = ya[:, None] - ya
    mask = dx > 0
    slopes = np.sort(dy[mask] / dx[mask])
    median = float(np.median(slopes))
    z = NormalDist().inv_cdf((1.0 - level) / 2.0)
    n, nt = len(ya), len(slopes)

    def ties(a: Any) -> float:
        _, counts = np.unique(a, return_counts=True)
        k = counts[counts > 1].astype(float)
        return float((k * (k - 1) * (2 * k + 5)).sum())

    sigsq = (n * (n - 1) * (2 * n + 5) - ties(xa) - ties(ya)) / 18.0
    sigma = math.sqrt(sigsq) if sigsq > 0 else 0.0
    hi_i = min(round((nt - z * sigma) / 2.0), nt - 1)
    lo_i = max(round((nt + z * sigma) / 2.0) - 1, 0)
    return median, float(slopes[lo_i]), float(slopes[hi_i])


def _bootstrap(
    x: object, y: object, level: float, samples: int, seed: int
) -> tuple[float | None, float | None, int]:
    """Percentile interval of the OLS slope over resampled point sets (resamples on one date are skipped)."""
    import numpy as np

    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    if samples <= 0:
        return None, None, 0
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(xa), size=(samples, len(xa)))
    xs, ys = xa[idx], ya[idx]
    xm = xs.mean(axis=1, keepdims=True)
    ym = ys.mean(axis=1, keepdims=True)
    sxx = ((xs - xm) ** 2).sum(axis=1)
    ok = sxx > 0
    if not ok.any():
        return None, None, 0
    slopes = ((xs - xm) * (ys - ym)).sum(axis=1)[ok] / sxx[ok]
    tail = (1.0 - level) / 2.0 * 100.0
    lo, hi = np.percentile(slopes, [tail, 100.0 - tail])
    return float(lo), float(hi), int(ok.sum())


def describe_factor(factor: float) -> str:
    """'11.8×/yr (−91.5%/yr, halves every 3.4 months)' for humans."""
    from llmflation.format import MINUS, percent

    if factor <= 0 or not math.isfinite(factor):
        return "n/a"
    if fmt_factor(factor) == "1×":
        return "flat"
    pct = 1.0 - 1.0 / factor
    if factor > 1.0:
        months = 12.0 * math.log(2.0) / math.log(factor)
        halves = f"halves every {months:.1f} months" if months >= 0.1 else "halves in days"
        return f"{fmt_factor(factor)}/yr ({MINUS}{percent(pct)}/yr, {halves})"
    return f"{fmt_factor(factor)}/yr (price rising {percent(-pct)}/yr)"


def fmt_factor(f: float | None) -> str:
    """Human factor: 11.8×, 851×, 12,345×; a bound beyond ×1,000,000 (see ``llmflation.format.factor``)."""
    from llmflation.format import factor

    return factor(f)


def fmt_price(v: Decimal | float | None, floor: Decimal | None = None) -> str:
    """Human USD per 1M tokens: $37.50, $0.175, $0.000271 (``llmflation.format.money``); below ``floor`` a bound."""
    from llmflation.format import money

    return money(v, floor=floor)
