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

The market beside it is the hedonic index (`market_levels`, no bootstrap), fitted once per call for every group;
a front end that answers many requests over one ledger passes a function that serves cached levels
(`market=`).
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
    from collections.abc import Callable, Mapping

    from llmflation.ledger.ledger import Ledger
    from llmflation.usage.analytics import SpendRow
    from llmflation.usage.pricing import UsageSource

BY = ("model", "provider", "tag")
MICRO = Decimal(1_000_000)
BUCKET_MAP = (("input", ("input_uncached",)), ("cache_read", ("cache_read",)), ("cache_write", ("cache_write",)),
              ("output", ("output_text", "output_reasoning")))
FORMULAS = ("fisher", "tornqvist")
MARKET_LABEL = "hedonic market index (all offers, quality-adjusted), rebased to your first month"


class NoUsageError(InputError):
    """No priced or unpriced traffic in the window asked for; `since`/`until` say which window (None = all)."""

    def __init__(self, since: date | None, until: date | None, hint: str | None = None) -> None:
        self.since = since
        self.until = until
        window = (f" from {since}" if since else "") + (f" until {until}" if until else "")
        what = "in that window" if window else "at all"
        hint = hint or "Ingest usage logs first, or widen the window."
        super().__init__(f"No usage in the logs{window}: there is nothing to index {what}. {hint}")


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


