"""A workload's bill month by month, across the ledger's history and into the future, under scenarios.

Each month is billed at the prices in effect on its first day. A `Scenario` says how the workload changes:

* `monthly_growth`: tasks per month grow by this fraction each month, compounding (default: the workload's own);
* `reasoning_share_from` → `reasoning_share_to`: the share of calls that reason rises linearly over the timeline
  (a reasoning call carries the workload's reasoning tokens, or `reasoning_multiplier` × output tokens when the
  workload has none); leave both None to keep the workload as written;
* `policy`: `fixed` keeps the workload's own model mix (`models` in the spec; without one, the cheapest capable
  offer of the first month is kept), `cheapest` switches every month to the cheapest offer meeting the floor.

Months after `anchor` (default: today) are projected: the offers in effect at the anchor are billed and multiplied
by a `Projection` factor. Two projections ship: `FlatPrices` (prices held where they are) and
`AnnualDecline(rate)` (every price falls by `rate` a year, e.g. 0.5 = halves yearly: factor (1 − rate)^(months/12)).
A forecast from `llmflation.trends` can be plugged in later by any object with the same `factor(model, provider,
months_ahead)` method. Projected figures are estimates (fractional powers are rounded at 60 digits) and flagged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from typing import TYPE_CHECKING, Literal, Protocol

from llmflation.errors import InputError, NameNotInEffectError, NoPriceError
from llmflation.ledger.records import STANDARD_TIER, Price
from llmflation.money import MTOK
from llmflation.workload.bill import (
    PRECISION,
    OfferBill,
    best_scores,
    bill_offer,
    margin_of,
    rank_offers,
    unit_price,
)
from llmflation.workload.decompose import Decomposition, SegmentChange, decompose
from llmflation.workload.fastbill import LazyBills
from llmflation.workload.spec import Workload

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger

Policy = Literal["fixed", "cheapest"]
ZERO = Decimal(0)


class Projection(Protocol):
    """Price multiplier for an offer `months_ahead` months after the anchor date (1 = unchanged)."""

    @property
    def name(self) -> str: ...

    def factor(self, model: str, provider: str, months_ahead: int) -> Decimal: ...


@dataclass(frozen=True)
class FlatPrices:
    """Hold every price where it is at the anchor date."""

    name: str = "flat"

    def factor(self, model: str, provider: str, months_ahead: int) -> Decimal:
        return Decimal(1)


@dataclass(frozen=True)
class AnnualDecline:
    """Every price falls by `rate` per year (0.5 = halves each year), compounding monthly."""

    rate: Decimal
    name: str = "annual-decline"

    def __post_init__(self) -> None:
        if not (0 <= self.rate < 1):
            raise InputError(f"annual decline: must be at least 0 and below 1 (got {self.rate}); 0.5 = prices "
                             "halve every year")

    def factor(self, model: str, provider: str, months_ahead: int) -> Decimal:
        if months_ahead <= 0 or self.rate == 0:
            return Decimal(1)
        with localcontext() as ctx:
            ctx.prec = PRECISION
            return (1 - self.rate) ** (Decimal(months_ahead) / 12)


@dataclass(frozen=True)
class Scenario:
    name: str = "as written"
    policy: Policy = "cheapest"
    monthly_growth: Decimal | None = None
    reasoning_share_from: Decimal | None = None
    reasoning_share_to: Decimal | None = None
    reasoning_multiplier: Decimal | None = None

    def __post_init__(self) -> None:
        if self.policy not in ("fixed", "cheapest"):
            raise InputError(f"policy: must be fixed or cheapest (got {self.policy!r})")
        if (self.reasoning_share_from is None) != (self.reasoning_share_to is None):
            raise InputError("reasoning_share: give both the starting and the final share (e.g. 0.1:0.6)")
        for label, v in (("reasoning_share_from", self.reasoning_share_from),
                         ("reasoning_share_to", self.reasoning_share_to)):
            if v is not None and not (0 <= v <= 1):
                raise InputError(f"{label}: must be between 0 and 1 (got {v})")
        if self.monthly_growth is not None and not (-1 < self.monthly_growth <= 10):
            raise InputError(f"monthly_growth: must be above -1 and at most 10 (got {self.monthly_growth})")


@dataclass(frozen=True, slots=True)
class OfferShare:
    share: Decimal
    model: str
    provider: str
    monthly_usd: Decimal
    tokens_per_month: Decimal


@dataclass(frozen=True, slots=True)
class MonthPoint:
    month: date
    scenario: str
    policy: str
    projected: bool
    tasks_per_month: Decimal
    tokens_per_month: Decimal
    reasoning_tokens_per_call: Decimal
    monthly_usd: Decimal | None  # None when no offer qualifies that month
    per_task_usd: Decimal | None
    usd_per_mtok: Decimal | None  # effective unit price over all tokens
    gross_margin: Decimal | None
    offers: tuple[OfferShare, ...] = ()
    warnings: tuple[str, ...] = ()  # codes of the fallbacks applied (see workload.bill)
    note: str = ""


@dataclass(frozen=True)
class Timeline:
    scenario: Scenario
    projection: str
    anchor: date
    points: list[MonthPoint] = field(default_factory=list)

    def billed(self) -> list[MonthPoint]:
        return [p for p in self.points if p.monthly_usd is not None]


def months(start: date, end: date) -> list[date]:
    """First days of every month from start's month to end's month, inclusive."""
    if end < start:
        raise InputError(f"the end {end} is before the start {start}")
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month)


def workload_at(workload: Workload, scenario: Scenario, k: int, n: int, grown: int | None = None) -> Workload:
    """The workload in month k of n (k = 0 is the first month) under the scenario.

    `grown` is the number of months of growth to apply to tasks_per_month (default k; negative before the month
    the workload describes)."""
    growth = workload.monthly_growth if scenario.monthly_growth is None else scenario.monthly_growth
    steps = k if grown is None else grown
    changes: dict[str, object] = {}
    with localcontext() as ctx:
        ctx.prec = PRECISION
        if growth and steps:
            changes["tasks_per_month"] = workload.tasks_per_month * (1 + growth) ** steps
        if scenario.reasoning_share_from is not None and scenario.reasoning_share_to is not None:
            frac = Decimal(k) / Decimal(n - 1) if n > 1 else Decimal(1)
            share = scenario.reasoning_share_from + (scenario.reasoning_share_to - scenario.reasoning_share_from) * frac
            per_reasoning_call = workload.reasoning_per_call
            if per_reasoning_call == 0:
                if scenario.reasoning_multiplier is None:
                    raise InputError("reasoning_multiplier: the workload has no reasoning tokens; give the "
                                     "multiplier on output tokens that a reasoning call uses (e.g. 10)")
                per_reasoning_call = scenario.reasoning_multiplier * workload.output_tokens
            changes["reasoning_tokens"] = share * per_reasoning_call
            changes["reasoning_multiplier"] = None
    if not changes:
        return workload
    # growth can push tasks past the spec's sanity limit over a long horizon; that is the scenario's doing
    return workload.with_values(**changes)


def _point(month: date, scenario: Scenario, projected: bool, w: Workload,
           parts: Sequence[tuple[Decimal, OfferBill, Decimal]], note: str = "") -> MonthPoint:
    """parts: (share of calls, bill of the whole workload on that offer, projection factor)."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        shares = tuple(OfferShare(s, b.model, b.provider, s * b.monthly_usd * f, s * b.tokens_per_month)
                       for s, b, f in parts)
        if not shares:
            return MonthPoint(month, scenario.name, scenario.policy, projected, w.tasks_per_month,
                              w.tokens_per_month, w.reasoning_per_call, None, None, None, None, (), (), note)
        monthly = sum((o.monthly_usd for o in shares), ZERO)
        per_task = sum((s * b.per_task_usd * f for s, b, f in parts), ZERO)
        tokens = w.tokens_per_month
        unit = unit_price(monthly, tokens)
        margin = margin_of(w, per_task)
        codes = tuple(sorted({wn.code for _, b, _ in parts for wn in b.warnings}))
    return MonthPoint(month, scenario.name, scenario.policy, projected, w.tasks_per_month, tokens,
                      w.reasoning_per_call, monthly, per_task, unit, margin.gross_margin if margin else None,
                      shares, codes, note)


