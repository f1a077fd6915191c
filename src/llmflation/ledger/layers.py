"""Overlay the layers into effective prices: user > curated > imported > estimated curated, discounts on top.

Pure interval arithmetic: for each (model, provider, tier) the timeline is cut at every boundary of every
layer, each piece takes the winning price, and equal neighbours are merged back, so the result keeps the "no
overlaps" invariant the range join relies on.

Precedence on any day, highest first:

1. the user's layer (negotiated/private prices);
2. curated bundled rows with confidence `official`, `archived` or `derived`;
3. imported rows (dated snapshots from price maps, confidence `derived`); among imported rows the most recent
   observation wins: the covering row with the latest `valid_from`, ties going to the later import;
4. curated bundled rows with confidence `estimated` (a dated observation beats a judgement).

Imported rows therefore fill gaps (pairs the curated data lacks, days before or after the curated rows) and
never override a curated fact; where they disagree with one, `llmflation.ledger.importers.merge.conflicts`
lists it.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from llmflation.ledger.records import Discount, Price

_OPEN = date.max


def _end(p: Price) -> date:
    return p.valid_to or _OPEN


def _covering(prices: Sequence[Price], start: date) -> Price | None:
    for p in prices:
        if p.valid_from <= start < _end(p):
            return p
    return None


def _discounted(p: Price, fraction: Decimal, note: str) -> Price:
    keep = Decimal(1) - fraction

    def cut(v: Decimal | None) -> Decimal | None:
        return None if v is None else v * keep

    return replace(
        p, input=p.input * keep, output=p.output * keep, cached_input=cut(p.cached_input),
        cache_write=cut(p.cache_write), long_input=cut(p.long_input), long_output=cut(p.long_output),
        long_cached_input=cut(p.long_cached_input), cache_write_1h=cut(p.cache_write_1h),
        input_audio=cut(p.input_audio), output_audio=cut(p.output_audio), origin="adjusted",
        note=(p.note + "; " if p.note else "") + f"user discount {fraction * 100:g}% ({note})".rstrip(" ()"),
    )


def _same_terms(a: Price, b: Price) -> bool:
    return replace(a, valid_from=b.valid_from, valid_to=b.valid_to) == b


WEAK_CONFIDENCE = ("estimated",)


def resolve_imported(imported: Iterable[Price]) -> list[Price]:
    """One non-overlapping timeline per (model, provider, tier) from imported rows given in import order.

    On each day the covering row with the latest `valid_from` wins (the most recent observation); on a tie the
    row     given later (the later import) wins.
    """
    groups: dict[tuple[str, str, str], list[tuple[int, Price]]] = defaultdict(list)
    for order, p in enumerate(imported):
        groups[(p.model, p.provider, p.tier)].append((order, p))
    out: list[Price] = []
    for rows in groups.values():
        bounds = sorted({b for _, p in rows for b in (p.valid_from, _end(p))})
        pieces: list[Price] = []
        for start, stop in itertools.pairwise(bounds):
            covering = [(p.valid_from, order, p) for order, p in rows if p.valid_from <= start < _end(p)]
            if not covering:
                continue
            winner = max(covering, key=lambda t: (t[0], t[1]))[2]
            piece = replace(winner, valid_from=start, valid_to=None if stop == _OPEN else stop)
            if pieces and pieces[-1].valid_to == start and _same_terms(pieces[-1], piece):
                pieces[-1] = replace(pieces[-1], valid_to=piece.valid_to)
            else:
                pieces.append(piece)
        out.extend(pieces)
    return out


def effective_prices(
    bundled: Iterable[Price], user: Iterable[Price] = (), discounts: Sequence[Discount] = (),
    imported: Iterable[Price] = (),
) -> list[Price]:
    """Effective prices; `imported` rows are given in import order (see `resolve_imported`)."""
    groups: dict[tuple[str, str, str], tuple[list[Price], list[Price], list[Price]]] = defaultdict(
        lambda: ([], [], []))
    for p in bundled:
        groups[(p.model, p.provider, p.tier)][0].append(p)
    for p in user:
        groups[(p.model, p.provider, p.tier)][1].append(p)
    for p in resolve_imported(imported):
        groups[(p.model, p.provider, p.tier)][2].append(p)
    out: list[Price] = []
    for (model, provider, _tier), (base, mine, seen) in groups.items():
        relevant = [d for d in discounts if d.provider == provider and d.model in (None, model)]
        if not mine and not relevant and not seen:
            out.extend(base)
            continue
        strong = [p for p in base if p.confidence not in WEAK_CONFIDENCE]
        weak = [p for p in base if p.confidence in WEAK_CONFIDENCE]
        cuts = {b for p in (*base, *mine, *seen) for b in (p.valid_from, _end(p))}
        cuts |= {b for d in relevant for b in (d.valid_from, d.valid_to or _OPEN)}
        bounds = sorted(cuts)
        pieces: list[Price] = []
        for start, stop in itertools.pairwise(bounds):
            winner = (_covering(mine, start) or _covering(strong, start) or _covering(seen, start)
                      or _covering(weak, start))
            if winner is None:
                continue
            for d in relevant:
                if d.valid_from <= start < (d.valid_to or _OPEN):
                    winner = _discounted(winner, d.fraction, d.note)
            piece = replace(winner, valid_from=start, valid_to=None if stop == _OPEN else stop)
            if pieces and pieces[-1].valid_to == start and _same_terms(pieces[-1], piece):
                pieces[-1] = replace(pieces[-1], valid_to=piece.valid_to)
            else:
                pieces.append(piece)
        out.extend(pieces)
    out.sort(key=lambda p: (p.model, p.provider, p.tier, p.valid_from))
    return out
