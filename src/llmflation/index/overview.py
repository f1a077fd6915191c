"""Everything `llmflation index --method all` shows, the report's index section and the dashboard's Index page
draw from: the method table, the watch items, and the words that explain why the methods disagree.

One function (`overview`) computes, one (`explain`) writes the paragraphs, one (`seed_check`) sets the seed
article's two claims (~10× a year; 4–10× a year through 2027) against each method's interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from llmflation.charts.labels import benchmark as bench_label
from llmflation.index.hedonic import HedonicOptions
from llmflation.index.methods import DEFAULT_TIER_BOUNDS, METHODS, Comparison, MethodRow, compare, default_window
from llmflation.index.watch import FrontierPremium, ReasoningDeflation, frontier_premium, reasoning_deflation

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger

WATCH = ("reasoning", "premium")
ALL = (*METHODS, *WATCH)
SEED_TEN = 10.0
SEED_RANGE = (4.0, 10.0)


@dataclass
class IndexOverview:
    comparison: Comparison
    reasoning: ReasoningDeflation | None
    premium: FrontierPremium | None
    explanation: list[str] = field(default_factory=list)
    seed: list[dict[str, Any]] = field(default_factory=list)

    def rows(self) -> list[MethodRow]:
        out = list(self.comparison.rows)
        if self.reasoning:
            out += [self.reasoning.reasoning_row, self.reasoning.chat_row]
        return out

    def as_dict(self) -> dict[str, Any]:
        d = self.comparison.as_dict()
        d["methods"] = [r.as_dict() for r in self.rows()]
        d["reasoning_deflation"] = self.reasoning.as_dict() if self.reasoning else None
        d["frontier_premium"] = self.premium.as_dict() if self.premium else None
        d["why_they_differ"] = self.explanation
        d["seed_claims"] = self.seed
        return d


def overview(
    ledger: Ledger, *, methods: tuple[str, ...] = ALL, start: date | None = None, end: date | None = None,
    score: str = "eci", impute: str = "crosswalk", hosts: str = "all", blend: tuple[int, int] = (3, 1),
    hedonic: HedonicOptions | None = None, benchmark: str = "mmlu", threshold: str = "gpt-4",
    tier_bounds: tuple[Decimal, Decimal] = DEFAULT_TIER_BOUNDS, reasoning_benchmark: str = "gpqa_diamond",
    reasoning_level: Decimal = Decimal(70), lag_months: int = 12,
) -> IndexOverview:
    from llmflation.index.panel import build_panel

    core = tuple(m for m in methods if m in METHODS)
    s, e = default_window(ledger, start, end)
    panel = build_panel(ledger, start=s, end=e, score=score, impute=impute, hosts=hosts, blend=blend)
    comp = compare(ledger, methods=core, start=s, end=e, score=score, impute=impute, hosts=hosts,
                   blend=blend, hedonic=hedonic, benchmark=benchmark, threshold=threshold, tier_bounds=tier_bounds,
                   panel=panel)
    level = (hedonic or HedonicOptions()).level
    rsn = prem = None
    if "reasoning" in methods:
        rsn = reasoning_deflation(ledger, comp.start, comp.end, benchmark=reasoning_benchmark,
                                  level=reasoning_level, conf=level)
    if "premium" in methods:
        prem = frontier_premium(panel, lag_months=lag_months, conf=level)
    comp.options.update({"reasoning_level": f"{reasoning_benchmark} ≥ {reasoning_level}",
                         "premium_lag_months": lag_months})
    ov = IndexOverview(comp, rsn, prem)
    ov.explanation = explain(ov)
    ov.seed = seed_check(ov)
    return ov


def _f(x: float | None) -> str:
    from llmflation.trends.fit import fmt_factor

    return fmt_factor(x)


def _row(ov: IndexOverview, method: str) -> MethodRow | None:
    return next((r for r in ov.rows() if r.method == method and r.factor_per_year is not None), None)


def explain(ov: IndexOverview) -> list[str]:
    """Plain-language paragraphs: what each method measures, and why their numbers differ on this ledger."""
    out: list[str] = []
    hed, thr, fr, avg = (_row(ov, m) for m in ("hedonic", "threshold", "frontier", "average"))
    if hed:
        out.append(
            f"The hedonic index follows every offer on sale ({hed.n:,} offer-months) and holds capability, reasoning, "
            f"open weights, context window and host fixed: the typical token got {_f(hed.factor_per_year)} cheaper a "
            f"year ({_f(hed.ci_low)}–{_f(hed.ci_high)}). Most offers keep their list price for months; the index "
            "falls when prices are cut and when new offers undercut old ones of the same quality."
        )
    if thr:
        out.append(
            f"The threshold method (Epoch AI, a16z) follows only the cheapest offer that reaches a fixed score and "
            f"fits its record lows: {_f(thr.factor_per_year)} a year ({_f(thr.ci_low)}–{_f(thr.ci_high)}) from "
            f"{thr.n} points. It measures the floor, not the typical price: each new cheapest model at the old "
            "level counts, expensive offers never do, and a handful of points make the interval wide."
        )
        if hed and thr.factor_per_year and hed.factor_per_year and thr.factor_per_year > hed.factor_per_year:
            out.append(
                "So the two are not in conflict: the floor at a fixed capability falls much faster than the "
                "quality-adjusted price of the whole market, because the cheapest new model at an old level is a "
                "small, distilled or open-weight model sold near cost, while most tokens on sale are not."
            )
    if fr and fr.factor_per_year:
        verb = "falls" if fr.factor_per_year > 1 else "rises"
        out.append(
            f"The frontier model's price {verb} {_f(max(fr.factor_per_year, 1 / fr.factor_per_year))} a year while "
            "the frontier's capability keeps rising: it tracks what the best model costs, not what a fixed "
            "capability costs, so it is the slowest-moving (or rising) series when labs price new flagships high."
        )
    if avg and avg.factor_per_year:
        if hed and hed.factor_per_year and avg.factor_per_year > hed.factor_per_year:
            why = ("here it falls faster than the hedonic index: the mix of offers on sale shifted toward cheap "
                   "ones (open-weight hosts, small models) faster than their quality fell, and the hedonic "
                   "regression holds those characteristics fixed")
        else:
            why = ("it mixes price cuts with the arrival of better, dearer models, so it understates the "
                   "quality-adjusted decline")
        out.append(f"The plain average price of every offer falls {_f(avg.factor_per_year)} a year; {why}.")
    tiers = [r for r in ov.rows() if r.method.startswith("tiers:") and r.factor_per_year]
    if tiers:
        parts = ", ".join(f"{r.method.split(':')[1]} {_f(r.factor_per_year)}"
                          + (f" (half-life {r.half_life_years:.2f} y)" if r.half_life_years else "")
                          for r in tiers)
        out.append(f"Within price tiers (launch prices at fixed score): {parts}. Tiers fall at different rates, "
                   "so an average over the market depends on which tier carries the weight.")
    br = ov.comparison.breaks
    if br and br.month and br.before_factor and br.after_factor:
        out.append(
            f"The hedonic index has its strongest break in {br.month:%B %Y} (F = {br.f_stat:.1f}, bootstrap "
            f"p ≈ {br.p_value:.3f}): {_f(br.before_factor)} a year before, {_f(br.after_factor)} after. A rate "
            "fitted across the break averages two regimes."
        )
    if ov.reasoning:
        r, c = ov.reasoning.reasoning_row, ov.reasoning.chat_row
        if r.factor_per_year and c.factor_per_year:
            out.append(
                f"Reasoning-token deflation: at {bench_label(ov.reasoning.benchmark)} ≥ {ov.reasoning.level}, "
                "the cheapest task "
                f"falls {_f(r.factor_per_year)} a year counting the tokens reasoning models burn (× "
                f"{ov.reasoning.multiplier[1]}, an estimate), against {_f(c.factor_per_year)} counting tokens "
                "alone. Reasoning models burn many more tokens per task, so a chat model that reaches the same "
                "score can be the cheaper way to buy it."
            )
    if ov.premium and ov.premium.median_to_10x is not None:
        p = ov.premium
        growth = (f"; the frontier's price over the floor {p.lag_months} months behind changes "
                  f"×{p.ratio_growth_per_year:.2f} a year" if p.ratio_growth_per_year else "")
        out.append(
            f"The frontier premium: after the frontier reaches a level, an offer at that level costs 10× less "
            f"within a median {p.median_to_10x:.0f} months ({p.censored_10x} level(s) not yet), 100× less within "
            + (f"{p.median_to_100x:.0f}" if p.median_to_100x is not None else "—")
            + f" months ({p.censored_100x} not yet){growth}."
        )
    return out


def seed_check(ov: IndexOverview) -> list[dict[str, Any]]:
    """Each method's rate against the seed's '~10× per year' and '4–10× per year through 2027'."""
    out = []
    for r in ov.rows():
        if r.factor_per_year is None or r.ci_low is None or r.ci_high is None:
            continue
        ten = "consistent" if r.ci_low <= SEED_TEN <= r.ci_high else (
            "faster" if r.ci_low > SEED_TEN else "slower")
        lo, hi = SEED_RANGE
        rng = "overlaps" if r.ci_low <= hi and r.ci_high >= lo else ("above" if r.ci_low > hi else "below")
        out.append({"method": r.method, "factor_per_year": r.factor_per_year, "ci_low": r.ci_low,
                    "ci_high": r.ci_high, "vs_10x": ten, "vs_4_to_10x": rng})
    return out