def monthly_bills(ledger: Ledger, workload: Workload, start: date, end: date, scenario: Scenario | None = None,
                  projection: Projection | None = None, anchor: date | None = None,
                  tier: str = STANDARD_TIER, progress: Callable[[int, int], None] | None = None,
                  base: date | None = None) -> Timeline:
    """The workload's bill on the first day of every month from `start` to `end` under a scenario.

    Months after `anchor` (default today) use the offers in effect at the anchor times `projection.factor`
    (default FlatPrices). Under the `fixed` policy a month where a listed model has no price is left unbilled
    (monthly_usd None) with a note; under `cheapest` a month with no capable offer likewise.
    The workload's `tasks_per_month` is the volume of the `base` month (default: the anchor's month); with
    monthly growth g, month m has tasks_per_month × (1 + g)^(m − base) tasks, fewer before the base month.
    `progress(done, total)` is called after each month.
    """
    scenario = scenario or Scenario()
    proj: Projection = projection if projection is not None else FlatPrices()
    anchor = anchor or date.today()
    grid = months(start, end)
    base_month = base or anchor
    scores = best_scores(ledger, workload.floor.benchmark) if workload.floor else None
    fixed_choice: list[tuple[Decimal, str, str | None]] | None = None
    if scenario.policy == "fixed" and workload.models:
        ledger.resolve(workload.models[0].model)  # an unknown name fails here, with did-you-mean
        # names, not ids: a moving name (gpt-4o, deepseek-chat) is billed as what it meant in each month
        fixed_choice = [(m.share, m.model, m.provider) for m in workload.models]
    points: list[MonthPoint] = []
    for k, month in enumerate(grid):
        if progress is not None and k:
            progress(k, len(grid))
        w = workload_at(workload, scenario, k, len(grid), _months_between(base_month, month))
        projected = month > anchor
        at = anchor if projected else month
        ahead = _months_between(anchor, month) if projected else 0
        if scenario.policy == "cheapest" or fixed_choice is None:
            ranking = rank_offers(ledger, w, at, tier=tier, scores=scores)
            offers = ranking.offers
            if not offers:
                points.append(_point(month, scenario, projected, w, [], "no offer meets the floor"))
                continue
            if projected and not isinstance(proj, FlatPrices):  # re-rank on exact totals, itemise only the best
                best = _cheapest_projected(offers, proj, ahead)
            else:
                best = offers[0]
            if scenario.policy == "fixed":  # no mix in the spec: hold the first month's cheapest offer
                fixed_choice = [(Decimal(1), best.model, best.provider)]
            parts = [(Decimal(1), best, proj.factor(best.model, best.provider, ahead))]
            points.append(_point(month, scenario, projected, w, parts))
            continue
        parts2: list[tuple[Decimal, OfferBill, Decimal]] = []
        missing = []
        for share, model_id, provider in fixed_choice:
            try:
                prices = ledger.price(model_id, at=at, provider=provider, tier=tier)
            except (NoPriceError, NameNotInEffectError):
                missing.append(model_id)
                continue
            bills = sorted((bill_offer(w, p, at, off_peak=ledger.off_peak_row(p.model, p.provider, at))
                            for p in prices), key=lambda b: b.monthly_usd)
            parts2.append((share, bills[0], proj.factor(bills[0].model, bills[0].provider, ahead)))
        if missing:
            points.append(_point(month, scenario, projected, w, [], f"no price in effect for {', '.join(missing)}"))
        else:
            points.append(_point(month, scenario, projected, w, parts2))
    if progress is not None:
        progress(len(grid), len(grid))
    return Timeline(scenario=scenario, projection=proj.name, anchor=anchor, points=points)


