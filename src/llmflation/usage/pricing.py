"""Price usage at the price in effect on each request's day: ONE Ibis expression, any Ibis engine.

The expression is a range join of usage rows with the ledger's validity intervals —
`model = p.model AND pricing_provider = p.provider AND p.valid_from <= day < coalesce(p.valid_to, 9999-12-31)` —
over the effective `prices` (bundled prices with the user's layer and negotiated discounts already applied).
It is a plain left join with inequality predicates, which DuckDB, Spark and most SQL engines run; Ibis's
`asof_join` is deliberately not used because PySpark cannot run it.

Which provider's price applies to a row (kept explicit in every output as `provider_rule`):
  1. `row`: the provider the log row names (LiteLLM custom_llm_provider, OTel gen_ai.provider.name, …);
  2. `first-party`: else the model's developer, when the ledger has the developer's own price for it (or its own
     company's: Qwen at Alibaba Cloud, GLM at Z.ai, Nova at Bedrock, Phi at Azure — records.OWN_PROVIDERS);
  3. `earliest-listed`: else the provider whose price for the model starts earliest (ties: alphabetical).
A row whose provider has no price in effect that day is UNPRICED with its reason — never $0.

Per-row rules are the tariff's (llmflation.ledger.tariff, the one pricing engine `bill` uses too): the price
side is the tariff's segment table — per (model, provider, requested service tier, range of UTC minutes of the
week) the row that prices a call and its rate card, standard and long-context rate per token bucket, with the
fallback behind each — so the join also matches the row's service tier (flex / priority, else standard, counted)
and its time of the week (DeepSeek-style off-peak windows, ledger/windows.py). Long-context rates apply when the
row's input per request exceeds the threshold; batch rows get `batch_discount` (full rate and a flag when none is on
record).

Exactness: token sums are cast to DECIMAL(18,0) and unit prices are DECIMAL(19,9), so each product fits
DECIMAL(38,9) on DuckDB and on Spark with no rounding; costs come out in micro-dollars (tokens × USD per 1M
tokens) and are divided by 10^6 in Python Decimal. The expression aggregates tokens per (group, price) first and
multiplies after — the same sum, far fewer multiplications.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmflation.errors import InputError
from llmflation.ledger.records import STANDARD_TIER, own_providers
from llmflation.ledger.windows import DAY_MINUTES, WEEK_MINUTES
from llmflation.usage.records import BUCKETS, SUB_BUCKETS
from llmflation.usage.small_tables import small_table

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa

    from llmflation.ledger.ledger import Ledger

FAR_FUTURE = date(9999, 12, 31)
PRICE_TYPE = "decimal(19, 9)"
SUM_TYPE = "decimal(18, 0)"  # token sums < 10^18; (18,0) x (19,9) is exact in DECIMAL(37/38,9) on every engine
COST_TYPE = "decimal(38, 9)"
RATE_BUCKETS = ("input", "cache_read", "cache_write", "cache_write_1h", "input_audio", "output", "reasoning",
                "output_audio")  # = ledger.tariff.BUCKETS (checked in tests)
SERVICE_TIERS = ("standard", "flex", "priority")
KNOWN_TIER_VALUES = ("standard", "default", "auto", "flex", "priority", "batch")  # what logs say for priceable tiers
DIMENSIONS = ("model", "provider", "project", "user", "tag", "format", "provider_rule")
PERIODS = ("day", "week", "month", "quarter", "year")

UsageSource = Any  # UsageStore | Path (canonical Parquet) | str


# -- ledger side: small tables -----------------------------------------------------------------------------------
def price_table(ledger: Ledger) -> pa.Table:
    """The tariff's segments as validity intervals: per (model, provider, requested service tier, range of UTC
    minutes of the week) the row that prices a call and its rate card (ledger/tariff.py), standard (`p_*`) and
    long-context (`pl_*`, NULL without a long tier) rates per bucket, and the fallbacks behind them. Offers past
    their shutdown (lifecycle) end at the shutdown date."""
    import pyarrow as pa

    from llmflation.ledger.tariff import BUCKETS as RATE_BUCKETS
    from llmflation.ledger.tariff import rate_card, segments

    stops = {(lc.model, lc.provider): lc.shutdown_on for lc in ledger.lifecycle() if lc.shutdown_on}
    segs = segments(ledger.all_prices(), stops)
    cards: dict[int, Any] = {}
    for sg in segs:
        if id(sg.price) not in cards:
            cards[id(sg.price)] = rate_card(sg.price)
    rows = [(sg, cards[id(sg.price)]) for sg in segs]
    dec = pa.decimal128(19, 9)
    cols: dict[str, tuple[pa.DataType, list[Any]]] = {
        "p_id": (pa.int32(), list(range(len(rows)))),
        "p_model": (pa.string(), [sg.model for sg, _ in rows]),
        "p_provider": (pa.string(), [sg.provider for sg, _ in rows]),
        "p_tier": (pa.string(), [sg.tier for sg, _ in rows]),
        "p_row_tier": (pa.string(), [sg.price.tier for sg, _ in rows]),
        "m_from": (pa.int32(), [sg.minute_from for sg, _ in rows]),
        "m_to": (pa.int32(), [sg.minute_to for sg, _ in rows]),
        "valid_from": (pa.date32(), [sg.valid_from for sg, _ in rows]),
        "valid_to": (pa.date32(), [sg.valid_to for sg, _ in rows]),
        "long_context_threshold": (pa.int64(), [c.threshold for _, c in rows]),
        "p_batch_discount": (dec, [_q9(sg.price.batch_discount) for sg, _ in rows]),
        "tier_fallback": (pa.bool_(), [sg.tier_fallback for sg, _ in rows]),
    }
    for bk in RATE_BUCKETS:
        cols[f"p_{bk}"] = (dec, [_q9(c.standard[bk]) for _, c in rows])
        cols[f"pl_{bk}"] = (dec, [_q9(c.long[bk]) if c.long else None for _, c in rows])
        cols[f"f_{bk}"] = (pa.string(), [c.fallback.get(bk) for _, c in rows])
    return small_table(cols)


@functools.lru_cache(maxsize=4096)  # a ledger repeats a few hundred rates across thousands of segment cells
def _q9(v: Any) -> Any:
    from decimal import Decimal

    if v is None:
        return None
    q = Decimal(v).quantize(Decimal("1e-9"))
    if q != Decimal(v):
        raise InputError(f"price {v} has more than 9 decimal places; the pricing engine keeps 9 exactly")
    return q


def provider_choices(ledger: Ledger) -> pa.Table:
    """model → provider that prices rows naming no provider, and the rule that chose it (see module doc)."""
    import pyarrow as pa

    by_model: dict[str, list[Any]] = {}
    for p in ledger.all_prices():
        if p.tier == STANDARD_TIER:
            by_model.setdefault(p.model, []).append(p)
    models, providers, rules = [], [], []
    for model, prices in sorted(by_model.items()):
        sellers = {p.provider for p in prices}
        own = [prov for prov in own_providers(_developer(ledger, model)) if prov in sellers]
        if own:
            chosen, rule = own[0], "first-party"
        else:
            chosen = min(prices, key=lambda p: (p.valid_from, p.provider)).provider
            rule = "earliest-listed"
        models.append(model)
        providers.append(chosen)
        rules.append(rule)
    return small_table({"c_model": (pa.string(), models), "c_provider": (pa.string(), providers),
                        "c_rule": (pa.string(), rules)})


def _developer(ledger: Ledger, model: str) -> str | None:
    try:
        return ledger.model(model).developer
    except KeyError:
        return model.split("/", 1)[0]


# -- the expression ----------------------------------------------------------------------------------------------
def period_expr(day: ir.DateValue, period: str) -> ir.Value:
    if period == "day":
        return day
    unit = {"week": "W", "month": "M", "quarter": "Q", "year": "Y"}.get(period)
    if unit is None:
        raise InputError(f"unknown period {period!r}; choose one of {', '.join(PERIODS)}")
    return day.truncate(unit)


def _with_call_keys(u: ir.Table) -> ir.Table:
    """The requested service tier (what the tariff can price; anything else prices as standard and is counted)
    and the UTC minute of the week (for off-peak windows)."""
    import ibis

    tier = u.service_tier.lower()
    return u.mutate(
        tier_req=ibis.cases((tier.isin(["flex", "priority"]), tier), else_="standard"),
        tier_unknown=tier.notnull() & ~tier.isin(list(KNOWN_TIER_VALUES)),
        minute=minute_of_week_expr(u.ts),
    )


def minute_of_week_expr(ts: ir.TimestampValue) -> ir.IntegerValue:
    """A UTC timestamp's minute of the week, Monday 00:00 = 0 (windows.minute_of_week): what the segments' minute
    ranges are compared with. One expression for every engine (Ibis: Monday is day 0 on DuckDB and Spark alike)."""
    return (ts.day_of_week.index().cast("int32") * DAY_MINUTES + ts.hour() * 60 + ts.minute()).cast("int32")


def _range_join(u: ir.Table, side: ir.Table, day: str = "day", minute: str = "minute") -> ir.Table:
    """`u` (rows, or sums of rows) joined to the tariff segment in effect for its model, provider, tier, `day` and UTC
    `minute` of the week: the validity intervals `[valid_from, valid_to)` as a range join (Spark has no as-of join)."""
    return u.left_join(side, [
        u.model == side.p_model,
        u.price_provider == side.p_provider,
        u.tier_req == side.p_tier,
        side.valid_from <= u[day],
        u[day] < side.valid_to.fill_null(FAR_FUTURE),
        side.m_from <= u[minute],
        u[minute] < side.m_to,
    ])


def _rate(t: ir.Table, bucket: str, long: ir.BooleanValue) -> ir.DecimalValue:
    """A bucket's rate: the long-context rate when the call is long and the segment has one, else the standard."""
    import ibis

    return ibis.ifelse(long & t[f"pl_{bucket}"].notnull(), t[f"pl_{bucket}"], t[f"p_{bucket}"])


