"""Time-dummy hedonic price index over adjacent-period or rolling windows, chained.

For each month t with enough offers, OLS over the offers of the window's months (the last `window` usable
months ending at t):

    ln p_i = α + Σ_k β_k x_ik + Σ_s δ_s D_s + ε_i        (D_s: month dummies, the window's first month is the base)

The link from the previous usable month to t is δ_t − δ_{t−1} (for `window` = 2, the adjacent-period
regression, simply δ_t; for longer windows the movement splice of a rolling-window index), so the
characteristic prices β may drift from window to window. Links are chained into an index (first usable month
= 1) with Kennedy's bias correction of the back-transform: link = exp(d̂ − ½·Var(d̂)).

The annual rate is the OLS trend of ln(index) on time in years: `factor_per_year = exp(−slope)` (price divides
by this each year, > 1 means falling). Its interval is a percentile bootstrap clustered by model: models are
resampled with all their offers in every month, every window is re-fitted and the chain rebuilt (vectorised:
the resample is a weight per observation, so each replicate is a weighted least-squares solve).

Bad input: a month with fewer than `min_offers` offers is a gap with its reason (the chain links the next
usable month to the last one, never interpolating the gap); a covariate that is constant within a window is
dropped from that window with a note; a window whose design is still rank-deficient drops covariates from the
end of the list until it is not, with a note.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from llmflation.charts.labels import benchmark as bench_label
from llmflation.errors import InputError
from llmflation.index.panel import COVARIATES, Panel

MIN_OFFERS = 8


class NoIndexError(InputError):
    """Too few usable months (or offers) to build an index.

    `usable` months had at least `min_offers` scored offers. The message says the way out in neutral words: it
    becomes the `gap_reason` of the hedonic row, which the CLI, the report and the web API all show."""

    def __init__(self, message: str, *, usable: int, min_offers: int) -> None:
        self.usable = usable
        self.min_offers = min_offers
        super().__init__(message, field="min_offers")


@dataclass(frozen=True, slots=True)
class HedonicOptions:
    window: int = 2  # months per regression: 2 = adjacent period, > 2 = rolling window (movement splice)
    covariates: tuple[str, ...] = COVARIATES
    min_offers: int = MIN_OFFERS
    level: float = 0.90
    bootstrap: int = 200
    seed: int = 0

    def check(self) -> None:
        if self.window < 2:
            raise InputError(f"window {self.window}: needs at least 2 months (2 = adjacent period)", field="window")
        if self.min_offers < 3:
            raise InputError(f"min_offers {self.min_offers}: needs at least 3", field="min_offers")
        if not 0.0 < self.level < 1.0:
            raise InputError(f"level {self.level}: must be between 0 and 1 (e.g. 0.9)", field="level")
        if self.bootstrap < 0:
            raise InputError("bootstrap must be 0 or more", field="bootstrap")


@dataclass(frozen=True, slots=True)
class IndexMonth:
    month: date
    offers: int
    level: float | None  # None = gap
    link: float | None  # bias-corrected link from the previous usable month
    link_se: float | None  # standard error of the log link
    gap_reason: str | None = None
    dropped: tuple[str, ...] = ()  # covariates dropped from this month's window (constant or collinear)
    betas: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HedonicIndex:
    months: tuple[IndexMonth, ...]
    options: HedonicOptions
    factor_per_year: float | None  # from the OLS trend of ln(index)
    ci_low: float | None
    ci_high: float | None
    endpoint_factor_per_year: float | None  # (I_first / I_last) ** (1 / years)
    n_offers: int  # offer-months used
    n_models: int
    start: date | None
    end: date | None
    bootstrap_used: int
    notes: tuple[str, ...]

    @property
    def usable(self) -> list[IndexMonth]:
        return [m for m in self.months if m.level is not None]

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": "hedonic time-dummy, chained",
            "options": {"window": self.options.window, "covariates": list(self.options.covariates),
                        "min_offers": self.options.min_offers, "level": self.options.level,
                        "bootstrap": self.options.bootstrap, "seed": self.options.seed},
            "factor_per_year": self.factor_per_year, "ci_low": self.ci_low, "ci_high": self.ci_high,
            "endpoint_factor_per_year": self.endpoint_factor_per_year, "n_offers": self.n_offers,
            "n_models": self.n_models, "start": self.start, "end": self.end,
            "bootstrap_used": self.bootstrap_used, "notes": list(self.notes),
            "months": [{"month": m.month, "offers": m.offers, "index": m.level, "link": m.link,
                        "link_se": m.link_se, "gap_reason": m.gap_reason, "dropped": list(m.dropped),
                        "betas": m.betas} for m in self.months],
        }


def hedonic_index(panel: Panel, options: HedonicOptions | None = None) -> HedonicIndex:
    """The chained hedonic index of a panel, with the annual rate and its clustered bootstrap interval."""
    import numpy as np

    opts = options or HedonicOptions()
    opts.check()
    covs = [c for c in opts.covariates if panel.offers and c in panel.offers[0].covariates]
    unknown = [c for c in opts.covariates if c not in COVARIATES and not (panel.offers and
                                                                         c in panel.offers[0].covariates)]
    if unknown:
        raise InputError(f"covariates {', '.join(unknown)}: choose from {', '.join(COVARIATES)}", field="covariates")
    month_pos = {m: i for i, m in enumerate(panel.months)}
    counts = [0] * len(panel.months)
    for o in panel.offers:
        counts[month_pos[o.month]] += 1
    usable = [i for i, c in enumerate(counts) if c >= opts.min_offers]
    gaps: dict[int, str] = {}
    for i, c in enumerate(counts):
        if c == 0:
            gaps[i] = "no scored offers in effect on the 1st"
        elif c < opts.min_offers:
            gaps[i] = f"only {c} scored offer(s), fewer than the minimum of {opts.min_offers}"
    if len(usable) < 2:
        fixes = ", or impute missing scores (crosswalk)" if panel.impute == "drop" else ""
        raise NoIndexError(
            f"Only {len(usable)} month(s) have at least {opts.min_offers} scored offers; an index needs two: widen "
            f"the window, lower the minimum of scored offers per month{fixes}.",
            usable=len(usable), min_offers=opts.min_offers)
    obs = [o for o in panel.offers if counts[month_pos[o.month]] >= opts.min_offers]
    y = np.log(np.array([float(o.price) for o in obs]))
    xcov = np.array([[o.covariates[c] for c in covs] for o in obs], dtype=float).reshape(len(obs), len(covs))
    mpos = np.array([month_pos[o.month] for o in obs])
    models = sorted({o.model for o in obs})
    cluster_of = {m: k for k, m in enumerate(models)}
    cluster = np.array([cluster_of[o.model] for o in obs])

    rng = np.random.default_rng(opts.seed)
    B = opts.bootstrap
    weights = (rng.multinomial(len(models), [1.0 / len(models)] * len(models), size=B)[:, cluster].astype(float)
               if B > 0 else np.zeros((0, len(obs))))

    links: dict[int, tuple[float, float, tuple[str, ...], dict[str, float]]] = {}
    boot_links: dict[int, Any] = {}
    notes: list[str] = []
    for j in range(1, len(usable)):
        win = usable[max(0, j - opts.window + 1): j + 1]
        rows = np.isin(mpos, win)
        Xc = xcov[rows]
        dummies = np.stack([(mpos[rows] == w).astype(float) for w in win[1:]], axis=1)
        keep, dropped = _usable_columns(Xc, covs, dummies)
        X = np.column_stack([np.ones(rows.sum()), Xc[:, keep], dummies])
        yy = y[rows]
        coef, cov = _ols(X, yy)
        # link from the previous usable month to the last: δ_last − δ_prev (δ of the base month is 0)
        contrast = np.zeros(X.shape[1])
        contrast[-1] = 1.0
        if len(win) > 2:
            contrast[-2] = -1.0
        d = float(contrast @ coef)
        var = float(contrast @ cov @ contrast)
        betas = {covs[k]: float(coef[1 + n]) for n, k in enumerate(keep)}
        links[usable[j]] = (d, var, tuple(dropped), betas)
        if B > 0:
            boot_links[usable[j]] = _boot_links(X, yy, weights[:, rows], contrast)
    dropped_any = sorted({name for _, _, dr, _ in links.values() for name in dr})
    for name in dropped_any:
        where = [panel.months[i].isoformat()[:7] for i, v in links.items() if name in v[2]]
        notes.append(f"{name} dropped in {len(where)} window(s) ({where[0]}…{where[-1]}): constant or collinear "
                     "there, so its price cannot be estimated")

    # chain with the bias-corrected back-transform
    months_out: list[IndexMonth] = []
    level = 1.0
    log_levels: list[float] = []
    times: list[float] = []
    first = usable[0]
    for i, m in enumerate(panel.months):
        if i < first or (i not in links and i != first):
            months_out.append(IndexMonth(m, counts[i], None, None, None, gaps.get(i, "before the first usable "
                                                                                   "month")))
            continue
        if i == first:
            months_out.append(IndexMonth(m, counts[i], 1.0, None, None))
        else:
            d, var, drop_names, betas = links[i]
            link = math.exp(d - 0.5 * var)
            level *= link
            months_out.append(IndexMonth(m, counts[i], level, link, math.sqrt(max(var, 0.0)), None, drop_names,
                                         betas))
        log_levels.append(math.log(level))
        times.append((m - panel.months[first]).days / 365.25)

    t = np.array(times)
    slope = _slope(t, np.array(log_levels))
    factor = math.exp(-slope)
    lo = hi = None
    if B > 0:
        # the same back-transform correction as the point estimate, link by link
        corr = np.stack([boot_links[i] - 0.5 * links[i][1] for i in usable[1:]], axis=1)  # B × links
        boot_log = np.concatenate([np.zeros((B, 1)), np.cumsum(corr, axis=1)], axis=1)
        slopes = _slopes(t, boot_log)
        slopes = slopes[np.isfinite(slopes)]
        tail = (1.0 - opts.level) / 2.0 * 100.0
        if len(slopes):
            s_lo, s_hi = np.percentile(slopes, [tail, 100.0 - tail])
            lo, hi = math.exp(-float(s_hi)), math.exp(-float(s_lo))
    years = times[-1] - times[0]
    endpoint = math.exp(-log_levels[-1] / years) if years > 0 else None
    if counts and any(i in gaps for i in range(first, usable[-1])):
        inner = [panel.months[i].isoformat()[:7] for i in range(first, usable[-1]) if i in gaps]
        notes.append(f"{len(inner)} month(s) inside the window are gaps, linked over, not interpolated: "
                     + ", ".join(inner))
    span = (panel.months[usable[-1]].year - panel.months[first].year) * 12 + panel.months[usable[-1]].month \
        - panel.months[first].month
    if span < 12:
        notes.append(f"the index spans {span} month(s): the yearly rate extrapolates them and its interval is "
                     "wide or optimistic; widen the window for a rate that means a year")
    if panel.dropped_unscored_models:
        notes.append(f"{len(panel.dropped_unscored_models)} model(s) with offers but no usable "
                     f"{bench_label(panel.score)} "
                     f"score left out (missing-score rule: {panel.impute})")
    if panel.imputed_models:
        notes.append(f"{len(panel.imputed_models)} model(s) scored by crosswalk from another benchmark "
                     f"({_count_by(panel.imputed_models)})")
    if panel.context_filled:
        notes.append(f"{panel.context_filled} offer-month(s) without a context window took the month's median")
    return HedonicIndex(
        tuple(months_out), opts, factor, lo, hi, endpoint, len(obs), len(models),
        panel.months[first], panel.months[usable[-1]], B, tuple(notes),
    )


def _count_by(used: dict[str, str]) -> str:
    out: dict[str, int] = {}
    for b in used.values():
        out[b] = out.get(b, 0) + 1
    return ", ".join(f"{n} from {bench_label(b)}" for b, n in sorted(out.items()))


def _usable_columns(Xc: Any, names: Sequence[str], dummies: Any) -> tuple[list[int], list[str]]:
    """Covariate columns that vary in the window and keep the design full rank; the rest with their names."""
    import numpy as np

    keep = [k for k in range(Xc.shape[1]) if np.ptp(Xc[:, k]) > 1e-12]
    dropped = [names[k] for k in range(Xc.shape[1]) if k not in keep]
    while True:
        X = np.column_stack([np.ones(len(Xc)), Xc[:, keep], dummies])
        if np.linalg.matrix_rank(X) == X.shape[1] or not keep:
            break
        dropped.append(names[keep.pop()])
    return keep, dropped


def _ols(X: Any, y: Any) -> tuple[Any, Any]:
    import numpy as np

    xtx_inv = np.linalg.pinv(X.T @ X)
    coef = xtx_inv @ (X.T @ y)
    resid = y - X @ coef
    dof = max(len(y) - X.shape[1], 1)
    s2 = float(resid @ resid) / dof
    return coef, s2 * xtx_inv


def _boot_links(X: Any, y: Any, W: Any, c: Any) -> Any:
    """The link c·β̂ for every bootstrap weight vector (rows of W), by weighted least squares."""
    import numpy as np

    k = X.shape[1]
    outer = (X[:, :, None] * X[:, None, :]).reshape(len(X), k * k)  # one BLAS product instead of an einsum
    XtWX = (W @ outer).reshape(len(W), k, k)
    XtWy = W @ (X * y[:, None])
    # a replicate that left out every offer of a month, or made a covariate constant or collinear, is
    # degenerate: its design is (near) singular. Hadamard's ratio det / Π diag flags both cheaply.
    diag = np.einsum("bii->bi", XtWX)
    ok = (diag > 0).all(axis=1)
    sign, logdet = np.linalg.slogdet(np.where(ok[:, None, None], XtWX, np.eye(k)))
    with np.errstate(divide="ignore"):
        ok &= (sign > 0) & (logdet - np.log(np.where(diag > 0, diag, 1.0)).sum(axis=1) > -25.0)
    out = np.full(len(W), np.nan)
    if ok.any():
        coef = np.linalg.solve(XtWX[ok], XtWy[ok][..., None])[..., 0]
        out[ok] = coef @ c
    return out


def _slope(t: Any, v: Any) -> float:
    tm = t - t.mean()
    return float((tm * (v - v.mean())).sum() / (tm * tm).sum())


def _slopes(t: Any, V: Any) -> Any:
    """OLS slope of each row of V on t; rows with a NaN link give NaN."""
    tm = t - t.mean()
    return (V - V.mean(axis=1, keepdims=True)) @ tm / (tm @ tm)
