"""Change detection over the effective ledger: what is new, what got cheaper or dearer, what is stale or
disputed.

"Checked" (for staleness): the last day an import showed a price for the offer (model, provider, tier), or,
for
curated and user rows, the row's `valid_from` — whichever is later. An offer whose current price was last
checked
more than `days` ago is stale.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from llmflation.ledger.records import Model, Price
from llmflation.ledger.store import ImportedRow

ONE_PLACE = Decimal("0.1")


def pct(old: Decimal, new: Decimal) -> Decimal | None:
    """Percent change old → new, rounded to 0.1 (None when old is zero)."""
    if old == 0:
        return None
    return ((new - old) / old * 100).quantize(ONE_PLACE, rounding=ROUND_HALF_EVEN)


def factor(old: Decimal, new: Decimal) -> Decimal | None:
    """How many times cheaper (old/new) for a cut, or dearer (new/old) for an increase, rounded to 0.01."""
    if old == 0 or new == 0:
        return None
    f = old / new if new < old else new / old
    return f.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class PriceMove:
    model: str
    provider: str
    tier: str
    day: date
    direction: str  # cut | increase | restructure (blended unchanged)
    before: Price
    after: Price
    input_pct: Decimal | None
    output_pct: Decimal | None
    blended_pct: Decimal | None
    factor: Decimal | None  # × cheaper for cuts, × dearer for increases (3:1 blended)


@dataclass
class Diff:
    since: date
    new_models: list[tuple[Model | None, Price]] = field(
        default_factory=list
    )  # model's first price on record
    new_offers: list[Price] = field(default_factory=list)  # a known model at a new provider
    cuts: list[PriceMove] = field(default_factory=list)
    increases: list[PriceMove] = field(default_factory=list)
    restructures: list[PriceMove] = field(default_factory=list)
    ended: list[Price] = field(default_factory=list)


def diff(prices: Sequence[Price], models: dict[str, Model], since: date, until: date | None = None) -> Diff:
    """Changes in the effective prices with a day in [since, until]."""
    until = until or date.max
    out = Diff(since=since)
    groups: dict[tuple[str, str, str], list[Price]] = defaultdict(list)
    first_of_model: dict[str, Price] = {}
    for p in prices:
        groups[(p.model, p.provider, p.tier)].append(p)
        f = first_of_model.get(p.model)
        if f is None or p.valid_from < f.valid_from:
            first_of_model[p.model] = p
    for model_id, first in sorted(first_of_model.items()):
        if since <= first.valid_from <= until:
            out.new_models.append((models.get(model_id), first))
    new_model_ids = {m for m, p in first_of_model.items() if since <= p.valid_from <= until}
    for (model_id, provider, tier), group in sorted(groups.items()):
        group.sort(key=lambda p: p.valid_from)
        if model_id not in new_model_ids and since <= group[0].valid_from <= until and tier == "standard":
            out.new_offers.append(group[0])
        for a, b in itertools.pairwise(group):
            if not (since <= b.valid_from <= until) or a.valid_to != b.valid_from:
                continue
            if (a.input, a.output) == (b.input, b.output):
                continue
            old, new = a.blended(), b.blended()
            direction = "cut" if new < old else "increase" if new > old else "restructure"
            move = PriceMove(
                model_id,
                provider,
                tier,
                b.valid_from,
                direction,
                a,
                b,
                pct(a.input, b.input),
                pct(a.output, b.output),
                pct(old, new),
                factor(old, new),
            )
            {"cut": out.cuts, "increase": out.increases, "restructure": out.restructures}[direction].append(
                move
            )
        last = group[-1]
        if last.valid_to is not None and since <= last.valid_to <= until:
            out.ended.append(last)
    for moves in (out.cuts, out.increases, out.restructures):
        moves.sort(key=lambda m: (m.day, m.model, m.provider))
    return out


@dataclass(frozen=True)
class Stale:
    price: Price
    checked: date
    days: int
    how: str  # "import" or "curated valid_from"


@dataclass(frozen=True)
class Opinion:
    kind: str
    source: str
    input: Decimal
    output: Decimal
    seen_on: date


@dataclass(frozen=True)
class Disagreement:
    price: Price  # the effective price today
    opinions: tuple[Opinion, ...]  # sources whose latest import says otherwise


@dataclass
class Status:
    today: date
    days: int
    current: int = 0
    stale: list[Stale] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)


def status(
    effective: Iterable[Price], imported: Sequence[ImportedRow], today: date, days: int = 90
) -> Status:
    """Stale current prices and current prices the imported sources disagree on (see module docstring)."""
    out = Status(today=today, days=days)
    seen: dict[tuple[str, str, str], date] = {}
    latest_import_of_kind: dict[str, int] = {}
    for r in imported:
        k = (r.price.model, r.price.provider, r.price.tier)
        seen[k] = max(seen.get(k, date.min), r.seen_on)
        latest_import_of_kind[r.kind] = max(latest_import_of_kind.get(r.kind, 0), r.import_id)
    # per offer and source kind: what the newest import of that kind says is in effect today
    opinions: dict[tuple[str, str, str], dict[str, ImportedRow]] = defaultdict(dict)
    for r in imported:
        if r.import_id != latest_import_of_kind[r.kind] or not r.price.in_effect(today):
            continue
        k = (r.price.model, r.price.provider, r.price.tier)
        have = opinions[k].get(r.kind)
        if have is None or r.price.valid_from >= have.price.valid_from:
            opinions[k][r.kind] = r
    limit = today - timedelta(days=days)
    for p in effective:
        if not p.in_effect(today):
            continue
        out.current += 1
        k = (p.model, p.provider, p.tier)
        imported_day = seen.get(k)
        curated_day = p.valid_from if p.origin != "imported" else None
        checked = max(d for d in (imported_day, curated_day, date.min) if d is not None)
        if checked < limit:
            how = "import" if imported_day is not None and imported_day == checked else "curated valid_from"
            out.stale.append(Stale(p, checked, (today - checked).days, how))
        differing = tuple(
            Opinion(kind, r.price.source, r.price.input, r.price.output, r.seen_on)
            for kind, r in sorted(opinions.get(k, {}).items())
            if (r.price.input, r.price.output) != (p.input, p.output)
        )
        if differing and p.origin in ("bundled", "imported"):  # user rows and discounts differ on purpose
            out.disagreements.append(Disagreement(p, differing))
    out.stale.sort(key=lambda s: (s.checked, s.price.model, s.price.provider))
    out.disagreements.sort(key=lambda d: (d.price.model, d.price.provider))
    return out