def with_provider(t: ir.Table, choices: ir.Table) -> ir.Table:
    """`price_provider` (the row's provider, else its model's chosen one) and `provider_rule` (see module doc)."""
    import ibis

    u = t.left_join(choices, t.model == choices.c_model)
    named = u.provider.nullif("")  # a blank provider names none
    return u.mutate(
        price_provider=ibis.coalesce(named, u.c_provider),
        provider_rule=ibis.cases((named.notnull(), "row"), (u.c_rule.notnull(), u.c_rule), else_="none"),
    )


@dataclass(frozen=True)
class PriceShape:
    """What the row stage needs to know about the price side to group rows by *price key* without joining them:
    every long-context threshold and every off-peak window bound the ledger uses. A row's long-context rank (how
    many thresholds its input per request exceeds) and its window slot (the last bound at or before its UTC minute
    of the week) decide its rate under every price segment it can meet, so rows that agree on them, and on day,
    model, provider, tier and batch, cost the same per token and may be summed before pricing."""

    thresholds: tuple[int, ...] = ()
    minute_bounds: tuple[int, ...] = ()
    # the largest step every minute bound is a multiple of (30 for windows on the half hour): a row's slot is its
    # minute of the week rounded down to it, which lies in the same price segment as the minute itself
    minute_step: int = WEEK_MINUTES
    # per offer, the dates its price segments start or end (`offer_boundaries`), as a table on the engine;
    # None: rows are grouped by day
    boundaries: Any = None


def price_shape(table: pa.Table, boundaries: Any = None) -> PriceShape:
    """The thresholds (ascending) and interior minute bounds (minutes of the week, 0 < b < WEEK_MINUTES,
    ascending) of a `price_table`."""
    import math

    thresholds = sorted({int(v) for v in table.column("long_context_threshold").to_pylist() if v is not None})
    bounds = {int(v) for c in ("m_from", "m_to") for v in table.column(c).to_pylist()}
    interior = tuple(sorted(b for b in bounds if 0 < b < WEEK_MINUTES))
    return PriceShape(tuple(thresholds), interior, math.gcd(WEEK_MINUTES, *interior), boundaries)


