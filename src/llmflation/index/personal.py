"""Your own price index, from your usage logs: what *your* traffic would cost month by month at constant mix.

Pricing is the usage package's one expression (`llmflation.usage.analytics.spend`, any engine): nothing here
prices a token. Each month's spend is grouped by (model, provider); a *cell* is (model, provider, bucket) with
buckets input (uncached), cache_read, cache_write and output (text + reasoning); its quantity is tokens and its
unit price is cost / tokens (USD per 1M, exact Decimal).

The index chains a bilateral link (Fisher by default, or Törnqvist) between consecutive months with traffic,
over the cells present in both (matched); cells that appear or vanish are left out of that link and their share
of spend is reported. A (month, model, provider) group with any unpriced tokens is left out whole, with a note
(pricing it partly would count unpriced tokens at $0). Next to it: your actual unit price (total cost / total
priced tokens), and the mix effect = (actual unit price change) / (price index change): how much of the change
in what you paid per token came from moving between models rather than from price changes.

Logs with one model (and one provider): the index is that model's price path, and the result says so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from typing import TYPE_CHECKING, Any

from llmflation.errors import InputError
from llmflation.index import numbers

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger
    from llmflation.usage.analytics import SpendRow
    from llmflation.usage.pricing import UsageSource

BY = ("model", "provider", "tag")
MICRO = Decimal(1_000_000)
BUCKET_MAP = (("input", ("input_uncached",)), ("cache_read", ("cache_read",)), ("cache_write", ("cache_write",)),
              ("output", ("output_text", "output_reasoning")))


@dataclass(frozen=True, slots=True)
class PersonalMonth:
    month: date
    index: Decimal | None  # chained price index, first month with traffic = 1
    link: Decimal | None
    unit_price: Decimal | None  # actual USD per 1M tokens of the priced traffic
    tokens: int
    cost_usd: Decimal
    cells: int
    matched_cells: int
    unmatched_spend_share: Decimal | None  # share of this month's spend in cells without a partner last month
    market: float | None = None  # the market index (hedonic), rebased to this index's first month
    note: str | None = None


@dataclass
class PersonalIndex:
    group: str | None  # None = all traffic
    formula: str
    months: list[PersonalMonth]
    price_change_per_year_pct: Decimal | None  # annualised change of the price index (negative = fell)
    price_change_pct: Decimal | None  # first → last month
    unit_price_change_pct: Decimal | None
    mix_change_pct: Decimal | None  # (unit price ratio / price index ratio) − 1
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.price_change_per_year_pct is None or self.mix_change_pct is None:
            return "not enough months with traffic for a change"
        verb = "fell" if self.price_change_per_year_pct < 0 else "rose"
        mix_verb = "cheaper" if self.mix_change_pct < 0 else "dearer"
        return (f"your prices {verb} {abs(self.price_change_per_year_pct):.1f}% a year at constant mix; "
                f"your mix moved {abs(self.mix_change_pct):.1f}% {mix_verb} over the period")

    def as_dict(self) -> dict[str, Any]:
        return {"group": self.group, "formula": self.formula, "summary": self.summary(),
                "price_change_per_year_pct": self.price_change_per_year_pct,
                "price_change_pct": self.price_change_pct, "unit_price_change_pct": self.unit_price_change_pct,
                "mix_change_pct": self.mix_change_pct, "notes": self.notes,
                "months": [{"month": m.month, "index": m.index, "link": m.link, "usd_per_mtok": m.unit_price,
                            "tokens": m.tokens, "cost_usd": m.cost_usd, "cells": m.cells,
                            "matched_cells": m.matched_cells, "unmatched_spend_share": m.unmatched_spend_share,
                            "market_index": m.market, "note": m.note} for m in self.months]}


@dataclass
class PersonalReport:
    by: str | None
    formula: str
    engine: str
    total: PersonalIndex
    groups: list[PersonalIndex]
    market_label: str | None
    notes: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"by": self.by, "formula": self.formula, "engine": self.engine, "market": self.market_label,
                "total": self.total.as_dict(), "groups": [g.as_dict() for g in self.groups], "notes": self.notes}


Cell = tuple[str, str, str]  # model, provider, bucket


def _cells(row: SpendRow) -> dict[Cell, tuple[Decimal, Decimal]]:
    """(model, provider, bucket) → (unit price USD per 1M, tokens) for one priced group."""
    out: dict[Cell, tuple[Decimal, Decimal]] = {}
    model, provider = str(row.keys.get("model")), str(row.keys.get("provider"))
    for bucket, cols in BUCKET_MAP:
        q = sum(getattr(row, c) for c in cols)
        if q <= 0:
            continue
        cost = row.cost_by_bucket[bucket]
        with localcontext() as ctx:
            ctx.prec = 60
            out[(model, provider, bucket)] = (cost * MICRO / q, Decimal(q))
    return out


def build_index(rows: list[SpendRow], formula: str = "fisher", group: str | None = None) -> PersonalIndex:
    """Chain the index over months from spend rows keyed by (period, model, provider)."""
    if formula not in ("fisher", "tornqvist"):
        raise InputError(f"formula {formula!r}: choose fisher or tornqvist", field="formula")
    per_month: dict[date, dict[Cell, tuple[Decimal, Decimal]]] = defaultdict(dict)
    cost: dict[date, Decimal] = defaultdict(Decimal)
    toks: dict[date, int] = defaultdict(int)
    notes: list[str] = []
    skipped: list[str] = []
    for r in rows:
        month = r.keys["period"]
        if r.unpriced_tokens:
            skipped.append(f"{month:%Y-%m} {r.keys.get('model')} ({r.unpriced_tokens:,} unpriced tokens)")
            continue
        cells = _cells(r)
        if not cells:
            continue
        per_month[month].update(cells)
        cost[month] += r.cost_usd
        toks[month] += r.priced_tokens
    if skipped:
        notes.append(f"{len(skipped)} month×model group(s) with unpriced tokens left out whole (see `usage spend`): "
                     + "; ".join(skipped[:5]) + (" …" if len(skipped) > 5 else ""))
    months = sorted(per_month)
    models = {c[0] for m in months for c in per_month[m]}
    providers = {(c[0], c[1]) for m in months for c in per_month[m]}
    if len(models) == 1 and len(providers) == 1:
        (only,) = models
        notes.append(f"only one model in these logs ({only}): the index is that model's price path")
    out: list[PersonalMonth] = []
    level: Decimal | None = None
    prev: dict[Cell, tuple[Decimal, Decimal]] | None = None
    for m in months:
        cur = per_month[m]
        with localcontext() as ctx:
            ctx.prec = 40
            unit = cost[m] * MICRO / toks[m] if toks[m] else None
        link: Decimal | None = None
        share: Decimal | None = None
        note = None
        matched = 0
        if prev is None:
            level = Decimal(1)
        else:
            both = set(numbers.matched(prev, cur))
            matched = len(both)
            spend = sum((p * q for p, q in cur.values()), Decimal(0))
            unmatched = sum((p * q for k, (p, q) in cur.items() if k not in both), Decimal(0))
            with localcontext() as ctx:
                ctx.prec = 40
                share = (unmatched / spend).quantize(Decimal("1e-6")) if spend else None
                if both:
                    link = numbers.index(formula, prev, cur)
                    assert level is not None
                    level = level * link
            if not both:
                note = "no cell in common with the previous month: the chain holds its level (link 1)"
                link = Decimal(1)
        out.append(PersonalMonth(m, level, link, unit, toks[m], cost[m], len(cur), matched, share, None, note))
        prev = cur
    return _summarise(PersonalIndex(group, formula, out, None, None, None, None, notes))


def _summarise(ix: PersonalIndex) -> PersonalIndex:
    ms = [m for m in ix.months if m.index is not None and m.unit_price]
    if len(ms) < 2:
        ix.notes.append("fewer than two months with priced traffic: no change to report")
        return ix
    first, last = ms[0], ms[-1]
    span = (last.month.year - first.month.year) * 12 + last.month.month - first.month.month
    assert first.index is not None and last.index is not None and first.unit_price and last.unit_price
    with localcontext() as ctx:
        ctx.prec = 40
        ratio = last.index / first.index
        unit_ratio = last.unit_price / first.unit_price
        ix.price_change_pct = ((ratio - 1) * 100).quantize(Decimal("0.01"))
        annual = (ratio.ln() * 12 / span).exp() if span > 0 else None
        ix.price_change_per_year_pct = ((annual - 1) * 100).quantize(Decimal("0.01")) if annual else None
        ix.unit_price_change_pct = ((unit_ratio - 1) * 100).quantize(Decimal("0.01"))
        ix.mix_change_pct = ((unit_ratio / ratio - 1) * 100).quantize(Decimal("0.01"))
    if 0 < span < 6:
        ix.notes.append(f"the yearly rate is annualised from {span} month(s) of traffic: read it with care")
    return ix


def personal_index(
    source: UsageSource, ledger: Ledger, *, by: str | None = None, formula: str = "fisher",
    since: date | None = None, until: date | None = None, engine: str = "duckdb", market: bool = True,
) -> PersonalReport:
    """The index of all traffic, and one per model / provider / tag with `by`; the market index beside it."""
    from llmflation.usage.analytics import spend

    if by is not None and by not in BY:
        raise InputError(f"by {by!r}: choose one of {', '.join(BY)}", field="by")
    dims = ("month", "model", "provider")
    report = spend(source, ledger, by=dims, since=since, until=until, engine=engine)
    if not report.rows:
        raise InputError("no usage in the logs for that window: ingest logs with `llmflation usage ingest` first")
    total = build_index(report.rows, formula)
    groups: list[PersonalIndex] = []
    notes = list(report.notes)
    if by in ("model", "provider"):
        keyed: dict[str, list[SpendRow]] = defaultdict(list)
        for r in report.rows:
            keyed[str(r.keys[by])].append(r)
        groups = [build_index(rs, formula, g) for g, rs in sorted(keyed.items())]
    elif by == "tag":
        tagged = spend(source, ledger, by=("month", "tag", "model", "provider"), since=since, until=until,
                       engine=engine)
        keyed = defaultdict(list)
        for r in tagged.rows:
            keyed[str(r.keys["tag"])].append(r)
        groups = [build_index(rs, formula, g) for g, rs in sorted(keyed.items())]
        notes.append("a request with several tags counts under each of them")
    label = None
    if market:
        label = _attach_market(ledger, [total, *groups])
    return PersonalReport(by, formula, report.engine, total, groups, label, notes)


def _attach_market(ledger: Ledger, indices: list[PersonalIndex]) -> str | None:
    """Put the hedonic market index beside each month (rebased to each index's first month)."""
    from llmflation.errors import LlmflationError
    from llmflation.index.hedonic import HedonicOptions, hedonic_index
    from llmflation.index.panel import build_panel

    months = sorted({m.month for ix in indices for m in ix.months})
    if not months:
        return None
    start = min(months[0], date(2023, 3, 1))
    try:
        hed = hedonic_index(build_panel(ledger, start=start, end=months[-1]), HedonicOptions(bootstrap=0))
    except LlmflationError:
        return None
    levels = {m.month: m.level for m in hed.months if m.level is not None}
    for ix in indices:
        base = next((levels[m.month] for m in ix.months if m.month in levels), None)
        if base is None:
            continue
        ix.months = [PersonalMonth(m.month, m.index, m.link, m.unit_price, m.tokens, m.cost_usd, m.cells,
                                   m.matched_cells, m.unmatched_spend_share,
                                   levels[m.month] / base if m.month in levels else None, m.note)
                     for m in ix.months]
    return "hedonic market index (all offers, quality-adjusted), rebased to your first month"
