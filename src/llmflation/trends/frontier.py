"""Frontier vs floor: the price of the most capable model on sale vs the cheapest model at a fixed capability.

At each sampled date (the first of every month), the *frontier* is the model with the highest score on the
benchmark (same score rule as the series) among models with an offer in effect that day; its price is its
cheapest offer (or the median across hosts, or first-party only, as for the series). The *floor* is the
cheapest-at-capability series at the given threshold. The ratio is the "frontier premium".
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from llmflation.trends.forecast import add_months
from llmflation.trends.series import CapabilitySeries, model_scores

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger


@dataclass(frozen=True, slots=True)
class FrontierPoint:
    date: date
    frontier_model: str
    frontier_score: Decimal
    frontier_price: Decimal
    floor_model: str | None
    floor_price: Decimal | None
    premium: Decimal | None  # frontier_price / floor_price


def frontier_vs_floor(
    ledger: Ledger,
    series: CapabilitySeries,
    *,
    start: date | None = None,
    end: date | None = None,
    frontier_reasoning: bool = True,
) -> list[FrontierPoint]:
    """Monthly frontier price and floor price, using the series' benchmark, blend and host mode.

    The frontier includes reasoning models by default (the best model on sale is often one); the floor keeps
    the series' own filter. Pass `frontier_reasoning=False` to compare like with like.
    """
    scores = model_scores(ledger, series.benchmark)
    wi, wo = series.blend
    offers = [p for p in ledger.market_prices() if p.tier == "standard" and p.model in scores]
    if not frontier_reasoning:
        offers = [p for p in offers if not ledger.model(p.model).reasoning]
    if series.hosts == "first-party":
        offers = [p for p in offers if p.first_party]
    if not offers:
        return []
    first = start or series.start or min(p.valid_from for p in offers)
    last = end or series.end
    out: list[FrontierPoint] = []
    day = date(first.year, first.month, 1)
    if day < first:
        day = add_months(day, 1)
    while day <= last:
        live = [p for p in offers if p.in_effect(day)]
        if live:
            top = max(scores[p.model].value for p in live)
            tops = [p for p in live if scores[p.model].value == top]
            per_model: dict[str, list[Decimal]] = {}
            for p in tops:
                per_model.setdefault(p.model, []).append(p.blended(wi, wo))
            if series.hosts == "median":
                priced = {m: statistics.median(v) for m, v in per_model.items()}
            else:
                priced = {m: min(v) for m, v in per_model.items()}
            model, price = min(priced.items(), key=lambda kv: (kv[1], kv[0]))
            floor = series.floor_at(day)
            out.append(
                FrontierPoint(
                    day,
                    model,
                    top,
                    price,
                    floor.model if floor else None,
                    floor.price if floor else None,
                    (price / floor.price) if floor and floor.price > 0 else None,
                )
            )
        day = add_months(day, 1)
    return out
