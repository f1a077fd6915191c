"""Every method on one ledger and one window, in one table.

    threshold  Epoch AI's method (llmflation.trends): the cheapest offer at or above a benchmark threshold, fitted
               log-linearly on its record lows. Measures the floor at fixed capability; rests on few points.
    hedonic    llmflation.index.hedonic: all offers, quality-adjusted, chained. Measures the typical offer.
    tiers      price-tier decline: offers grouped by their launch price band (economy / mid / flagship, USD per 1M
               tokens blended); within each band, OLS of ln(launch price) on launch date and capability score (so the
               time slope is a decline at fixed score); half-life = ln 2 / decline rate.
    frontier   the price of the most capable model on sale each month (its cheapest offer), fitted on time.
    average    the geometric mean price of every offer each month, fitted on time: no quality adjustment (a
               reference that mixes price and mix changes).
    break      a Chow-type structural-break search on ln(hedonic index): the month that best splits the trend in
               two, its F statistic and a residual-bootstrap p-value for the search (sup-F), and the annual factor
               before and after.

Every fitted factor follows the trends convention: the price divides by `factor` each year (> 1 = falling).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from llmflation.charts.labels import benchmark as bench_label
from llmflation.errors import InputError, LlmflationError
from llmflation.index.hedonic import HedonicIndex, HedonicOptions, NoIndexError, hedonic_index
from llmflation.index.panel import Panel, build_panel

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger

METHODS = ("hedonic", "threshold", "tiers", "frontier", "average", "break")
DEFAULT_TIER_BOUNDS = (Decimal(1), Decimal(10))
TIER_NAMES = ("economy", "mid", "flagship")


def finite(x: float | None) -> float | None:
    """JSON has no infinity: an overflowing factor (a fit too steep to annualise) reads as null."""
    return x if x is None or math.isfinite(x) else None


@dataclass(frozen=True, slots=True)
class MethodRow:
    method: str
    measures: str
    factor_per_year: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    n_unit: str
    start: date | None
    end: date | None
    interval: str  # how the interval was computed
    notes: tuple[str, ...] = ()
    gap_reason: str | None = None  # why there is no factor

    @property
    def half_life_years(self) -> float | None:
        f = self.factor_per_year
        return math.log(2.0) / math.log(f) if f is not None and f > 1.0 else None

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "measures": self.measures, "factor_per_year": finite(self.factor_per_year),
                "ci_low": finite(self.ci_low), "ci_high": finite(self.ci_high),
                "half_life_years": finite(self.half_life_years),
                "n": self.n, "n_unit": self.n_unit, "start": self.start, "end": self.end,
                "interval": self.interval, "notes": list(self.notes), "gap_reason": self.gap_reason}


@dataclass(frozen=True, slots=True)
class BreakTest:
    month: date | None
    f_stat: float | None
    p_value: float | None  # residual-bootstrap p-value of the sup-F search
    before_factor: float | None
    after_factor: float | None
    n: int
    replicates: int
    note: str

    def as_dict(self) -> dict[str, Any]:
        return {"month": self.month, "f_stat": self.f_stat, "p_value": self.p_value,
                "before_factor_per_year": self.before_factor, "after_factor_per_year": self.after_factor,
                "n": self.n, "replicates": self.replicates, "note": self.note}


@dataclass(frozen=True, slots=True)
class Comparison:
    start: date
    end: date
    options: dict[str, Any]
    rows: tuple[MethodRow, ...]
    hedonic: HedonicIndex | None
    breaks: BreakTest | None
    series: dict[str, list[tuple[date, float]]] = field(default_factory=dict)  # for charts: log-comparable levels
    panel: Panel | None = field(default=None, compare=False, repr=False)  # the offers every method read

    def as_dict(self) -> dict[str, Any]:
        return {"window": {"start": self.start, "end": self.end}, "options": self.options,
                "methods": [r.as_dict() for r in self.rows],
                "hedonic": self.hedonic.as_dict() if self.hedonic else None,
                "break": self.breaks.as_dict() if self.breaks else None,
                "series": {k: [{"month": d, "index": v} for d, v in pts] for k, pts in self.series.items()}}


def _fit_row(method: str, measures: str, pts: Sequence[tuple[date, Any]], n_unit: str,
             level: float, seed: int, notes: tuple[str, ...] = ()) -> MethodRow:
    from llmflation.trends.fit import fit_decline

    try:
        fit = fit_decline(pts, level=level, bootstrap=0, seed=seed)
    except LlmflationError as exc:
        return MethodRow(method, measures, None, None, None, len(pts), n_unit, pts[0][0] if pts else None,
                         pts[-1][0] if pts else None, "none", notes, str(exc))
    return MethodRow(method, measures, fit.factor_per_year, fit.ci_low, fit.ci_high, fit.n, n_unit, fit.start,
                     fit.end, f"{level:.0%} t-interval on the OLS slope", notes)


def threshold_row(ledger: Ledger, start: date, end: date, *, benchmark: str = "mmlu", threshold: str = "gpt-4",
                  blend: tuple[int, int] = (3, 1), level: float = 0.9, seed: int = 0) -> MethodRow:
    from llmflation.trends.fit import fit_decline
    from llmflation.trends.series import cheapest_at_capability

    try:
        series = cheapest_at_capability(ledger, benchmark, threshold, blend=blend, start=start, end=end)
        fit = fit_decline([(p.date, p.price) for p in series.records], level=level, seed=seed)
    except LlmflationError as exc:
        return MethodRow("threshold", f"cheapest offer at {bench_label(benchmark)} ≥ {threshold}", None, None, None, 0,
                         "record lows", start, end, "none", (), str(exc))
    return MethodRow(
        "threshold", f"cheapest offer at {series.threshold.label}, record lows (Epoch AI)", fit.factor_per_year,
        fit.ci_low, fit.ci_high, fit.n, "record lows", fit.start, fit.end,
        f"{level:.0%} t-interval on the OLS slope", (f"rests on {fit.n} record lows; one data gap bends it",))


def tier_rows(panel: Panel, bounds: tuple[Decimal, Decimal] = DEFAULT_TIER_BOUNDS,
              level: float = 0.9) -> list[MethodRow]:
    """Launch prices within price bands, OLS of ln price on launch date and score; one row per band."""
    import numpy as np

    from llmflation.trends.fit import t_quantile

    lo_b, hi_b = bounds
    if not Decimal(0) < lo_b < hi_b:
        raise InputError(f"tiers {lo_b},{hi_b}: need 0 < economy bound < flagship bound (USD per 1M tokens)",
                         field="tiers")
    launch: dict[str, tuple[date, Decimal, float]] = {}
    for o in sorted(panel.offers, key=lambda o: (o.month, o.price)):
        if o.model not in launch:
            launch[o.model] = (o.month, o.price, o.covariates.get("score", 0.0))
    first_month = panel.months[0]
    # a model already on sale in the window's first month did not launch in the window
    launch = {m: v for m, v in launch.items() if v[0] > first_month}
    rows = []
    for name, test in zip(TIER_NAMES, (lambda p: p < lo_b, lambda p: lo_b <= p < hi_b, lambda p: p >= hi_b),
                          strict=True):
        band = {m: v for m, v in launch.items() if test(v[1])}
        label = {"economy": f"< ${lo_b}", "mid": f"${lo_b}–${hi_b}", "flagship": f"≥ ${hi_b}"}[name]
        measures = f"{name} tier ({label}/1M blended): launch prices at fixed score"
        n = len(band)
        if n < 5:
            rows.append(MethodRow(f"tiers:{name}", measures, None, None, None, n, "model launches", None, None,
                                  "none", (), f"only {n} launch(es) in the band; a fit with a score control needs 5"))
            continue
        t = np.array([(v[0] - first_month).days / 365.25 for v in band.values()])
        s = np.array([v[2] for v in band.values()])
        y = np.log(np.array([float(v[1]) for v in band.values()]))
        cols = [np.ones(n), t]
        notes: list[str] = []
        if np.ptp(s) > 1e-12:
            cols.append(s)
        else:
            notes.append("score constant in the band: dropped")
        X = np.column_stack(cols)
        if np.ptp(t) == 0:
            rows.append(MethodRow(f"tiers:{name}", measures, None, None, None, n, "model launches", None, None,
                                  "none", (), "every launch in the band is in one month"))
            continue
        coef, *_ = np.linalg.lstsq(X, y, rcond=None)
        resid = y - X @ coef
        dof = n - X.shape[1]
        s2 = float(resid @ resid) / dof
        se = math.sqrt(s2 * float(np.linalg.pinv(X.T @ X)[1, 1]))
        tq = t_quantile(0.5 + level / 2.0, dof)
        ss_tot = float(((y - y.mean()) ** 2).sum())
        r2 = 1.0 - float(resid @ resid) / ss_tot if ss_tot > 0 else 1.0
        notes.append(f"R² {r2:.2f}")
        b = float(coef[1])
        dates = sorted(v[0] for v in band.values())
        rows.append(MethodRow(f"tiers:{name}", measures, math.exp(-b), math.exp(-(b + tq * se)),
                              math.exp(-(b - tq * se)), n, "model launches", dates[0], dates[-1],
                              f"{level:.0%} t-interval on the time slope", tuple(notes)))
    return rows


def frontier_points(panel: Panel) -> list[tuple[date, Decimal, str]]:
    """Each month: the top-scoring model on sale (measured scores only) and its cheapest offer's price."""
    out = []
    for m in panel.months:
        live = [o for o in panel.in_month(m) if not o.score_imputed]
        if not live:
            continue
        top = max(o.covariates["score"] for o in live)
        best = min((o for o in live if o.covariates["score"] == top), key=lambda o: (o.price, o.model))
        out.append((m, best.price, best.model))
    return out