def offer_boundaries(table: pa.Table, choices: pa.Table) -> pa.Table:
    """Per offer (model, provider), a number `e_id` and every date its price segments start or end, as columns
    b1..bK (padded with a date no day reaches): between two of them every segment of the offer (all tiers, windows,
    long-context tiers) is constant. Rows naming no provider use the dates of their model's chosen provider
    (provider key ''). A row's *epoch* — how many of its offer's dates fall on or before its day — is then a few
    comparisons, and the rows of one epoch can be summed before they meet the prices. Offers change price rarely
    (the bundled ledger: five dates at most), so the sums are few: about one per offer, epoch and period. The rows
    are summed by `e_id` rather than by their model and provider names (a small integer groups faster than two
    strings); the names come back from this table after the sums."""
    import pyarrow as pa

    dates: dict[tuple[str, str], set[date]] = {}
    window: dict[tuple[str, str], bool] = {}
    long: dict[tuple[str, str], bool] = {}
    cols = table.select(["p_model", "p_provider", "valid_from", "valid_to", "m_from", "m_to",
                         "long_context_threshold"]).to_pydict()
    for m, p, f, t, m0, m1, th in zip(*cols.values(), strict=True):
        ds = dates.setdefault((m, p), set())
        ds.add(f)
        if t is not None:
            ds.add(t)
        window[(m, p)] = window.get((m, p), False) or (m0, m1) != (0, WEEK_MINUTES)
        long[(m, p)] = long.get((m, p), False) or th is not None
    chosen = choices.to_pydict()
    for m, p in zip(chosen["c_model"], chosen["c_provider"], strict=True):
        if (m, p) in dates:
            dates[(m, "")], window[(m, "")], long[(m, "")] = dates[(m, p)], window[(m, p)], long[(m, p)]
    keys = sorted(dates)
    ordered = {k: sorted(dates[k]) for k in keys}
    width = max((len(v) for v in ordered.values()), default=0)
    out: dict[str, tuple[pa.DataType, list[Any]]] = {
        "e_id": (pa.int32(), list(range(1, len(keys) + 1))),
        "e_model": (pa.string(), [k[0] for k in keys]), "e_provider": (pa.string(), [k[1] for k in keys]),
        "e_window": (pa.bool_(), [window[k] for k in keys]), "e_long": (pa.bool_(), [long[k] for k in keys])}
    for i in range(width):  # padded with a date no day reaches (no NULL: a comparison per column, nothing more)
        out[f"b{i + 1}"] = (pa.date32(), [ordered[k][i] if i < len(ordered[k]) else FAR_FUTURE for k in keys])
    return small_table(out)


def with_threshold_rank(table: pa.Table, shape: PriceShape) -> pa.Table:
    """`p_lc_rank`: the 1-based rank of a segment's long-context threshold among `shape.thresholds` (NULL: none),
    so `long = row rank >= p_lc_rank` equals `input per request > threshold` for every row."""
    import pyarrow as pa

    rank = {t: i + 1 for i, t in enumerate(shape.thresholds)}
    ranks = [None if v is None else rank[int(v)] for v in table.column("long_context_threshold").to_pylist()]
    return table.append_column("p_lc_rank", small_table({"r": (pa.int8(), ranks)}).column("r"))


def _row_keys(t: ir.Table, shape: PriceShape, usage: ir.Table) -> dict[str, Any]:
    """The per-row price keys (cheap scalar expressions, no join): requested tier, window slot, long-context rank.
    When `t` carries its offer's `e_window` / `e_long` flags (`offer_boundaries`), slot and rank are computed only
    for rows whose offer has a time window / a long-context tier (others: 0, which prices them the same)."""
    import ibis

    def gated(flag: str, value: Any, none: Any) -> Any:
        return ibis.ifelse(t[flag].fill_null(False), value, none) if flag in t.columns else value

    keys: dict[str, Any] = {}
    absent_tier = _is_default(usage, "service_tier")
    if absent_tier:
        keys["tier_req"] = ibis.literal("standard")
    else:
        tier = t.service_tier.lower()
        keys["tier_req"] = ibis.cases((tier.isin(["flex", "priority"]), tier), else_="standard")
    if shape.minute_bounds:
        # the minute of the week rounded down to the bounds' common step: one division, where a CASE over the
        # bounds grows with every window (DeepSeek's weekday windows alone have 20 bounds a week)
        minute = minute_of_week_expr(t.ts)
        slot = minute - minute % shape.minute_step  # integer arithmetic (`//` compiles to a float division)
        keys["slot"] = gated("e_window", slot, 0).cast("int32")
    else:
        keys["slot"] = ibis.literal(0, "int32")
    if shape.thresholds:
        # the rank is the number of thresholds the input per request exceeds; one comparison settles most rows
        prompt = t.input_uncached + t.cache_read + t.cache_write
        reqs = ibis.greatest(t.requests, 1)
        rank = ibis.cases(*[(prompt <= reqs * th, i) for i, th in enumerate(shape.thresholds)],
                          else_=len(shape.thresholds))
        keys["lc_rank"] = gated("e_long", rank, 0).cast("int8")
    else:
        keys["lc_rank"] = ibis.literal(0, "int8")
    return keys


def _is_default(t: ir.Table, column: str) -> bool:
    """True when `column` of `t` is a constant (e.g. filled in by `_with_defaults` for a source without it): the
    row stage then skips the per-row work on it."""
    import ibis.expr.operations as ops

    op = t[column].op()
    while isinstance(op, ops.Field):
        rel = op.rel
        if isinstance(rel, ops.Project):
            op = rel.values[op.name]
        elif isinstance(rel, ops.Filter):
            op = ops.Field(rel.parent, op.name)
        else:
            return False
    return isinstance(op, ops.Literal)