def _cheapest_projected(offers: Sequence[OfferBill], proj: Projection, ahead: int) -> OfferBill:
    """The offer cheapest after each one's projected price factor (first on ties, in ranking order); with a packed
    ranking only that offer is itemised."""
    def usd(i: int) -> Decimal:
        if isinstance(offers, LazyBills):
            p = offers.price(i)
            return offers.total(i) * proj.factor(p.model, p.provider, ahead)
        b = offers[i]
        return b.monthly_usd * proj.factor(b.model, b.provider, ahead)

    return offers[min(range(len(offers)), key=usd)]


def segments_of(point: MonthPoint, by: Literal["model", "offer"] = "model") -> dict[str, tuple[Decimal, Decimal]]:
    """A month's (tokens, spend) per model (or per model@provider offer), for the decomposition."""
    out: dict[str, tuple[Decimal, Decimal]] = {}
    for o in point.offers:
        key = o.model if by == "model" else f"{o.model}@{o.provider}"
        tok, usd = out.get(key, (ZERO, ZERO))
        out[key] = (tok + o.tokens_per_month, usd + o.monthly_usd)
    return out


def decompose_points(before: MonthPoint, after: MonthPoint,
                     by: Literal["model", "offer"] = "model") -> Decomposition:
    """LMDI-I of the change in monthly spend between two billed months: activity = tokens (all kinds), segments =
    models, intensity = each model's effective $ per token under the workload's token profile."""
    if before.monthly_usd is None or after.monthly_usd is None:
        raise InputError("both months need a bill to decompose the change (one has no offer in effect)")
    a, b = segments_of(before, by), segments_of(after, by)
    segs = [SegmentChange(k, a.get(k, (ZERO, ZERO))[0] / MTOK, a.get(k, (ZERO, ZERO))[1],
                          b.get(k, (ZERO, ZERO))[0] / MTOK, b.get(k, (ZERO, ZERO))[1])
            for k in sorted(set(a) | set(b))]
    return decompose(segs)


