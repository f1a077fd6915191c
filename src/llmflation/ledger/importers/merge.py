"""Where imported observations disagree with curated rows: listed, never silently resolved."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from llmflation.ledger.layers import WEAK_CONFIDENCE
from llmflation.ledger.records import Price


@dataclass(frozen=True)
class Conflict:
    """A curated row and an imported row for the same offer that overlap in time with different prices."""

    model: str
    provider: str
    tier: str
    start: date
    end: date | None
    curated: Price
    imported: Price
    winner: str  # "curated" (official/archived/derived rows win) or "imported" (over an estimated row)


def _overlap(a: Price, b: Price) -> tuple[date, date | None] | None:
    start = max(a.valid_from, b.valid_from)
    ends = [e for e in (a.valid_to, b.valid_to) if e is not None]
    end = min(ends) if ends else None
    if end is not None and end <= start:
        return None
    return start, end


def conflicts(curated: Iterable[Price], imported: Iterable[Price]) -> list[Conflict]:
    """Pairs (curated, imported) for one (model, provider, tier) that overlap with different input or
    output."""
    by_key: dict[tuple[str, str, str], list[Price]] = defaultdict(list)
    for p in curated:
        by_key[(p.model, p.provider, p.tier)].append(p)
    out: list[Conflict] = []
    for i in imported:
        for c in by_key.get((i.model, i.provider, i.tier), ()):
            if (c.input, c.output) == (i.input, i.output):
                continue
            span = _overlap(c, i)
            if span is None:
                continue
            out.append(
                Conflict(
                    i.model,
                    i.provider,
                    i.tier,
                    span[0],
                    span[1],
                    c,
                    i,
                    "imported" if c.confidence in WEAK_CONFIDENCE else "curated",
                )
            )
    out.sort(key=lambda x: (x.model, x.provider, x.tier, x.start))
    return out