def spend_expr(usage: ir.Table, prices: ir.Table, choices: ir.Table, keys: Sequence[str], period: str | None,
               since: date | None = None, until: date | None = None, shape: PriceShape | None = None) -> ir.Table:
    """The one expression, aggregate-then-price: filter → sum token buckets per price key → range join of the sums
    with the validity intervals → exact DECIMAL costs → the asked-for groups.

    Stage 1 (`price_key_sums`) touches every row but joins only the small table of offers: it groups rows by what
    decides their rate — day (or offer and price epoch), model, named provider, requested tier, batch, window slot
    and long-context rank (see `PriceShape`) — plus the raw columns the asked-for keys derive from, and sums
    requests and tokens. Stage 2 (`priced_sums`) resolves the provider rule and joins these aggregates (not the
    rows) to the tariff's segments, where the unit prices meet the sums; stage 3 (`fold_priced`) folds to the
    asked-for keys. The result is the same to the last digit as pricing each row (sums of exact products are exact;
    `tests/test_usage_aggregate.py` compares them on random logs, on DuckDB and Spark). `keys` are dimension names
    (DIMENSIONS); `period` adds a `period` column (start date). Result columns: the keys, provider_rule,
    unpriced_reason, u_model / u_provider (for unpriced groups), batch_discount, flag token/request counts, request
    and token sums per bucket, reported cost, and c_in/c_cr/c_cw/c_out in micro-dollars.
    """
    return fold_priced(priced_groups(usage, prices, choices, keys, period, since, until, shape), keys, period)


def priced_groups(usage: ir.Table, prices: ir.Table, choices: ir.Table, keys: Sequence[str], period: str | None,
                  since: date | None = None, until: date | None = None, shape: PriceShape | None = None
                  ) -> ir.Table:
    """Stages 1 and 2 of `spend_expr`: the rows summed per price key (and per the raw columns `keys` derive from),
    priced. One such table folds (`fold_priced`) to any subset of `keys` at the same `period`, or to no period at
    all, so several views of one log cost one pass over its rows."""
    for k in keys:
        if k not in DIMENSIONS:
            raise InputError(f"unknown dimension {k!r}; choose from {', '.join((*PERIODS, *DIMENSIONS))}",
                             field="by")
    t = filter_days(usage, since, until)
    return priced_sums(price_key_sums(usage, t, shape or PriceShape(), period, keys), prices, choices)


def fold_priced(g: ir.Table, keys: Sequence[str], period: str | None) -> ir.Table:
    """Stage 3 of `spend_expr`: priced groups (`priced_groups`, built with every key of `keys` and with this
    `period` or, when `period` is None, any) summed to the asked-for keys."""
    import ibis

    cols: dict[str, Any] = {}
    if period:
        cols["period"] = g.r_period if "r_period" in g.columns else period_expr(g.first_day, period)
    for k in keys:
        if k == "tag":
            cols["tag"] = ibis.coalesce(g.r_tags, "(untagged)").split(",").unnest()
        elif k == "user":
            cols["user"] = g.r_user
        elif k == "format":
            cols["format"] = g.r_format
        elif k == "provider":
            cols["provider"] = g.price_provider
        elif k == "model":
            cols["model"] = ibis.coalesce(g.model, g.r_model_raw)
        elif k == "project":
            cols["project"] = g.r_project
        else:  # provider_rule
            cols[k] = g.provider_rule
    g = g.mutate(**{f"k_{name}": v for name, v in cols.items()})
    # back to the asked-for groups (keeping what the report needs: rule, unpriced reason, batch discount)
    out = ["requests", *BUCKETS, *SUB_BUCKETS, "reported_cost", "reported_rows", "cr_at_input",
           "cw_at_input", "cw1h_at_5m", "audio_at_text", "tier_fallback_requests", "tier_unknown_requests",
           "off_peak_requests", "batch_no_discount", "long_requests", "c_in", "c_cr", "c_cw", "c_out"]
    keys2 = [*(f"k_{n}" for n in cols), "provider_rule", "unpriced_reason", "u_model", "u_provider",
             "batch_discount"]
    return g.group_by(keys2).aggregate(first_day=g.first_day.min(), last_day=g.last_day.max(),
                                       **{c: g[c].sum() for c in out})


def filter_days(usage: ir.Table, since: date | None, until: date | None) -> ir.Table:
    """Rows with since <= day < until (either bound optional)."""
    t = usage
    if since is not None:
        t = t.filter(t.day >= since)
    if until is not None:
        t = t.filter(t.day < until)
    return t


def _raw_model(t: ir.Table, usage: ir.Table) -> ir.Value:
    """The raw name of a row whose model is unknown (NULL for known models): a constant NULL when the log's model
    column is typed NOT NULL (`column_facts`), so the raw names are neither read nor grouped by."""
    import ibis

    if not usage.model.type().nullable:
        return ibis.null(str)
    return ibis.ifelse(t.model.isnull(), t.model_raw, ibis.null(str))


RAW_KEYS: dict[str, tuple[str, Any]] = {  # asked-for key -> (stage-1 column, the row value it is summed by)
    "tag": ("r_tags", lambda t, usage: t.tags),
    "user": ("r_user", lambda t, usage: t.user_id),
    "format": ("r_format", lambda t, usage: t.source_format),
    "project": ("r_project", lambda t, usage: t.project),
    "model": ("r_model_raw", _raw_model),
}