def _moved(pct: Decimal | float, per: str) -> str:
    """"fell 12.3% a year ", "rose 4.0% a year " or "held steady " (a change under 0.05%)."""
    if round(pct, 1) == 0:
        return "held steady "
    return f"{'fell' if pct < 0 else 'rose'} {abs(pct):.1f}% {per}"


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
    market_change_per_year_pct: float | None = None  # the market index over the same months, annualised

    def summary(self) -> str:
        if self.price_change_per_year_pct is None or self.mix_change_pct is None:
            return "not enough months with traffic for a change"
        text = f"your prices {_moved(self.price_change_per_year_pct, 'a year ')}at constant mix; "
        if round(self.mix_change_pct, 1) == 0:
            text += "your mix did not change what you paid per token"
        else:
            mix_verb = "cheaper" if self.mix_change_pct < 0 else "dearer"
            text += f"your mix moved {abs(self.mix_change_pct):.1f}% {mix_verb} over the period"
        if self.market_change_per_year_pct is not None:
            text += f"; the market index {_moved(self.market_change_per_year_pct, 'a year ')}over the same months"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {"group": self.group, "formula": self.formula, "summary": self.summary(),
                "price_change_per_year_pct": self.price_change_per_year_pct,
                "price_change_pct": self.price_change_pct, "unit_price_change_pct": self.unit_price_change_pct,
                "mix_change_pct": self.mix_change_pct,
                "market_change_per_year_pct": self.market_change_per_year_pct, "notes": self.notes,
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
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step (spend, index, market); not in JSON

    def as_dict(self) -> dict[str, Any]:
        return {"by": self.by, "formula": self.formula, "engine": self.engine, "market": self.market_label,
                "total": self.total.as_dict(), "groups": [g.as_dict() for g in self.groups], "notes": self.notes}


Cell = tuple[str, str, str]  # model, provider, bucket


def _cells(row: SpendRow) -> dict[Cell, tuple[Decimal, Decimal]]:
    """(model, provider, bucket) → (unit price USD per 1M, tokens) for one priced group (call inside a context of
    enough precision: build_index sets the index-number precision, 40 digits)."""
    out: dict[Cell, tuple[Decimal, Decimal]] = {}
    model, provider = str(row.keys.get("model")), str(row.keys.get("provider"))
    costs = row.cost_by_bucket
    for bucket, q in (("input", row.input_uncached), ("cache_read", row.cache_read),
                      ("cache_write", row.cache_write), ("output", row.output_text + row.output_reasoning)):
        if q > 0:
            out[(model, provider, bucket)] = (costs[bucket] * MICRO / q, Decimal(q))
    return out


def build_index(rows: list[SpendRow], formula: str = "fisher", group: str | None = None) -> PersonalIndex:
    """Chain the index over months from spend rows keyed by (period, model, provider)."""
    if formula not in FORMULAS:
        raise InputError(f"formula {formula!r}: choose fisher or tornqvist", field="formula")
    with localcontext() as ctx:
        ctx.prec = numbers.PREC
        return _build(rows, formula, group)


def _build(rows: list[SpendRow], formula: str, group: str | None) -> PersonalIndex:
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
    if skipped and group is not None:  # the total's note lists examples; a group's only counts them
        notes.append(f"{len(skipped)} month×model group(s) with unpriced tokens left out whole")
    elif skipped:
        notes.append(f"{len(skipped)} month×model group(s) with unpriced tokens left out whole (the spend report "
                     "lists them): " + "; ".join(skipped[:5]) + (" …" if len(skipped) > 5 else ""))
    months = sorted(per_month)
    if not months:
        notes.append("no priced traffic: every month's traffic is unpriced, so there is no index")
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
        unit = (cost[m] * MICRO / toks[m]).quantize(Decimal("1e-24")) if toks[m] else None
        link: Decimal | None = None
        share: Decimal | None = None
        note = None
        matched = 0
        if prev is None:
            level = Decimal(1)
        else:
            items = numbers.matched(prev, cur)
            both = set(items)
            matched = len(both)
            spend = sum((p * q for p, q in cur.values()), Decimal(0))
            unmatched = sum((p * q for k, (p, q) in cur.items() if k not in both), Decimal(0))
            share = (unmatched / spend).quantize(Decimal("1e-6")) if spend else None
            if both:
                link = numbers.index(formula, prev, cur, items)
                assert level is not None
                level = level * link
            else:
                note = "no cell in common with the previous month: the chain holds its level (link 1)"
                link = Decimal(1)
        out.append(PersonalMonth(m, level, link, unit, toks[m], cost[m], len(cur), matched, share, None, note))
        prev = cur
    return _summarise(PersonalIndex(group, formula, out, None, None, None, None, notes))


def _span(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _summarise(ix: PersonalIndex) -> PersonalIndex:
    ms = [m for m in ix.months if m.index is not None and m.unit_price]
    if len(ms) < 2:
        if ms:
            ix.notes.append("only one month with priced traffic: no change to report yet")
        return ix
    first, last = ms[0], ms[-1]
    span = _span(first.month, last.month)
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
    since: date | None = None, until: date | None = None, engine: str = "duckdb",
    market: bool | Callable[[date, date], Mapping[date, float]] = True,
) -> PersonalReport:
    """The index of all traffic, and one per model / provider / tag with `by`; the market index beside it.

    `market`: True fits the hedonic market index over the logs' months (`market_levels`), False leaves it out; a
    function (first month, last month) → levels supplies them instead (a server caches one wide fit)."""
    import time

    from llmflation.usage.analytics import spend_views

    if by is not None and by not in BY:
        raise InputError(f"by {by!r}: choose one of {', '.join(BY)}", field="by")
    if formula not in FORMULAS:
        raise InputError(f"formula {formula!r}: choose fisher or tornqvist", field="formula")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    dims = ("month", "model", "provider")
    views = [dims, ("month", "tag", "model", "provider")] if by == "tag" else [dims]
    # one pass over the logs: with --by tag the tagged view folds from the same priced sums
    reports = spend_views(source, ledger, views, since=since, until=until, engine=engine)
    report = reports[0]
    timings["spend"] = time.perf_counter() - t0
    if not report.rows:
        raise NoUsageError(since, until)
    t0 = time.perf_counter()
    total = build_index(report.rows, formula)
    groups: list[PersonalIndex] = []
    notes = list(report.notes)
    if by in ("model", "provider"):
        keyed: dict[str, list[SpendRow]] = defaultdict(list)
        for r in report.rows:
            keyed[str(r.keys[by])].append(r)
        groups = [build_index(rs, formula, g) for g, rs in sorted(keyed.items())]
    elif by == "tag":
        keyed = defaultdict(list)
        for r in reports[1].rows:
            keyed[str(r.keys["tag"])].append(r)
        groups = [build_index(rs, formula, g) for g, rs in sorted(keyed.items())]
        notes.append("a request with several tags counts under each of them")
    timings["index"] = time.perf_counter() - t0
    label = None
    if market is not False:
        t0 = time.perf_counter()
        months = sorted({m.month for ix in (total, *groups) for m in ix.months})
        levels = (market_levels(ledger, months[0], months[-1]) if market is True else market(months[0], months[-1])
                  ) if months else {}
        if levels:
            attach_market(levels, [total, *groups])
            label = MARKET_LABEL
        elif len(months) < 2:
            notes.append("no market index: the logs cover a single month")
        else:
            notes.append(f"no market index for {months[0]:%Y-%m} → {months[-1]:%Y-%m}: the ledger has too few scored "
                         "offers in those months to fit one")
        timings["market"] = time.perf_counter() - t0
    return PersonalReport(by, formula, report.engine, total, groups, label, notes, timings)


def market_levels(ledger: Ledger, start: date | None = None, end: date | None = None) -> dict[date, float]:
    """Month → level of the hedonic market index (all offers, default options, no bootstrap) over [start, end]
    (default: the index's default window); {} when the ledger cannot support one there.

    The adjacent-period links do not depend on where the window starts, so levels fitted over a wider window,
    rebased to a month, equal levels fitted from that month: one fit can serve every window inside it."""
    from llmflation.errors import LlmflationError
    from llmflation.index.hedonic import HedonicOptions, hedonic_index
    from llmflation.index.methods import default_window
    from llmflation.index.panel import build_panel

    try:
        s, e = default_window(ledger, start, end)
        if s >= e:
            return {}
        hed = hedonic_index(build_panel(ledger, start=s, end=e), HedonicOptions(bootstrap=0))
    except LlmflationError:
        return {}
    return {m.month: m.level for m in hed.months if m.level is not None}


def attach_market(levels: Mapping[date, float], indices: list[PersonalIndex]) -> None:
    """Put the market index beside each month, rebased to each index's first month that has a market level, and
    the market's annualised change over the same months."""
    import math

    for ix in indices:
        base = next((levels[m.month] for m in ix.months if m.month in levels), None)
        if base is None:
            continue
        ix.months = [PersonalMonth(m.month, m.index, m.link, m.unit_price, m.tokens, m.cost_usd, m.cells,
                                   m.matched_cells, m.unmatched_spend_share,
                                   levels[m.month] / base if m.month in levels else None, m.note)
                     for m in ix.months]
        have = [m for m in ix.months if m.market is not None and m.index is not None and m.unit_price]
        if len(have) >= 2 and _span(have[0].month, have[-1].month) > 0:
            assert have[0].market is not None and have[-1].market is not None
            ratio = have[-1].market / have[0].market
            ix.market_change_per_year_pct = round(
                (math.exp(math.log(ratio) * 12 / _span(have[0].month, have[-1].month)) - 1) * 100, 2)
