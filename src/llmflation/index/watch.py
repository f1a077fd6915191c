"""The seed article's watch items for 2027, measured on the ledger.

Reasoning-token deflation — the cost of one task at a fixed reasoning-benchmark level, counting the tokens a
reasoning model burns. Each month: among models whose (measured) score on `benchmark` reaches `level`, the
cheapest cost of one task (cheapest offer per model) where a task is `input_tokens` in and `output_tokens` out
for a chat model, and `output_tokens × multiplier` out for a reasoning model (reasoning tokens bill as output).
The ledger has no per-model reasoning-token counts, so the multiplier is one range for every reasoning model:
10× to 50× ("An o3- or GPT-5-class model can burn 10x to 50x more tokens per query than a 2023 chat
completion", Trace Cohen, 'AI Inference Cost Reduction in 2026', Value Add VC blog, 2026-06-23; confidence:
estimated). The central case is the geometric middle, √(10·50) ≈ 22.4×. Beside it, the same floor counting
tokens alone (multiplier 1 for every model): the chat-token view. Both are fitted on time (monthly points) with
the trends decline fit, and the reasoning view is also given at the ends of the multiplier range.

The frontier premium — (a) for each new frontier level (the top measured score on sale, first month reached),
how many months until an offer at that level or above costs 10× and 100× less than the frontier did then
(censored when not yet); (b) each month, the frontier's price over the floor a year behind (the cheapest offer
reaching the frontier level of `lag_months` earlier): "the price of being 12–18 months ahead", with its trend.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from llmflation.charts.labels import benchmark as bench_label
from llmflation.errors import InputError
from llmflation.index.methods import MethodRow, _fit_row, frontier_points
from llmflation.index.panel import Panel, build_panel
from llmflation.trends.forecast import add_months

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger

MULTIPLIER_SOURCE = ("Trace Cohen, 'AI Inference Cost Reduction in 2026', Value Add VC blog, 2026-06-23: reasoning "
                     "models 'burn 10x to 50x more tokens per query than a 2023 chat completion' (estimated; no "
                     "per-model figures)")
MILLION = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class TaskPoint:
    month: date
    model: str
    provider: str
    reasoning: bool
    cost: Decimal  # USD per task, exact for the stated token counts and multiplier
    chat_model: str
    chat_cost: Decimal  # cheapest task cost counting tokens alone (multiplier 1)


@dataclass(frozen=True, slots=True)
class ReasoningDeflation:
    benchmark: str
    level: Decimal
    input_tokens: int
    output_tokens: int
    multiplier: tuple[Decimal, Decimal, Decimal]  # low, central, high
    points: tuple[TaskPoint, ...]
    reasoning_row: MethodRow  # central multiplier
    chat_row: MethodRow
    low_row: MethodRow
    high_row: MethodRow
    source: str = MULTIPLIER_SOURCE

    def as_dict(self) -> dict[str, Any]:
        return {"benchmark": self.benchmark, "level": self.level, "task": {
            "input_tokens": self.input_tokens, "output_tokens": self.output_tokens},
            "reasoning_multiplier": {"low": self.multiplier[0], "central": self.multiplier[1],
                                     "high": self.multiplier[2], "source": self.source,
                                     "confidence": "estimated"},
            "reasoning": self.reasoning_row.as_dict(), "chat_tokens": self.chat_row.as_dict(),
            "reasoning_at_low_multiplier": self.low_row.as_dict(),
            "reasoning_at_high_multiplier": self.high_row.as_dict(),
            "points": [{"month": p.month, "model": p.model, "provider": p.provider, "reasoning": p.reasoning,
                        "usd_per_task": p.cost, "chat_model": p.chat_model, "chat_usd_per_task": p.chat_cost}
                       for p in self.points]}


def _task_cost(inp: Decimal, out: Decimal, tin: int, tout: int, mult: Decimal) -> Decimal:
    return (inp * tin + out * tout * mult) / MILLION


def reasoning_deflation(
    ledger: Ledger, start: date, end: date, *, benchmark: str = "gpqa_diamond", level: Decimal = Decimal(70),
    input_tokens: int = 1000, output_tokens: int = 500,
    multiplier: tuple[Decimal, Decimal] = (Decimal(10), Decimal(50)), conf: float = 0.9,
) -> ReasoningDeflation:
    if input_tokens < 0 or output_tokens <= 0:
        raise InputError("a task needs output tokens > 0 and input tokens ≥ 0")
    lo, hi = multiplier
    if not Decimal(1) <= lo <= hi:
        raise InputError(f"reasoning multiplier {lo}:{hi}: need 1 ≤ LOW ≤ HIGH")
    central = Decimal(math.sqrt(float(lo * hi))).quantize(Decimal("0.1"))
    panel = build_panel(ledger, start=start, end=end, score=benchmark, impute="drop")
    mults = (lo, central, hi)
    series: dict[Decimal, list[tuple[date, Decimal]]] = {m: [] for m in (*mults, Decimal(1))}
    points: list[TaskPoint] = []
    for m in panel.months:
        live = [o for o in panel.in_month(m) if o.covariates["score"] >= float(level)]
        if not live:
            continue
        best: dict[Decimal, tuple[Decimal, Any]] = {}
        for mult in series:
            for o in live:
                r = o.covariates["reasoning"] > 0.5
                c = _task_cost(o.input, o.output, input_tokens, output_tokens, mult if r else Decimal(1))
                if mult not in best or (c, o.model) < (best[mult][0], best[mult][1].model):
                    best[mult] = (c, o)
            series[mult].append((m, best[mult][0]))
        cost, o = best[central]
        chat_cost, co = best[Decimal(1)]
        points.append(TaskPoint(m, o.model, o.provider, o.covariates["reasoning"] > 0.5, cost, co.model, chat_cost))
    label = f"{bench_label(benchmark)} ≥ {level}"
    note = (f"task = {input_tokens} in + {output_tokens} out; reasoning models × {central} output (estimated)",)
    rows = [
        _fit_row("reasoning-task", f"cheapest task at {label}, reasoning tokens × {mlt}", series[mlt],
                 "months", conf, 0, note)
        for mlt in (central, lo, hi)
    ]
    chat = _fit_row("chat-token", f"cheapest task at {label}, tokens alone (× 1)", series[Decimal(1)], "months",
                    conf, 0, (f"task = {input_tokens} in + {output_tokens} out for every model",))
    return ReasoningDeflation(benchmark, level, input_tokens, output_tokens, mults, tuple(points), rows[0], chat,
                              rows[1], rows[2])


@dataclass(frozen=True, slots=True)
class FrontierLevel:
    reached: date
    model: str
    score: float
    price: Decimal
    months_to_10x: int | None  # None = not yet (censored)
    months_to_100x: int | None
    observed_months: int  # months of data after the level was reached


@dataclass(frozen=True, slots=True)
class PremiumPoint:
    month: date
    frontier_model: str
    frontier_price: Decimal
    floor_model: str
    floor_price: Decimal
    ratio: float


@dataclass(frozen=True, slots=True)
class FrontierPremium:
    score: str
    lag_months: int
    levels: tuple[FrontierLevel, ...]
    median_to_10x: float | None
    range_to_10x: tuple[int, int] | None
    median_to_100x: float | None
    range_to_100x: tuple[int, int] | None
    censored_10x: int
    censored_100x: int
    ratio: tuple[PremiumPoint, ...]
    ratio_growth_per_year: float | None  # × per year the premium grows (< 1: shrinks)
    ratio_ci: tuple[float, float] | None
    ci_to_10x: tuple[float, float] | None = None  # bootstrap interval of the median, reached levels only
    ci_to_100x: tuple[float, float] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"score": self.score, "lag_months": self.lag_months,
                "months_to_10x": {"median": self.median_to_10x, "interval": self.ci_to_10x,
                                  "range": self.range_to_10x, "censored": self.censored_10x},
                "months_to_100x": {"median": self.median_to_100x, "interval": self.ci_to_100x,
                                   "range": self.range_to_100x, "censored": self.censored_100x},
                "levels": [{"reached": lv.reached, "model": lv.model, "score": lv.score, "usd_per_mtok": lv.price,
                            "months_to_10x": lv.months_to_10x, "months_to_100x": lv.months_to_100x,
                            "observed_months": lv.observed_months} for lv in self.levels],
                "ratio_growth_per_year": self.ratio_growth_per_year, "ratio_ci": self.ratio_ci,
                "ratio": [{"month": p.month, "frontier_model": p.frontier_model, "frontier_usd_per_mtok":
                           p.frontier_price, "floor_model": p.floor_model, "floor_usd_per_mtok": p.floor_price,
                           "ratio": p.ratio} for p in self.ratio]}


def _months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def frontier_premium(panel: Panel, *, lag_months: int = 12, conf: float = 0.9) -> FrontierPremium:
    if lag_months < 1:
        raise InputError("lag_months must be at least 1", field="lag_months")
    front = frontier_points(panel)
    measured = {m: [o for o in panel.in_month(m) if not o.score_imputed] for m in panel.months}
    score_of = {o.model: o.covariates["score"] for o in panel.offers if not o.score_imputed}
    last_month = panel.months[-1]
    levels: list[FrontierLevel] = []
    top = -math.inf
    for m, price, model in front:
        s = score_of[model]
        if s <= top:
            continue
        top = s
        hits: dict[int, int | None] = {10: None, 100: None}
        for later in panel.months:
            if later < m:
                continue
            cheapest = min((o.price for o in measured[later] if o.covariates["score"] >= s), default=None)
            for k in hits:
                if hits[k] is None and cheapest is not None and cheapest * k <= price:
                    hits[k] = _months_between(m, later)
        levels.append(FrontierLevel(m, model, s, price, hits[10], hits[100], _months_between(m, last_month)))

    def summary(vals: list[int | None]) -> tuple[float | None, tuple[int, int] | None, int]:
        got = [v for v in vals if v is not None]
        if not got:
            return None, None, len(vals)
        return float(statistics.median(got)), (min(got), max(got)), len(vals) - len(got)

    m10, r10, c10 = summary([lv.months_to_10x for lv in levels])
    m100, r100, c100 = summary([lv.months_to_100x for lv in levels])
    ci10 = _median_interval([lv.months_to_10x for lv in levels if lv.months_to_10x is not None], conf)
    ci100 = _median_interval([lv.months_to_100x for lv in levels if lv.months_to_100x is not None], conf)
    ratio: list[PremiumPoint] = []
    front_at = {m: (price, model) for m, price, model in front}
    for m, price, model in front:
        back = add_months(m, -lag_months)
        if back not in front_at:
            continue
        level = score_of[front_at[back][1]]
        floor = min(((o.price, o.model) for o in measured[m] if o.covariates["score"] >= level), default=None)
        if floor is None or floor[0] <= 0:
            continue
        ratio.append(PremiumPoint(m, model, price, floor[1], floor[0], float(price / floor[0])))
    growth = ci = None
    if len(ratio) >= 3:
        row = _fit_row("premium", "", [(p.month, p.ratio) for p in ratio], "months", conf, 0)
        if row.factor_per_year is not None and row.ci_low is not None and row.ci_high is not None:
            growth = 1.0 / row.factor_per_year
            ci = (1.0 / row.ci_high, 1.0 / row.ci_low)
    return FrontierPremium(panel.score, lag_months, tuple(levels), m10, r10, m100, r100, c10, c100, tuple(ratio),
                           growth, ci, ci10, ci100)


def _median_interval(vals: list[int], conf: float, samples: int = 2000, seed: int = 0) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the median over the levels that were reached (censored ones excluded,
    so it describes the reached levels only)."""
    import numpy as np

    if len(vals) < 3:
        return None
    rng = np.random.default_rng(seed)
    arr = np.array(vals, dtype=float)
    meds = np.median(arr[rng.integers(0, len(arr), size=(samples, len(arr)))], axis=1)
    tail = (1.0 - conf) / 2.0 * 100.0
    lo, hi = np.percentile(meds, [tail, 100.0 - tail])
    return float(lo), float(hi)