def price_key_sums(usage: ir.Table, t: ir.Table, shape: PriceShape, period: str | None,
                   keys: Sequence[str] = ()) -> ir.Table:
    """Stage 1: the rows of `t` (a filtered `usage`) summed per price key, plus the raw columns the asked-for `keys`
    derive from (RAW_KEYS). Columns: model, provider, unresolved_reason, batch, tier_req, slot, lc_rank, first_day,
    last_day (and r_period when grouped by epoch and period), request/token sums, reported cost and rows,
    tier_unknown_requests."""
    import ibis
    import ibis.expr.operations as ops

    by_offer = period != "day" and shape.boundaries is not None
    unresolved = ibis.null(str) if _is_default(usage, "unresolved_reason") else None
    if by_offer:
        # the rows of one offer's price epoch share their segments: group by offer number, epoch (and period)
        # rather than by day and names, keeping the epoch's first day to find the segments. Rows of no known offer
        # (unknown model or provider) keep their names in the key; a blank provider is no provider (`with_provider`).
        e = shape.boundaries
        bcols = [c for c in e.columns if c not in ("e_id", "e_model", "e_provider", "e_window", "e_long")]
        t = t.left_join(e, [t.model == e.e_model, ibis.coalesce(t.provider, "") == e.e_provider])
        # the dates are ascending (padded with a date no day reaches), so the first one after the day gives its
        # epoch: a CASE stops at the first match, where a sum of comparisons makes all of them (20M rows on 2 cores:
        # ~0.2 s less). A row of no offer compares with NULLs, matches none and takes the last epoch; its names
        # keep it apart (k_model, k_provider).
        epoch: Any = ibis.literal(0, "int8")
        if bcols:
            epoch = ibis.cases(*[(t.day < t[c], i) for i, c in enumerate(bcols)], else_=len(bcols)).cast("int8")
        none = t.e_id.isnull()
        keyed: dict[str, Any] = {
            "e_id": t.e_id, "k_model": ibis.ifelse(none, t.model, ibis.null(str)),
            "k_provider": ibis.ifelse(none, t.provider, ibis.null(str)), "r_epoch": epoch,
            "k_reason": unresolved if unresolved is not None else ibis.ifelse(none, t.unresolved_reason,
                                                                              ibis.null(str))}
        if period:
            keyed["r_period_n"] = _period_number(t.day, period)
    else:
        keyed = {"day": t.day, "model": t.model, "provider": t.provider,
                 "unresolved_reason": unresolved if unresolved is not None else t.unresolved_reason}
    row_keys = {**keyed, "batch": t.batch, **_row_keys(t, shape, usage)}
    raw = {RAW_KEYS[k][0]: RAW_KEYS[k][1](t, usage) for k in keys if k in RAW_KEYS}
    # a key that is a constant (no tier column, no window or threshold in the ledger, a column the log's footers
    # prove NULL throughout) is added after the sums: grouping by it would cost work per row for nothing
    constant = {k: v for k, v in {**row_keys, **raw}.items() if isinstance(v.op(), ops.Literal)}
    group = [k for k in (*row_keys, *raw) if k not in constant]
    present_subs = [b for b in SUB_BUCKETS if not _is_default(usage, b)]
    # one projection of the (joined) rows: the group keys and the values summed, nothing else
    values: dict[str, Any] = {c: t[c] for c in ("requests", *BUCKETS, *present_subs)}
    if _is_default(usage, "reported_cost"):  # no row reports a cost
        constant.update(reported_cost=ibis.null(usage.reported_cost.type()), reported_rows=ibis.literal(0, "int64"))
    else:
        values["reported_cost"] = t.reported_cost
    if not _is_default(usage, "service_tier"):
        tier = t.service_tier.lower()
        values["r_tier_unknown"] = ibis.ifelse(tier.notnull() & ~tier.isin(list(KNOWN_TIER_VALUES)), t.requests, 0)
    if by_offer:
        values["r_day"] = t.day
    rows = t.select(**{k: v for k, v in {**row_keys, **raw}.items() if k in group}, **values)
    sums: dict[str, Any] = {c: rows[c].sum() for c in ("requests", *BUCKETS, *present_subs)}
    if "reported_cost" in values:
        sums.update(reported_cost=rows.reported_cost.sum(), reported_rows=rows.reported_cost.count())
    if "r_tier_unknown" in values:
        sums["tier_unknown_requests"] = rows.r_tier_unknown.sum()
    else:  # no tier column: no request asked for a tier the ledger cannot price
        constant["tier_unknown_requests"] = ibis.literal(0, "int64")
    if by_offer:
        sums.update(first_day=rows.r_day.min(), last_day=rows.r_day.max())
    a = rows.group_by(group).aggregate(**sums)
    # what the sums do not carry, added in one projection: constant keys, the sub-buckets this log has not
    # (zero), the names and period start (`_offer_names`) or the day as first and last day
    after = {**constant, **{b: ibis.literal(0, "int64") for b in SUB_BUCKETS if b not in present_subs}}
    return _offer_names(a, shape.boundaries, period, after) if by_offer else a.mutate(
        first_day=a.day, last_day=a.day, **after)


def _period_number(day: ir.DateValue, period: str) -> ir.IntegerValue:
    """The period of `day` as a small integer (months since year 0, …): a group key that costs less per row than the
    period's start date, which `_period_start` rebuilds from it after the sums. Weeks keep their start date."""
    if period == "month":
        return day.year() * 12 + day.month() - 1
    if period == "quarter":
        return day.year() * 4 + day.quarter() - 1
    if period == "year":
        return day.year()
    return period_expr(day, period)


