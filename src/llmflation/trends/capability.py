"""Capability against price: one point per model at its cheapest offer on a date, and the Pareto frontier.

A model's point is its score on one benchmark (the trends score rule: highest reported value; latest snapshot
for LMArena Elo — `series.model_scores`) against the cheapest blended price among its standard-tier offers in
effect that day (any host). The frontier is the set of models no other model beats on both axes: nothing at
least as cheap scores higher. Snapshots at the end of each year show the frontier moving.

Pure computation over a Ledger; money stays Decimal (charts convert to floats for drawing only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from llmflation.errors import InputError
from llmflation.trends.series import model_scores

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger


@dataclass(frozen=True, slots=True)
class CapabilityPoint:
    model: str
    name: str
    developer: str
    provider: str  # the host of the cheapest offer
    price: Decimal  # blended USD per 1M tokens at the view's ratio
    input: Decimal
    output: Decimal
    score: Decimal
    price_source: str
    score_source: str
    on_frontier: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "name": self.name,
            "developer": self.developer,
            "provider": self.provider,
            "price_usd_per_mtok": _s(self.price),
            "input_usd_per_mtok": _s(self.input),
            "output_usd_per_mtok": _s(self.output),
            "score": _s(self.score),
            "on_frontier": self.on_frontier,
            "price_source": self.price_source,
            "score_source": self.score_source,
        }


@dataclass(frozen=True, slots=True)
class CapabilityView:
    benchmark: str
    at: date
    blend: tuple[int, int]
    points: tuple[CapabilityPoint, ...]  # sorted by price, then score (highest first)

    @property
    def frontier(self) -> list[CapabilityPoint]:
        """The Pareto frontier, cheapest first (each point scores higher than every cheaper one)."""
        return [p for p in self.points if p.on_frontier]

    def as_dict(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "at": self.at.isoformat(),
            "blend": f"{self.blend[0]}:{self.blend[1]}",
            "unit": "USD per 1M tokens (blended)",
            "points": [p.as_dict() for p in self.points],
            "frontier": [p.model for p in self.frontier],
        }


def _s(d: Decimal) -> str:
    return format(d.normalize(), "f")


def pareto(pairs: list[tuple[Decimal, Decimal]]) -> list[bool]:
    """For (price, score) pairs: True where no other pair is at least as cheap with a higher score, and none is
    cheaper with the same score. Ties on both axes all count as on the frontier."""
    order = sorted(range(len(pairs)), key=lambda i: (pairs[i][0], -pairs[i][1]))
    out = [False] * len(pairs)
    best: Decimal | None = None
    best_price: Decimal | None = None
    for i in order:
        price, score = pairs[i]
        if best is None or score > best or (score == best and price == best_price):
            out[i] = True
            if best is None or score > best:
                best, best_price = score, price
    return out


def capability_view(
    ledger: Ledger, benchmark: str, *, at: date | None = None, blend: tuple[int, int] = (3, 1)
) -> CapabilityView:
    """Every scored model with a paid offer in effect on `at` (default today): its cheapest price and its score."""
    when = at or date.today()
    bench = benchmark.strip().lower()
    scores = model_scores(ledger, bench)  # unknown benchmark → UnknownNameError with did-you-mean
    cheapest: dict[str, Any] = {}
    for p in ledger.offers_at(when):
        # a free offer is no market price and has no log price (`Price.free`, as `Ledger.market_prices`): the
        # model shows at its cheapest PAID offer (or not at all)
        if p.model not in scores or p.free:
            continue
        price = p.blended(*blend)
        cur = cheapest.get(p.model)
        if cur is None or (price, p.provider) < (cur.blended(*blend), cur.provider):
            cheapest[p.model] = p
    models = sorted(cheapest, key=lambda m: (cheapest[m].blended(*blend), -scores[m].value, m))
    flags = pareto([(cheapest[m].blended(*blend), scores[m].value) for m in models])
    points = []
    for m, front in zip(models, flags, strict=True):
        p, s = cheapest[m], scores[m]
        info = ledger.model(m)
        points.append(
            CapabilityPoint(
                m, info.name, info.developer, p.provider, p.blended(*blend), p.input, p.output, s.value,
                p.source, s.source, front,
            )
        )
    return CapabilityView(bench, when, blend, tuple(points))


def yearly_views(
    ledger: Ledger, benchmark: str, *, at: date | None = None, blend: tuple[int, int] = (3, 1), min_points: int = 2
) -> list[CapabilityView]:
    """Snapshots at the end of each year (the last one at `at`) that hold at least `min_points` models."""
    when = at or date.today()
    first = min((p.valid_from for p in ledger.all_prices()), default=None)
    if first is None:
        return []
    views = []
    for year in range(first.year, when.year):
        v = capability_view(ledger, benchmark, at=date(year, 12, 31), blend=blend)
        if len(v.points) >= min_points:
            views.append(v)
    last = capability_view(ledger, benchmark, at=when, blend=blend)
    if last.points:
        views.append(last)
    if not views:
        raise InputError(
            f"No model with a {benchmark} score has a price in effect on {when}. "
            "Try another benchmark or a date inside the data.", field="benchmark"
        )
    return views