def frontier_row(panel: Panel, level: float = 0.9, seed: int = 0) -> MethodRow:
    pts = frontier_points(panel)
    changes = len({mdl for _, _, mdl in pts})
    return _fit_row("frontier", f"price of the top-{panel.score} model on sale (its cheapest offer), monthly",
                    [(d, p) for d, p, _ in pts], "months", level, seed,
                    (f"{changes} different frontier models; monthly points are autocorrelated, so the interval is "
                     "optimistic",))


def average_row(panel: Panel, level: float = 0.9, seed: int = 0) -> MethodRow:
    pts = average_points(panel)
    return _fit_row("average", "geometric mean price of every offer, monthly (no quality adjustment)", pts,
                    "months", level, seed, ("moves with the mix of offers on sale as much as with prices",))


def average_points(panel: Panel) -> list[tuple[date, float]]:
    out = []
    for m in panel.months:
        prices = [float(o.price) for o in panel.in_month(m)]
        if prices:
            out.append((m, math.exp(sum(math.log(p) for p in prices) / len(prices))))
    return out


def structural_break(index: HedonicIndex, *, min_side: int = 6, replicates: int = 499, seed: int = 0) -> BreakTest:
    """Search the month that best splits ln(index) into two linear trends (Chow F at each candidate)."""
    import numpy as np

    pts = [(m.month, math.log(m.level)) for m in index.usable if m.level]
    n = len(pts)
    if n < 2 * min_side:
        return BreakTest(None, None, None, None, None, n, 0,
                         f"only {n} usable months; a break search needs {2 * min_side} ({min_side} each side)")
    t = np.array([(d - pts[0][0]).days / 365.25 for d, _ in pts])
    y = np.array([v for _, v in pts])

    def ssr_line(tt: Any, yv: Any) -> Any:
        """Residual sum of squares of a straight-line fit of each row of yv on tt."""
        tc = tt - tt.mean()
        yc = yv - yv.mean(axis=1, keepdims=True)
        return (yc * yc).sum(axis=1) - (yc @ tc) ** 2 / (tc @ tc)

    def sup_f(yv: Any) -> tuple[Any, Any]:
        """(best F, best candidate position) for each row of yv (R × n)."""
        ssr_r = ssr_line(t, yv)
        best_f = np.full(yv.shape[0], -np.inf)
        best_k = np.zeros(yv.shape[0], dtype=int)
        for k in range(min_side, n - min_side + 1):
            ssr_u = ssr_line(t[:k], yv[:, :k]) + ssr_line(t[k:], yv[:, k:])
            f = ((ssr_r - ssr_u) / 2.0) / np.maximum(ssr_u / (n - 4), 1e-300)
            better = f > best_f
            best_f = np.where(better, f, best_f)
            best_k = np.where(better, k, best_k)
        return best_f, best_k

    f_obs, k_obs = sup_f(y[None, :])
    k = int(k_obs[0])
    X = np.column_stack([np.ones(n), t])
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    resid = y - X @ beta
    rng = np.random.default_rng(seed)
    boot = (X @ beta)[None, :] + rng.choice(resid, size=(replicates, n), replace=True)
    f_null, _ = sup_f(boot)
    p = float((1 + (f_null >= f_obs[0]).sum()) / (replicates + 1))
    before = -np.polyfit(t[:k], y[:k], 1)[0]
    after = -np.polyfit(t[k:], y[k:], 1)[0]
    return BreakTest(pts[k][0], float(f_obs[0]), p, math.exp(before), math.exp(after), n, replicates,
                     "break searched over every month with ≥ "
                     f"{min_side} months each side; p-value from a residual bootstrap of the sup-F search "
                     "(monthly index points are autocorrelated, so read it as indicative)")