def _period_start(n: ir.Value, period: str) -> ir.DateValue:
    import ibis

    if period == "month":
        return ibis.date(n // 12, n % 12 + 1, 1)
    if period == "quarter":
        return ibis.date(n // 4, (n % 4) * 3 + 1, 1)
    if period == "year":
        return ibis.date(n, 1, 1)
    return n


def _offer_names(a: ir.Table, boundaries: ir.Table, period: str | None, extra: dict[str, Any]) -> ir.Table:
    """Sums keyed by offer number (`price_key_sums`) with their model, provider and unresolved reason back (and the
    period's start date), plus `extra` columns: a join of the few sums to the offers table, one projection."""
    import ibis

    e = boundaries.select(x_id=boundaries.e_id, x_model=boundaries.e_model, x_provider=boundaries.e_provider)
    j = a.left_join(e, a.e_id == e.x_id)
    cols: dict[str, Any] = {
        "model": ibis.coalesce(j.x_model, j.k_model),
        "provider": ibis.ifelse(j.e_id.isnull(), j.k_provider, j.x_provider.nullif("")),
        "unresolved_reason": j.k_reason if "k_reason" in a.columns else extra["k_reason"]}
    if period:
        cols["r_period"] = _period_start(j.r_period_n, period)
    # mutate, then drop: a relation the next join can start from (a join's own `select` would extend its chain)
    gone = [c for c in ("e_id", "k_model", "k_provider", "k_reason", "r_period_n", "x_id", "x_model", "x_provider")
            if c in a.columns or c.startswith("x_")]
    return j.mutate(**cols, **{k: v for k, v in extra.items() if k != "k_reason"}).drop(*gone)


def priced_sums(a: ir.Table, prices: ir.Table, choices: ir.Table) -> ir.Table:
    """Stage 2: price-key sums with their provider rule, joined to the tariff segment in effect on their first day
    (every day of a group shares it), with `cost_columns`."""

    g = _range_join(with_provider(a, choices), prices, day="first_day", minute="slot")
    long = (g.p_lc_rank.notnull() & (g.lc_rank >= g.p_lc_rank)).fill_null(False)
    return g.mutate(**cost_columns(g, long))


def cost_columns(g: ir.Table, long: ir.BooleanValue) -> dict[str, Any]:
    """The priced side of a usage table joined to the tariff's segments (rows or their sums: the formulas are linear
    in the token counts, so pricing sums equals summing prices): the unpriced reason, micro-dollar costs per bucket
    family, the batch discount, and the counts behind each note (fallbacks, tiers, off-peak, long context)."""
    import ibis

    priced = g.p_input.notnull()

    def r(bucket: str) -> ir.DecimalValue:
        return _rate(g, bucket, long)

    def fb(bucket: str, tokens: ir.IntegerValue) -> ir.IntegerValue:
        return ibis.ifelse(priced & g[f"f_{bucket}"].notnull(), tokens, 0)

    return {
        "unpriced_reason": ibis.cases(
            (g.model.isnull(), ibis.coalesce(g.unresolved_reason, "unknown model")),
            (g.price_provider.isnull(), "no price on record for this model from any provider"),
            (~priced, "no price in effect on that day from " + g.price_provider),
            else_=ibis.null(str),
        ),
        "c_in": micro_usd_total((g.input_uncached - g.input_audio, r("input")), (g.input_audio, r("input_audio"))),
        "c_cr": micro_usd(g.cache_read, r("cache_read")),
        "c_cw": micro_usd_total((g.cache_write - g.cache_write_1h, r("cache_write")),
                                (g.cache_write_1h, r("cache_write_1h"))),
        "c_out": micro_usd_total((g.output_text - g.output_audio, r("output")), (g.output_reasoning, r("reasoning")),
                                 (g.output_audio, r("output_audio"))),
        "batch_discount": ibis.ifelse(g.batch, g.p_batch_discount, ibis.null(PRICE_TYPE)),
        "cr_at_input": fb("cache_read", g.cache_read),
        "cw_at_input": fb("cache_write", g.cache_write - g.cache_write_1h),
        "cw1h_at_5m": fb("cache_write_1h", g.cache_write_1h),
        "audio_at_text": fb("input_audio", g.input_audio) + fb("output_audio", g.output_audio),
        "tier_fallback_requests": ibis.ifelse(priced & g.tier_fallback, g.requests, 0),
        "off_peak_requests": ibis.ifelse(priced & (g.p_row_tier == "off-peak"), g.requests, 0),
        "batch_no_discount": ibis.ifelse(priced & g.batch & g.p_batch_discount.isnull(), g.requests, 0),
        "long_requests": ibis.ifelse(priced & long, g.requests, 0),
        "u_model": ibis.ifelse(priced, ibis.null(str), ibis.coalesce(g.model, "(unknown model)")),
        "u_provider": ibis.ifelse(priced, ibis.null(str), g.price_provider),
    }


def row_costs_expr(usage: ir.Table, prices: ir.Table, choices: ir.Table) -> ir.Table:
    """Per-row pricing: each row joined to the tariff segment in effect (left join: unpriced rows stay, with a
    reason), with `cost_columns`. The reference the aggregate-then-price expression is tested against, and the place
    for any answer that needs one priced row per request."""
    import ibis

    j = _range_join(_with_call_keys(with_provider(usage, choices)), prices)
    # per request: a row with requests=0 (canonical Parquet can carry one) counts as one request, never as
    # "every token is past the threshold"
    input_total = j.input_uncached + j.cache_read + j.cache_write
    long = (j.long_context_threshold.notnull()
            & (input_total > j.long_context_threshold * ibis.greatest(j.requests, 1))).fill_null(False)
    return j.mutate(tier_unknown_requests=ibis.ifelse(j.tier_unknown.fill_null(False), j.requests, 0),
                    **cost_columns(j, long))


def micro_usd(tokens: ir.IntegerValue, price: ir.DecimalValue) -> ir.DecimalValue:
    """tokens × USD per 1M tokens = micro-dollars, exact. DECIMAL(18,0) × DECIMAL(19,9) is DECIMAL(37,9) on DuckDB
    (computed in 128 bits; with two 18-digit operands DuckDB would multiply in 64 bits and overflow) and
    DECIMAL(38,9) on Spark (p1 + p2 + 1 = 38: no scale is dropped). The outer cast only widens, because Ibis would
    otherwise declare the product as DECIMAL(19,9)."""
    return (tokens.cast(SUM_TYPE) * price.cast(PRICE_TYPE)).cast(COST_TYPE)


def micro_usd_total(*terms: tuple[ir.IntegerValue, ir.DecimalValue]) -> ir.DecimalValue:
    """The exact sum of several tokens × price products. Spark types a sum of two DECIMAL(38,9) values as
    DECIMAL(39,9), which it cannot hold, and silently drops a digit of scale (allowPrecisionLoss): so each product is
    narrowed first to DECIMAL(38 - (n - 1), 9), whose sum of n terms fits DECIMAL(38,9) exactly. The narrowing is
    safe: a product is below 10^18 tokens × 10^6 USD per 1M (prices above $100,000/M are refused) = 10^24, and the
    narrowest type here (n = 3, DECIMAL(36,9)) holds 27 integer digits."""
    narrow = f"decimal({38 - (len(terms) - 1)}, 9)"
    total: ir.DecimalValue | None = None
    for tokens, price in terms:
        product = (tokens.cast(SUM_TYPE) * price.cast(PRICE_TYPE)).cast(narrow)
        total = product if total is None else total + product
    assert total is not None
    return total.cast(COST_TYPE)


# -- engines -------------------------------------------------------------------------------------------------------
@dataclass
class Engine:
    """An Ibis backend plus what it needs to see the usage rows; use as `with open_engine(spec, source) as e`."""

    name: str
    con: Any
    usage: Any
    _cleanup: list[Any] = field(default_factory=list)

    def memtable(self, table: pa.Table) -> ir.Table:
        """A small Arrow table as an Ibis table on this engine (prices, provider choices, candidates)."""
        import uuid

        import ibis

        name = f"llmflation_{uuid.uuid4().hex[:12]}"
        if self.name == "duckdb":
            # the Arrow table registered as a view: ibis.memtable would do the same, but resolving its Arrow types
            # first imports every Arrow-backed memtable kind, pyarrow.dataset among them, which imports pandas.
            # Its schema is the Arrow table's (`con.table` would ask DuckDB for it: a query per table).
            import ibis.expr.datatypes as dt
            import ibis.expr.operations as ops

            self.con.con.register(name, table)
            self._cleanup.append(_Unregister(self.con.con, name))
            schema = ibis.schema({f.name: dt.DataType.from_pyarrow(f.type, nullable=True) for f in table.schema})
            return ops.DatabaseTable(name, schema=schema, source=self.con,
                                     namespace=ops.Namespace(catalog=None, database=None)).to_expr()
        if self.name != "spark":
            return ibis.memtable(table)
        # Ibis's PySpark memtable path maps decimals through pandas and fails on NULL decimals with pandas 3;
        # hand Spark the Arrow table directly (PySpark 4 accepts pyarrow.Table) under a unique view name.
        session = self.con._session
        session.createDataFrame(table).createOrReplaceTempView(name)
        self._cleanup.append(_DropView(session, name))
        return self.con.table(name)

    def execute(self, expr: ir.Table) -> list[dict[str, Any]]:
        """The rows of `expr` as dicts; timestamps (Spark's way of returning some dates) become dates."""
        import pyarrow as pa

        result = self.arrow(expr)
        columns = []
        for col in result.columns:
            values = col.to_pylist()
            if pa.types.is_timestamp(col.type):
                values = [None if v is None else v.date() for v in values]
            columns.append(values)
        names = result.column_names
        return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


    def arrow(self, expr: ir.Table) -> pa.Table:
        """`expr`'s result as an Arrow table with the expression's schema. On DuckDB this is Ibis's own `to_pyarrow`
        minus its module of pandas converters (importing pandas costs about 0.3 s of every usage command, and no
        pandas object is involved): the same relation, fetched as Arrow and mapped to the schema by Ibis's Arrow
        mapper, NULL-typed columns as Ibis's DuckDB mapper makes them."""
        if self.name != "duckdb":
            return self.con.to_pyarrow(expr)
        table = self.con._to_duckdb_relation(expr).to_arrow_table()
        return expr.__pyarrow_result__(table, data_mapper=_duckdb_arrow_mapper())


def _duckdb_arrow_mapper() -> Any:
    """ibis.backends.duckdb.converter.DuckDBPyArrowData, without importing that module (it imports pandas)."""
    global _MAPPER
    if _MAPPER is None:
        import pyarrow as pa
        from ibis.formats.pyarrow import PyArrowData

        class DuckDBArrow(PyArrowData):  # type: ignore[misc]
            @classmethod
            def convert_scalar(cls, scalar: pa.Scalar, dtype: Any) -> pa.Scalar:
                if dtype.is_null():
                    return pa.scalar(None)
                return super().convert_scalar(scalar, dtype)

            @classmethod
            def convert_column(cls, column: pa.Array, dtype: Any) -> pa.Array:
                if dtype.is_null():
                    return pa.nulls(len(column))
                return super().convert_column(column, dtype)

        _MAPPER = DuckDBArrow
    return _MAPPER


_MAPPER: Any = None


@dataclass
class _Unregister:
    con: Any
    name: str

    def cleanup(self) -> None:
        self.con.unregister(self.name)


@dataclass
class _DropView:
    session: Any
    name: str

    def cleanup(self) -> None:
        self.session.catalog.dropTempView(self.name)


_SPARK: Any = None


def spark_session(master: str = "local[*]") -> Any:
    """One SparkSession per process, bound to loopback for local masters (no traffic off 127.0.0.0/8)."""
    global _SPARK
    if _SPARK is not None:
        return _SPARK
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError("engine spark needs PySpark: pip install 'llmflation[spark]' (and Java 17)",
                         field="engine") from None
    local = master.startswith("local")
    if local:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    b = (SparkSession.builder.master(master).appName("llmflation")
         .config("spark.sql.session.timeZone", "UTC")
         .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
         .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
         .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
         .config("spark.sql.shuffle.partitions", os.environ.get("LLMFLATION_SPARK_PARTITIONS", "4")))
    if local:
        # in local mode the driver JVM runs the tasks: the throughput collector suits a batch scan better than the
        # default G1 (50M usage rows on 2 cores: about 1.2 s less cold, 0.6 s less warm, same total)
        b = (b.config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
             .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC -XX:+UseParallelGC"))
    memory = os.environ.get("LLMFLATION_SPARK_DRIVER_MEMORY")
    if memory:
        b = b.config("spark.driver.memory", memory)
    _SPARK = b.getOrCreate()
    _SPARK.sparkContext.setLogLevel("ERROR")
    return _SPARK


ENGINE_ENTRY_POINT_GROUP = "llmflation.engines"


def engine_plugins() -> dict[str, Any]:
    """Query engines added by other packages: entry points in `llmflation.engines`, by name. Each names a
    factory `(spec, source) -> Engine` (a context manager is not needed: put what to release in `_cleanup`);
    `--engine NAME` or `--engine NAME:ANYTHING` selects it."""
    from llmflation.plugins import entry_points_of

    return {ep.name: ep for ep in entry_points_of(ENGINE_ENTRY_POINT_GROUP)}


@dataclass
class _Close:
    con: Any

    def cleanup(self) -> None:
        self.con.close()


@contextmanager
def open_engine(spec: str, source: UsageSource, *, footer_facts: bool = True) -> Iterator[Engine]:
    """`duckdb` (default, embedded), `spark` (local mode), `spark://HOST:PORT` / `local[N]` (a Spark master),
    an engine plugin's name (entry point group `llmflation.engines`), or any Ibis connection URL
    (`postgres://…`, `duckdb:///path`, …) for other backends. Every connection it opens is closed on exit, so
    nothing holds the usage file after a query (a server shares the file with CLI ingests). A Parquet source's
    usage carries what its footers prove about whole columns (`column_facts`) unless `footer_facts` is False."""
    from llmflation.usage import lean_ibis

    lean_ibis.install()  # before Ibis loads a backend: its SQL compilers then import one by one, as used
    import ibis

    from llmflation.usage.column_facts import parquet_facts, with_facts
    from llmflation.usage.store import UsageStore

    spec = (spec or "duckdb").strip()
    parquet = None if isinstance(source, UsageStore) else Path(source)
    if parquet is not None and not parquet.exists():
        raise InputError(f"source {parquet}: no such file or directory", field="source")
    cleanup: list[Any] = []
    try:
        plugin = engine_plugins().get(spec.split(":", 1)[0]) if spec not in ("duckdb", "spark") else None
        if plugin is not None:
            engine = plugin.load()(spec, source)
            cleanup = engine._cleanup  # released below, with whatever the queries add
            yield engine
            return
        if spec == "duckdb":
            if parquet is None:
                assert isinstance(source, UsageStore)
                raw = source.connect()  # read-only; waits (bounded) while an ingest merges
                cleanup.append(_Close(raw))
                con = ibis.duckdb.from_connection(raw)
                usage = con.table("usage")
            else:
                con = ibis.duckdb.connect()
                cleanup.append(_Close(con.con))
                usage = con.read_parquet(_parquet_glob(parquet))
            name = "duckdb"
        elif spec == "spark" or spec.startswith(("spark://", "local[", "local", "yarn", "k8s://")):
            session = spark_session("local[*]" if spec == "spark" else spec)
            con = ibis.pyspark.connect(session)
            if parquet is None:
                assert isinstance(source, UsageStore)
                tmp = tempfile.TemporaryDirectory(prefix="llmflation-usage-")
                cleanup.append(tmp)
                out = Path(tmp.name) / "usage.parquet"
                source.export_parquet(out)
                parquet = out
            usage = con.read_parquet(str(parquet))
            name = "spark"
        else:
            try:
                con = ibis.connect(spec)
            except Exception as exc:
                raise InputError(f"engine {spec!r}: cannot connect ({exc}). Use duckdb, spark, a Spark master "
                                 "URL, an engine plugin or an Ibis connection URL.", field="engine") from None
            if parquet is None:
                assert isinstance(source, UsageStore)
                raw = source.connect()
                try:
                    table = ibis.duckdb.from_connection(raw).table("usage").to_pyarrow()
                finally:
                    raw.close()
                usage = con.create_table("llmflation_usage", table, overwrite=True)
            else:
                usage = con.read_parquet(str(parquet))
            name = con.name
        if parquet is not None and footer_facts:  # what the footers prove about whole columns spares work
            usage = with_facts(usage, parquet_facts(parquet))
        yield Engine(name, con, _with_defaults(usage), cleanup)
    finally:
        for c in reversed(cleanup):
            c.cleanup()


def _with_defaults(usage: ir.Table) -> ir.Table:
    """Usage written before the pricing-dimension columns existed reads as: no 1-hour writes, no audio, no tier."""
    import ibis

    cols = set(usage.columns)
    extra: dict[str, Any] = {b: ibis.literal(0, "int64") for b in SUB_BUCKETS if b not in cols}
    if "service_tier" not in cols:
        extra["service_tier"] = ibis.null(str)
    return usage.mutate(**extra) if extra else usage


def _parquet_glob(p: Path) -> str:
    return str(p / "**" / "*.parquet") if p.is_dir() else str(p)


def pricing_inputs(engine: Engine, ledger: Ledger) -> tuple[ir.Table, ir.Table, PriceShape]:
    """The price segments (with their threshold rank), the provider choices and the price shape (with the offers'
    price-change dates), on `engine`."""
    ranked, choices, boundaries, shape = ledger_price_tables(ledger)
    return (engine.memtable(ranked), engine.memtable(choices),
            replace(shape, boundaries=engine.memtable(boundaries)))


def ledger_price_tables(ledger: Ledger) -> tuple[pa.Table, pa.Table, pa.Table, PriceShape]:
    """The ledger side of every pricing, as Arrow tables: the price segments with their threshold rank
    (`price_table`, `with_threshold_rank`), the provider choices, the offers' price-change dates
    (`offer_boundaries`) and the price shape (without its engine table). Built once per ledger and kept while the
    ledger lives (a ledger never changes; a write makes a new one): the web's usage page prices three views per
    request and `usage jevons` two periods, and building these costs about 0.1-0.15 s each time on 2 cores."""
    from llmflation.ledger.derived import cached_per_ledger

    def build() -> tuple[pa.Table, pa.Table, pa.Table, PriceShape]:
        table = price_table(ledger)
        choices = provider_choices(ledger)
        shape = price_shape(table)
        return with_threshold_rank(table, shape), choices, offer_boundaries(table, choices), shape

    return cached_per_ledger(ledger, ("usage price tables",), build)  # type: ignore[no-any-return]
