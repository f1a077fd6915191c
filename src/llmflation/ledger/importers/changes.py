"""Change detection over the effective ledger: what is new, what got cheaper or dearer, what is stale or
disputed.

Observed vs effective: a price row whose `date_basis` is `first_seen` is dated by the day a source first
showed it, not by the vendor's effective date. A change onto such a row is listed as a *first sighting* of a
different price, never as a price cut or increase (its day is when we noticed, not when it happened).

"Checked" (for staleness): the last day an import showed a price for the offer (model, provider, tier), the
row's `checked_on`, or, for curated and user rows, the row's `valid_from` — whichever is latest. An offer whose
current price was last checked more than `days` ago is stale.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING

from llmflation.ledger.records import Model, Price
from llmflation.ledger.store import ImportedRow
from llmflation.ledger.tariff import RateChange, move_direction, rate_changes

if TYPE_CHECKING:
    from llmflation.ledger.ledger import NameMove

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
    direction: str  # cut | increase | restructure (see `_move`)
    before: Price
    after: Price
    input_pct: Decimal | None
    output_pct: Decimal | None
    blended_pct: Decimal | None
    factor: Decimal | None  # × cheaper for cuts, × dearer for increases (3:1 blended)
    changed: tuple[RateChange, ...] = ()  # every rate a request pays differently (tariff.rate_changes)


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
    first_sightings: list[PriceMove] = field(default_factory=list)  # changes dated only by a first sighting
    # a dated name that bills another model at another price from that day (an alias moved, a name redirected):
    # no price row changed, yet a log that sends the name pays differently (`Ledger.name_price_moves`)
    name_moves: list[NameMove] = field(default_factory=list)


def diff(prices: Sequence[Price], models: dict[str, Model], since: date, until: date | None = None,
         name_moves: Iterable[NameMove] = ()) -> Diff:
    """Changes in the effective prices with a day in [since, until], and the `name_moves` in that span."""
    until = until or date.max
    out = Diff(since=since, name_moves=[m for m in name_moves if since <= m.day <= until])
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
    for (model_id, _provider, tier), group in sorted(groups.items()):
        group.sort(key=lambda p: p.valid_from)
        if model_id not in new_model_ids and since <= group[0].valid_from <= until and tier == "standard":
            out.new_offers.append(group[0])
        for a, b in itertools.pairwise(group):
            if not (since <= b.valid_from <= until) or a.valid_to != b.valid_from:
                continue
            changed = rate_changes(a, b)
            if not changed:
                continue
            move = _move(a, b, changed)
            if b.date_basis == "first_seen":
                out.first_sightings.append(move)
            else:
                {"cut": out.cuts, "increase": out.increases, "restructure": out.restructures}[move.direction].append(
                    move
                )
        last = group[-1]
        if last.valid_to is not None and since <= last.valid_to <= until:
            out.ended.append(last)
    for moves in (out.cuts, out.increases, out.restructures, out.first_sightings):
        moves.sort(key=lambda m: (m.day, m.model, m.provider))
    return out


def _move(a: Price, b: Price, changed: tuple[RateChange, ...] | None = None) -> PriceMove:
    """The move from row a to row b, its direction by `tariff.move_direction`."""
    changed = rate_changes(a, b) if changed is None else changed
    old, new = a.blended(), b.blended()
    return PriceMove(
        b.model, b.provider, b.tier, b.valid_from, move_direction(a, b, changed), a, b,
        pct(a.input, b.input), pct(a.output, b.output), pct(old, new), factor(old, new), changed,
    )


_OUTPUT_SIDE = ("output_audio", "long_output", "long_output_audio")


def own_moves(a: Price, b: Price, changed: Sequence[RateChange]) -> list[RateChange]:
    """The changed rates of a move besides input and output that a reader would not infer from those two (what
    `data diff` and the dashboard show beside them): a rate that moved by the same factor as the input (cache
    reads and writes, audio input, long-context input) or the output (audio and long-context output) is left out;
    a new, dropped or moved long-context tier, batch discount, regional uplift or off-peak window is always shown.
    JSON answers list every changed rate (`PriceMove.changed`)."""
    shown = []
    for c in changed:
        if c.rate in ("input", "output"):
            continue
        old, new = (a.output, b.output) if c.rate in _OUTPUT_SIDE else (a.input, b.input)
        if (isinstance(c.before, Decimal) and isinstance(c.after, Decimal) and old and new
                and c.before * new == c.after * old):
            continue
        shown.append(c)
    return shown


def diff_between(before: Iterable[Price], after: Sequence[Price], models: dict[str, Model]) -> Diff:
    """What changed from one set of effective prices to another (e.g. across `data update`): every price piece
    of `after` that `before` did not have, classified as a new model, a new offer, a dated move (or a first
    sighting of a different price) or an offer that now ends."""
    old = set(before)
    old_models = {p.model for p in old}
    old_offers = {(p.model, p.provider, p.tier) for p in old}
    new = [p for p in after if p not in old]
    out = Diff(since=min((p.valid_from for p in new), default=date.today()))
    by_key: dict[tuple[str, str, str], list[Price]] = defaultdict(list)
    for p in after:
        by_key[(p.model, p.provider, p.tier)].append(p)
    seen_models: set[str] = set()
    for b in sorted(new, key=lambda p: (p.model, p.provider, p.tier, p.valid_from)):
        key = (b.model, b.provider, b.tier)
        if b.model not in old_models:
            if b.model not in seen_models:
                seen_models.add(b.model)
                first = min((p for p in after if p.model == b.model), key=lambda p: p.valid_from)
                out.new_models.append((models.get(b.model), first))
            continue
        if key not in old_offers:
            if b.tier == "standard" and b is min(by_key[key], key=lambda p: p.valid_from):
                out.new_offers.append(b)
            continue
        prev = next((a for a in by_key[key] if a.valid_to == b.valid_from), None)
        if prev is not None and (changed := rate_changes(prev, b)):
            move = _move(prev, b, changed)
            target = out.first_sightings if b.date_basis == "first_seen" else {
                "cut": out.cuts, "increase": out.increases, "restructure": out.restructures}[move.direction]
            target.append(move)
        if b.valid_to is not None and not any(p.valid_from == b.valid_to for p in by_key[key]):
            out.ended.append(b)
    for moves in (out.cuts, out.increases, out.restructures, out.first_sightings):
        moves.sort(key=lambda m: (m.day, m.model, m.provider))
    return out


@dataclass(frozen=True)
class Stale:
    price: Price
    checked: date
    days: int
    how: str  # "import", "checked_on" or "curated valid_from"


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
    provisional: list[Model] = field(default_factory=list)  # models added by imports, not curated yet


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
        checked = max(d for d in (imported_day, curated_day, p.checked_on, date.min) if d is not None)
        if checked < limit:
            how = ("import" if imported_day is not None and imported_day == checked
                   else "checked_on" if p.checked_on == checked else "curated valid_from")
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