def default_window(ledger: Ledger, start: date | None, end: date | None) -> tuple[date, date]:
    """Default: March 2023 (GPT-4's launch, the seed article's base) to the month of the ledger's last price
    event (a start or an end of a price, not after today): months after it would only repeat the last prices."""
    today = date.today()
    s = start or date(2023, 3, 1)
    if end is None:
        events = [d for p in ledger.all_prices() for d in (p.valid_from, p.valid_to) if d is not None and d <= today]
        last = max(events, default=today)
        e = date(last.year, last.month, 1)
    else:
        e = end
    if s > e:
        raise InputError(f"the window starts {s} after it ends {e}; swap the start and end dates")
    return s, e


def compare(
    ledger: Ledger,
    *,
    methods: tuple[str, ...] = METHODS,
    start: date | None = None,
    end: date | None = None,
    score: str = "eci",
    impute: str = "crosswalk",
    hosts: str = "all",
    blend: tuple[int, int] = (3, 1),
    hedonic: HedonicOptions | None = None,
    benchmark: str = "mmlu",
    threshold: str = "gpt-4",
    tier_bounds: tuple[Decimal, Decimal] = DEFAULT_TIER_BOUNDS,
    panel: Panel | None = None,
) -> Comparison:
    """The chosen methods on one ledger and window; the options used are echoed in the result.

    `panel`: the offer panel already built for exactly this ledger, window, score, impute, hosts and blend
    (`overview` builds it once for two uses)."""
    bad = [m for m in methods if m not in METHODS]
    if bad:
        raise InputError(f"method {', '.join(bad)}: choose from {', '.join(METHODS)} or all", field="method")
    s, e = default_window(ledger, start, end)
    opts = hedonic or HedonicOptions()
    if panel is None:
        panel = build_panel(ledger, start=s, end=e, score=score, impute=impute, hosts=hosts, blend=blend)
    rows: list[MethodRow] = []
    hed: HedonicIndex | None = None
    series: dict[str, list[tuple[date, float]]] = {}
    hed_error = None
    if "hedonic" in methods or "break" in methods:
        try:
            hed = hedonic_index(panel, opts)
            series["hedonic"] = [(m.month, m.level) for m in hed.usable if m.level is not None]
        except NoIndexError as exc:  # the other methods still run; the row says why there is no index
            hed_error = str(exc)
    if "hedonic" in methods and hed_error is not None:
        rows.append(MethodRow("hedonic", "quality-adjusted price of every offer", None, None, None, len(panel.offers),
                              "offer-months", s, e, "none", (), hed_error))
    if "hedonic" in methods and hed is not None:
        rows.append(MethodRow(
            "hedonic", f"quality-adjusted price of every offer ({panel.score}, {', '.join(opts.covariates)})",
            hed.factor_per_year, hed.ci_low, hed.ci_high, hed.n_offers, "offer-months", hed.start, hed.end,
            f"{opts.level:.0%} bootstrap, {opts.bootstrap} resamples clustered by model (seed {opts.seed})",
            hed.notes))
    if "threshold" in methods:
        rows.append(threshold_row(ledger, s, e, benchmark=benchmark, threshold=threshold, blend=blend,
                                  level=opts.level, seed=opts.seed))
    if "tiers" in methods:
        rows.extend(tier_rows(panel, tier_bounds, opts.level))
    if "frontier" in methods:
        rows.append(frontier_row(panel, opts.level, opts.seed))
        pts = frontier_points(panel)
        if pts:
            series["frontier"] = [(d, float(p / pts[0][1])) for d, p, _ in pts]
    if "average" in methods:
        rows.append(average_row(panel, opts.level, opts.seed))
        avg = average_points(panel)
        if avg:
            series["average"] = [(d, v / avg[0][1]) for d, v in avg]
    brk = structural_break(hed, seed=opts.seed) if "break" in methods and hed is not None else None
    options = {"score": panel.score, "impute": impute, "hosts": hosts, "blend": f"{blend[0]}:{blend[1]}",
               "window_months": opts.window, "covariates": list(opts.covariates), "min_offers": opts.min_offers,
               "level": opts.level, "bootstrap": opts.bootstrap, "seed": opts.seed,
               "threshold": f"{benchmark} ≥ {threshold}", "tiers_usd_per_mtok": [str(b) for b in tier_bounds],
               "methods": list(methods)}
    return Comparison(s, e, options, tuple(rows), hed, brk, series, panel)
