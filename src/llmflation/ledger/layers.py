"""Overlay the user's layer on the bundled prices: user prices win, negotiated discounts apply on top.

Pure interval arithmetic: for each (model, provider, tier) the timeline is cut at every boundary of every
layer, each piece takes the winning price, and equal neighbours are merged back, so the result keeps the
"no overlaps" invariant the range join relies on.
"""

from __future__ import annotations

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
        long_cached_input=cut(p.long_cached_input), origin="adjusted",
        note=(p.note + "; " if p.note else "") + f"user discount {fraction * 100:g}% ({note})".rstrip(" ()"),
    )


def _same_terms(a: Price, b: Price) -> bool:
    return replace(a, valid_from=b.valid_from, valid_to=b.valid_to) == b


def effective_prices(
    bundled: Iterable[Price], user: Iterable[Price] = (), discounts: Sequence[Discount] = ()
) -> list[Price]:
    groups: dict[tuple[str, str, str], tuple[list[Price], list[Price]]] = defaultdict(lambda: ([], []))
    for p in bundled:
        groups[(p.model, p.provider, p.tier)][0].append(p)
    for p in user:
        groups[(p.model, p.provider, p.tier)][1].append(p)
    out: list[Price] = []
    for (model, provider, _tier), (base, mine) in groups.items():
        relevant = [d for d in discounts if d.provider == provider and d.model in (None, model)]
        if not mine and not relevant:
            out.extend(base)
            continue
        cuts = {b for p in (*base, *mine) for b in (p.valid_from, _end(p))}
        cuts |= {b for d in relevant for b in (d.valid_from, d.valid_to or _OPEN)}
        bounds = sorted(cuts)
        pieces: list[Price] = []
        for start, stop in zip(bounds, bounds[1:], strict=False):
            winner = _covering(mine, start) or _covering(base, start)
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