def point_for(ledger: Ledger, workload: Workload, at: date, policy: Policy | None = None,
              tier: str = STANDARD_TIER) -> MonthPoint:
    """One workload billed at one date: its own mix when it lists models (policy fixed), else the cheapest
    capable offer. Used by `llmflation jevons BEFORE.toml AFTER.toml`."""
    chosen: Policy = policy or ("fixed" if workload.models else "cheapest")
    return _single(ledger, workload, at, Scenario(name=workload.name, policy=chosen), tier).points[0]


def _single(ledger: Ledger, workload: Workload, at: date, scenario: Scenario, tier: str) -> Timeline:
    fixed = scenario.policy == "fixed" and bool(workload.models)
    if not fixed:
        ranking = rank_offers(ledger, workload, at, tier=tier)
        parts = [(Decimal(1), ranking.offers[0], Decimal(1))] if ranking.offers else []
        note = "" if parts else "no offer meets the floor"
        return Timeline(scenario, "flat", at, [_point(at, scenario, False, workload, parts, note)])
    parts2: list[tuple[Decimal, OfferBill, Decimal]] = []
    for m in workload.models:
        prices: list[Price] = ledger.price(m.model, at=at, provider=m.provider, tier=tier)
        bills = sorted((bill_offer(workload, p, at, off_peak=ledger.off_peak_row(p.model, p.provider, at))
                        for p in prices), key=lambda b: b.monthly_usd)
        parts2.append((m.share, bills[0], Decimal(1)))
    return Timeline(scenario, "flat", at, [_point(at, scenario, False, workload, parts2)])


@dataclass(frozen=True)
class TrendForecast:
    """Future prices follow the trends forecast: they fall at the fitted yearly decline of the cheapest price at the
    workload's capability floor (Epoch's method, `llmflation.trends.fit`), compounding monthly from the anchor."""

    factor_per_year: float
    ci_low: float
    ci_high: float
    n: int
    basis: str

    @property
    def name(self) -> str:
        return (f"trend-forecast ({self.basis}: {self.factor_per_year:.3g}×/yr, 90% CI {self.ci_low:.3g}–"
                f"{self.ci_high:.3g}×, n={self.n})")

    def factor(self, model: str, provider: str, months_ahead: int) -> Decimal:
        if months_ahead <= 0:
            return Decimal(1)
        with localcontext() as ctx:
            ctx.prec = PRECISION
            return Decimal(repr(self.factor_per_year)) ** (Decimal(-months_ahead) / 12)


def trend_forecast(ledger: Ledger, workload: Workload, *, until: date | None = None) -> TrendForecast:
    """Fit the decline of the cheapest price at the workload's floor (records up to `until`) for projections.

    Needs a capability floor (the decline is measured at fixed capability); raises InputError without one and
    InsufficientDataError when fewer than 3 record lows exist.
    """
    from llmflation.trends.fit import fit_decline
    from llmflation.trends.series import cheapest_at_capability

    if workload.floor is None:
        raise InputError("floor: a trend forecast measures the decline at fixed capability; give the workload a "
                         "[floor] (benchmark and min), or give an annual decline instead")
    series = cheapest_at_capability(ledger, workload.floor.benchmark, workload.floor.min, end=until)
    fit = fit_decline([(p.date, p.price) for p in series.records], bootstrap=0)
    return TrendForecast(fit.factor_per_year, fit.ci_low, fit.ci_high, fit.n,
                         f"{workload.floor.benchmark} ≥ {workload.floor.min}")
