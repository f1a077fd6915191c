"""The monthly offer panel: every standard-tier offer (model × provider) in effect on the 1st of each month.

Characteristics of an offer (the hedonic covariates):
  score        the model's capability score on one benchmark (default `eci`, the Epoch Capabilities Index),
               under the trends score rule (highest reported value; latest snapshot for Elo ratings).
  reasoning    1 for reasoning models.
  open_weights 1 for open-weight models.
  context      log2 of the context window in tokens.
  first_party  1 when the developer sells the model on its own API, 0 for a third-party host.

Missing-score rule (`impute`):
  "crosswalk" (default): a model without a score on the chosen benchmark gets one predicted from another
      benchmark it does have, by a straight-line fit of the chosen benchmark on that one over the models that
      have both (at least 8 pairs). Of the benchmarks the model has, the one whose fit has the highest R² is
      used. Imputed scores are counted in the output.
  "drop": offers of models without the score are left out (counted).
Either way a model with no score on any benchmark is left out and counted.
Missing context window: the median context window of that month's offers (counted); never a silent zero.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING

from llmflation.errors import InputError, UnknownNameError
from llmflation.ledger.records import STANDARD_TIER

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger

COVARIATES = ("score", "reasoning", "open_weights", "context", "first_party")
IMPUTE_RULES = ("crosswalk", "drop")
HOST_RULES = ("all", "first-party", "cheapest")
MIN_CROSSWALK_PAIRS = 8


@dataclass(frozen=True, slots=True)
class Offer:
    """One offer in one month."""

    month: date
    model: str
    provider: str
    price: Decimal  # blended USD per 1M tokens, exact
    input: Decimal
    output: Decimal
    covariates: dict[str, float]
    score_imputed: bool = False


@dataclass(frozen=True)
class Panel:
    offers: tuple[Offer, ...]
    months: tuple[date, ...]  # every month of the window, with or without offers
    score: str
    impute: str
    hosts: str
    blend: tuple[int, int]
    dropped_unscored_models: tuple[str, ...] = ()
    imputed_models: dict[str, str] = field(default_factory=dict)  # model -> benchmark used
    context_filled: int = 0

    def in_month(self, m: date) -> list[Offer]:
        return self._groups.get(m, [])

    @cached_property
    def _groups(self) -> dict[date, list[Offer]]:
        groups: dict[date, list[Offer]] = {}
        for o in self.offers:
            groups.setdefault(o.month, []).append(o)
        return groups


def month_range(start: date, end: date) -> list[date]:
    out = []
    d = date(start.year, start.month, 1)
    while d <= end:
        out.append(d)
        d = date(d.year + (d.month == 12), 1 if d.month == 12 else d.month + 1, 1)
    return out


def capability_scores(ledger: Ledger, benchmark: str, impute: str) -> tuple[dict[str, float], dict[str, str]]:
    """model → score on `benchmark` under the missing-score rule; and model → benchmark used for imputed ones."""
    from llmflation.trends.series import model_scores

    if impute not in IMPUTE_RULES:
        raise InputError(f"impute {impute!r}: choose one of {', '.join(IMPUTE_RULES)}", field="impute")
    bench = benchmark.strip().lower()
    if bench not in ledger.benchmarks:
        raise UnknownNameError("benchmark", benchmark, ledger.benchmarks or ["(no scores on record)"])
    target = {m: float(s.value) for m, s in model_scores(ledger, bench).items()}
    if impute == "drop":
        return target, {}
    fits: list[tuple[float, str, float, float, dict[str, float]]] = []
    for other in ledger.benchmarks:
        if other == bench:
            continue
        xs = {m: float(s.value) for m, s in model_scores(ledger, other).items()}
        both = [m for m in xs if m in target]
        if len(both) < MIN_CROSSWALK_PAIRS:
            continue
        x = [xs[m] for m in both]
        y = [target[m] for m in both]
        try:
            slope, intercept = statistics.linear_regression(x, y)
            r = statistics.correlation(x, y)
        except statistics.StatisticsError:
            continue
        fits.append((r * r, other, slope, intercept, xs))
    fits.sort(key=lambda f: -f[0])
    out = dict(target)
    used: dict[str, str] = {}
    for _r2, other, slope, intercept, xs in fits:
        for m, v in xs.items():
            if m not in out:
                out[m] = intercept + slope * v
                used[m] = other
    return out, used


def build_panel(
    ledger: Ledger,
    *,
    start: date,
    end: date,
    score: str = "eci",
    impute: str = "crosswalk",
    hosts: str = "all",
    blend: tuple[int, int] = (3, 1),
) -> Panel:
    """Every offer in effect on the 1st of each month in [start, end], with its characteristics.

    `hosts`: "all" (every provider's offer is an item), "first-party" (only developers' own APIs), "cheapest"
    (one item per model: its cheapest offer that month).
    """
    if hosts not in HOST_RULES:
        raise InputError(f"hosts {hosts!r}: choose one of {', '.join(HOST_RULES)}", field="hosts")
    if start > end:
        raise InputError(f"the window starts {start} after it ends {end}; swap the start and end dates")
    scores, imputed = capability_scores(ledger, score, impute)
    wi, wo = blend
    prices = [p for p in ledger.market_prices() if p.tier == STANDARD_TIER]
    if hosts == "first-party":
        prices = [p for p in prices if p.first_party]
    months = month_range(start, end)
    offers: list[Offer] = []
    unscored: set[str] = set()
    used_imputed: dict[str, str] = {}
    filled = 0
    blended = {id(p): p.blended(wi, wo) for p in prices}  # once per price, not once per month
    models = {m: ledger.model(m) for m in {p.model for p in prices}}
    lo, hi = months[0] if months else start, months[-1] if months else end
    prices = [p for p in prices if p.valid_from <= hi and (p.valid_to is None or lo < p.valid_to)]
    for m in months:
        live = [p for p in prices if p.valid_from <= m and (p.valid_to is None or m < p.valid_to)]
        if hosts == "cheapest":
            best: dict[str, object] = {}
            for p in sorted(live, key=lambda p: (blended[id(p)], not p.first_party, p.provider)):
                best.setdefault(p.model, p)
            live = list(best.values())  # type: ignore[arg-type]
        ctx_vals = [c for c in (models[p.model].context_window for p in live) if c]
        ctx_median = statistics.median(ctx_vals) if ctx_vals else 8192
        for p in live:
            if p.model not in scores:
                unscored.add(p.model)
                continue
            model = models[p.model]
            ctx: float = float(model.context_window or 0)
            if not ctx:
                filled += 1
                ctx = float(ctx_median)
            if p.model in imputed:
                used_imputed[p.model] = imputed[p.model]
            offers.append(Offer(
                m, p.model, p.provider, blended[id(p)], p.input, p.output,
                {"score": scores[p.model], "reasoning": float(model.reasoning),
                 "open_weights": float(model.open_weights), "context": math.log2(ctx),
                 "first_party": float(p.first_party)},
                p.model in imputed,
            ))
    return Panel(tuple(offers), tuple(months), score.lower(), impute, hosts, blend,
                 tuple(sorted(unscored)), dict(sorted(used_imputed.items())), filled)


def panel_from_rows(rows: Sequence[tuple[date, str, float | Decimal, dict[str, float]]]) -> Panel:
    """A panel from plain (month, item, price, covariates) rows — simulated markets and tests."""
    offers = tuple(
        Offer(date(m.year, m.month, 1), item, "-", Decimal(str(price)), Decimal(0), Decimal(0), dict(cov))
        for m, item, price, cov in rows
    )
    if not offers:
        raise InputError("no offers to build an index from")
    months = month_range(min(o.month for o in offers), max(o.month for o in offers))
    return Panel(offers, tuple(months), "score", "given", "all", (1, 0))
