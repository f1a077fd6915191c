"""Spend analytics over priced usage — the pure functions the CLI and the web dashboard call.

Every function takes a usage source (a `UsageStore`, or a path to canonical Parquet as `usage export` writes), a
`Ledger`, and an engine spec (`duckdb` default, `spark`, a Spark master URL, or an Ibis URL); each runs the one
pricing expression of `llmflation.usage.pricing` on that engine and folds its small grouped result in Python
Decimal (exact; amounts in USD). Results are dataclasses; `llmflation.shapes.jsonable` turns them into JSON.

    spend(source, ledger, by=("month", "model"), since=None, until=None, engine="duckdb") -> SpendReport
    trend(source, ledger, period="month", since=None, until=None, engine="duckdb") -> list[TrendPoint]
    reprice(source, ledger, to=None, floor=None, provider=None, since=None, until=None, engine="duckdb")
        -> RepriceReport
    jevons(source, ledger, before=Period, after=Period, by="model", engine="duckdb") -> JevonsReport
    reconcile(source, ledger, tolerance=Decimal("0.01"), since=None, until=None, engine="duckdb")
        -> ReconcileReport
    parse_period("2025-03" | "2025-Q1" | "2025" | "2025-01-01..2025-02-15") -> Period
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Context, Decimal, localcontext
from typing import TYPE_CHECKING, Any

from llmflation.errors import InputError, LlmflationError
from llmflation.usage.pricing import (
    DIMENSIONS,
    PERIODS,
    filter_days,
    fold_priced,
    open_engine,
    price_key_sums,
    priced_groups,
    priced_sums,
    pricing_inputs,
    spend_expr,
)
from llmflation.usage.records import BUCKETS, SUB_BUCKETS
from llmflation.values import Floor

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger
    from llmflation.usage.pricing import UsageSource

MICRO = Decimal(1_000_000)
RATE_QUANTUM = Decimal("1e-6")


# -- records ------------------------------------------------------------------------------------------------------
@dataclass
class SpendRow:
    """One group: its keys, traffic, exact cost of priced rows (USD) and what could not be priced."""

    keys: dict[str, Any]
    requests: int = 0
    input_uncached: int = 0
    cache_read: int = 0
    cache_write: int = 0
    output_text: int = 0
    output_reasoning: int = 0
    cost_usd: Decimal = Decimal(0)
    cost_by_bucket: dict[str, Decimal] = field(default_factory=lambda: {"input": Decimal(0), "cache_read": Decimal(0),
                                                                         "cache_write": Decimal(0),
                                                                         "output": Decimal(0)})
    priced_requests: int = 0
    priced_tokens: int = 0
    unpriced_requests: int = 0
    unpriced_tokens: int = 0
    reported_cost_usd: Decimal | None = None
    reported_requests: int = 0

    @property
    def tokens(self) -> int:
        return sum(getattr(self, b) for b in BUCKETS)

    @property
    def usd_per_mtok(self) -> Decimal | None:
        """Effective $ per 1M tokens over the priced tokens (rounded to 1e-6 for display)."""
        if not self.priced_tokens:
            return None
        with localcontext() as ctx:
            ctx.prec = 60
            return (self.cost_usd * MICRO / self.priced_tokens).quantize(RATE_QUANTUM)

    def as_dict(self) -> dict[str, Any]:
        return {**self.keys, "requests": self.requests, "tokens": self.tokens,
                **{b: getattr(self, b) for b in BUCKETS}, "cost_usd": self.cost_usd,
                "cost_by_bucket_usd": dict(self.cost_by_bucket), "usd_per_mtok": self.usd_per_mtok,
                "priced_requests": self.priced_requests, "unpriced_requests": self.unpriced_requests,
                "unpriced_tokens": self.unpriced_tokens, "reported_cost_usd": self.reported_cost_usd}


@dataclass(frozen=True)
class Unpriced:
    model: str
    provider: str | None
    reason: str
    detail: str
    requests: int
    tokens: int
    first_day: date
    last_day: date


@dataclass
class SpendReport:
    by: list[str]
    since: date | None
    until: date | None
    engine: str
    rows: list[SpendRow]
    total: SpendRow
    unpriced: list[Unpriced]
    provider_rules: dict[str, int]
    notes: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"by": self.by, "since": self.since, "until": self.until, "engine": self.engine,
                "rows": [r.as_dict() for r in self.rows], "total": self.total.as_dict(),
                "unpriced": self.unpriced, "provider_rules": self.provider_rules, "notes": self.notes}


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date  # exclusive


# -- periods ------------------------------------------------------------------------------------------------------
def parse_period(text: str) -> Period:
    """`2025` | `2025-Q2` | `2025-03` | `2025-03-14` | `2025-01-01..2025-02-15` (both ends inclusive)."""
    s = text.strip()
    try:
        if ".." in s:
            a, b = s.split("..", 1)
            start, end = date.fromisoformat(a.strip()), date.fromisoformat(b.strip()) + timedelta(days=1)
        elif len(s) == 4 and s.isdigit():
            start, end = date(int(s), 1, 1), date(int(s) + 1, 1, 1)
        elif len(s) == 7 and s[4:6].upper() == "-Q" and s[6] in "1234":
            q = int(s[6])
            start = date(int(s[:4]), 3 * q - 2, 1)
            end = date(int(s[:4]) + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
        elif len(s) == 7:
            start = date.fromisoformat(s + "-01")
            end = start + timedelta(days=calendar.monthrange(start.year, start.month)[1])
        else:
            start = date.fromisoformat(s)
            end = start + timedelta(days=1)
    except ValueError:
        raise InputError(f"period {text!r}: use YYYY, YYYY-Qn, YYYY-MM, YYYY-MM-DD or START..END") from None
    if end <= start:
        raise InputError(f"period {text!r}: the end is before the start")
    return Period(s, start, end)


def parse_by(text: str | Sequence[str]) -> tuple[str | None, list[str]]:
    """`month,model` → (period, [dimensions]); at most one period."""
    parts = [p.strip().lower() for p in (text.split(",") if isinstance(text, str) else text) if p.strip()]
    periods = [p for p in parts if p in PERIODS]
    dims = [p for p in parts if p not in PERIODS]
    bad = [p for p in dims if p not in DIMENSIONS]
    if bad:
        raise InputError(f"by {', '.join(bad)}: choose from periods {', '.join(PERIODS)} and dimensions "
                         f"{', '.join(DIMENSIONS)}", field="by")
    if len(periods) > 1:
        raise InputError(f"by: one period at most, got {', '.join(periods)}", field="by")
    return (periods[0] if periods else None), dims


# -- folding ------------------------------------------------------------------------------------------------------
_EXACT = Context(prec=80)  # wide enough for every product and sum below: nothing is rounded
_COST_PARTS = (("input", "c_in"), ("cache_read", "c_cr"), ("cache_write", "c_cw"), ("output", "c_out"))
_ONE, _ZERO = Decimal(1), Decimal(0)


def _cost(g: dict[str, Any]) -> tuple[Decimal, dict[str, Decimal]]:
    """Exact USD of one priced group: micro-dollar products / 10^6, times (1 − batch discount) when batch."""
    bd = g.get("batch_discount")
    factor = _ONE if bd is None else _EXACT.subtract(_ONE, bd)
    parts = {name: _EXACT.multiply(g[col] or _ZERO, factor).scaleb(-6, _EXACT) for name, col in _COST_PARTS}
    total = _ZERO
    for v in parts.values():
        total = _EXACT.add(total, v)
    return total, parts


def _key_tuple(g: dict[str, Any], names: Sequence[str]) -> tuple[Any, ...]:
    return tuple(g.get(f"k_{n}") for n in names)


def _fold(groups: list[dict[str, Any]], names: Sequence[str], ledger: Ledger
          ) -> tuple[list[SpendRow], SpendRow, list[Unpriced], dict[str, int], list[str]]:
    rows: dict[tuple[Any, ...], SpendRow] = {}
    total = SpendRow(keys={})
    unpriced: dict[tuple[str, str | None, str], list[Any]] = {}
    rules: dict[str, int] = defaultdict(int)
    flags = {"cr_at_input": 0, "cw_at_input": 0, "batch_no_discount": 0, "long_context": 0, "cw1h_at_5m": 0,
             "audio_at_text": 0, "tier_fallback_requests": 0, "tier_unknown_requests": 0, "off_peak_requests": 0}
    for g in groups:
        key = _key_tuple(g, names)
        row = rows.get(key)
        if row is None:
            row = rows[key] = SpendRow(keys=dict(zip(names, key, strict=True)))
        counts = [(b, int(g[b] or 0)) for b in BUCKETS]
        toks = sum(n for _, n in counts)
        requests = int(g["requests"] or 0)
        for target in (row, total):
            target.requests += requests
            for b, n in counts:
                setattr(target, b, getattr(target, b) + n)
            if g.get("reported_rows"):
                target.reported_cost_usd = (target.reported_cost_usd or Decimal(0)) + Decimal(g["reported_cost"])
                target.reported_requests += requests
        rules[g["provider_rule"]] += requests
        if g["unpriced_reason"] is None:
            cost, parts = _cost(g)
            for target in (row, total):  # exact sums (the default 28 digits could round a long total)
                target.cost_usd = _EXACT.add(target.cost_usd, cost)
                by_bucket = target.cost_by_bucket
                for k, v in parts.items():
                    by_bucket[k] = _EXACT.add(by_bucket[k], v)
                target.priced_requests += requests
                target.priced_tokens += toks
            for f in ("cr_at_input", "cw_at_input", "batch_no_discount", "cw1h_at_5m", "audio_at_text",
                      "tier_fallback_requests", "tier_unknown_requests", "off_peak_requests"):
                flags[f] += int(g.get(f) or 0)
            flags["long_context"] += int(g["long_requests"] or 0)
        else:
            for target in (row, total):
                target.unpriced_requests += int(g["requests"] or 0)
                target.unpriced_tokens += toks
            uk = (str(g["u_model"] or "?"), g["u_provider"], g["unpriced_reason"])
            acc = unpriced.setdefault(uk, [0, 0, g["first_day"], g["last_day"]])
            acc[0] += int(g["requests"] or 0)
            acc[1] += toks
            acc[2] = min(acc[2], g["first_day"])
            acc[3] = max(acc[3], g["last_day"])
    listing = [Unpriced(m, p, r, _detail(ledger, m, p, r, a[2], a[3]), a[0], a[1], a[2], a[3])
               for (m, p, r), a in unpriced.items()]
    # a total order (the groups arrive in any order from a parallel engine): most tokens first, then by name
    listing.sort(key=lambda u: (-u.tokens, u.model, u.provider or "", u.reason, u.first_day))
    notes = []
    if flags["cr_at_input"]:
        notes.append(f"{flags['cr_at_input']:,} cache-read token(s) had no cached-input price on record: priced at "
                     "the input rate (an upper bound)")
    if flags["cw_at_input"]:
        notes.append(f"{flags['cw_at_input']:,} cache-write token(s) had no cache-write price on record: priced at "
                     "the input rate (providers usually charge more)")
    if flags["batch_no_discount"]:
        notes.append(f"{flags['batch_no_discount']:,} batch request(s) had no batch discount on record: priced at "
                     "the standard rate")
    if flags["long_context"]:
        notes.append(f"{flags['long_context']} request(s) priced at long-context rates")
    if flags["cw1h_at_5m"]:
        notes.append(f"{flags['cw1h_at_5m']:,} 1-hour cache-write token(s) had no 1-hour write price on record: "
                     "priced at the 5-minute write rate (cache_write_1h_missing)")
    if flags["audio_at_text"]:
        notes.append(f"{flags['audio_at_text']:,} audio token(s) had no audio price on record: priced at the text "
                     "rate (input_audio_missing / output_audio_missing)")
    if flags["tier_fallback_requests"]:
        notes.append(f"{flags['tier_fallback_requests']:,} request(s) asked for a service tier (flex/priority) with "
                     "no price on record: priced at the standard tier (tier_missing)")
    if flags["tier_unknown_requests"]:
        notes.append(f"{flags['tier_unknown_requests']:,} request(s) carry a service_tier the ledger cannot price: "
                     "priced at the standard tier (field service_tier)")
    if flags["off_peak_requests"]:
        notes.append(f"{flags['off_peak_requests']:,} request(s) fell in an off-peak UTC window and were priced at "
                     "the off-peak rate")
    ordered = sorted(rows.values(), key=lambda r: tuple(_sortable(v) for v in r.keys.values()))
    return ordered, total, listing, dict(sorted(rules.items())), notes


def _sortable(v: Any) -> tuple[int, Any]:
    """A key value as a sort key: None last. A key column holds one type (dates, or strings), so values compare."""
    return (1, "") if v is None else (0, v)


def _detail(ledger: Ledger, model: str, provider: str | None, reason: str, first: date, last: date) -> str:
    if provider is None or not reason.startswith("no price in effect"):
        return reason
    try:
        ledger.price(model, at=first, provider=provider)
        ledger.price(model, at=last, provider=provider)
    except LlmflationError as exc:
        return str(exc)
    return f"{reason} (some days between {first} and {last})"


# -- the analyses ----------------------------------------------------------------------------------------------
def spend(source: UsageSource, ledger: Ledger, by: str | Sequence[str] = ("month", "model"),
          since: date | None = None, until: date | None = None, engine: str = "duckdb") -> SpendReport:
    """Spend by period × dimensions. `until` is exclusive. Rows with `tag` count once per tag they carry."""
    return spend_views(source, ledger, [by], since=since, until=until, engine=engine)[0]


def spend_views(source: UsageSource, ledger: Ledger, bys: Sequence[str | Sequence[str]],
                since: date | None = None, until: date | None = None, engine: str = "duckdb") -> list[SpendReport]:
    """`spend` for several groupings of one log and window in one pass over its rows: the rows are summed and
    priced once with every asked-for dimension (`priced_groups`), then folded to each grouping. The groupings must
    share their period (or have none). With `tag`, a request carrying several tags is in several tag groups, so the
    total, the unpriced listing, the provider rules and the notes' counts come from the untagged fold of the same
    priced groups, where it counts once."""
    parsed = [parse_by(b) for b in bys]
    periods = {p for p, _ in parsed}
    if len(periods) != 1:
        raise ValueError(f"spend_views: the groupings must share one period, got {sorted(map(str, periods))}")
    period = periods.pop()
    dims = list(dict.fromkeys(d for _, ds in parsed for d in ds))
    tagged = "tag" in dims
    with open_engine(engine, source) as e:
        prices, choices, shape = pricing_inputs(e, ledger)
        priced = priced_groups(e.usage, prices, choices, dims, period, since, until, shape)
        name = e.name
        if len(parsed) == 1 and not tagged:
            folds = [e.execute(fold_priced(priced, dims, period))]
            whole = None
        else:
            with priced.cache() as cached:  # one pass over the rows; each fold reads the small priced table
                folds = [e.execute(fold_priced(cached, ds, period)) for _, ds in parsed]
                whole = e.execute(fold_priced(cached, [], None)) if tagged else None
    reports = []
    for (p, ds), groups in zip(parsed, folds, strict=True):
        names = (["period"] if p else []) + ds
        rows, total, unpriced, rules, notes = _fold(groups, names, ledger)
        if "tag" in ds and whole is not None:
            _, total, unpriced, rules, notes = _fold(whole, [], ledger)
            notes = [*notes, "a request with several tags counts under each of them, so tag rows can add up to "
                     "more than the total"]
        reports.append(SpendReport(names, since, until, name, rows, total, unpriced, rules, notes))
    return reports


@dataclass(frozen=True)
class TrendPoint:
    period: date
    requests: int
    tokens: int
    priced_tokens: int
    cost_usd: Decimal
    usd_per_mtok: Decimal | None
    unpriced_tokens: int


def trend(source: UsageSource, ledger: Ledger, period: str = "month", since: date | None = None,
          until: date | None = None, engine: str = "duckdb") -> list[TrendPoint]:
    """Effective $ per 1M tokens over time next to token volume over time."""
    report = spend(source, ledger, by=(period,), since=since, until=until, engine=engine)
    return [TrendPoint(r.keys["period"], r.requests, r.tokens, r.priced_tokens, r.cost_usd, r.usd_per_mtok,
                       r.unpriced_tokens) for r in report.rows]


# -- what-if re-pricing ------------------------------------------------------------------------------------------
@dataclass
class RepriceTarget:
    model: str
    provider_rule: str
    whatif_cost_usd: Decimal
    actual_cost_usd: Decimal
    savings_usd: Decimal
    savings_pct: Decimal | None
    covered_requests: int
    uncovered_requests: int
    uncovered_reason: str | None
    by_model: list[dict[str, Any]]


@dataclass
class RepriceReport:
    since: date | None
    until: date | None
    engine: str
    actual_cost_usd: Decimal
    priced_requests: int
    unpriced_requests: int
    floor: Floor | None
    chosen: RepriceTarget | None
    candidates: list[RepriceTarget]
    notes: list[str]


def _candidates(ledger: Ledger, floor: Floor) -> list[str]:
    if floor.benchmark not in ledger.benchmarks:
        from llmflation.errors import UnknownNameError

        raise UnknownNameError("benchmark", floor.benchmark, ledger.benchmarks)
    best = ledger.best_scores(floor.benchmark)  # the one score rule (Ledger.best_score)
    priced = {p.model for p in ledger.all_prices()}
    return sorted(m for m, s in best.items() if s.value >= floor.minimum and m in priced)


def reprice(source: UsageSource, ledger: Ledger, to: str | None = None, floor: Floor | None = None,
            provider: str | None = None, since: date | None = None, until: date | None = None,
            engine: str = "duckdb") -> RepriceReport:
    """What the priced traffic would have cost on another model, priced at that model's price in effect on each
    request's day (same buckets, same long-context and batch rules). With `floor`, every model whose best score
    meets it is tried and the cheapest that can price ALL the traffic is chosen."""
    import ibis
    import pyarrow as pa

    if (to is None) == (floor is None):
        raise InputError("give exactly one target: a model (to) or a capability floor (floor, e.g. mmlu>=80)")
    targets = [ledger.resolve(to).id] if to else _candidates(ledger, floor)  # type: ignore[arg-type]
    if not targets:
        raise InputError(f"no priced model meets {floor.benchmark}>={floor.minimum}; lower the floor")  # type: ignore[union-attr]
    if provider:
        provider = provider.lower()
        if provider not in ledger.providers:
            from llmflation.errors import UnknownNameError

            raise UnknownNameError("provider", provider, ledger.providers)
    with open_engine(engine, source) as e:
        prices, choices, shape = pricing_inputs(e, ledger)
        # aggregate-then-price on both sides: the traffic summed per price key once, priced as it ran (actual)
        # and as if each key's sums had gone to each candidate (same tier, window slot, long-context rank, batch)
        t = filter_days(e.usage, since, until)
        keys = price_key_sums(e.usage, t, shape, None)
        actual = priced_sums(keys, prices, choices)
        base = actual.select(
            "first_day", "batch", "tier_req", "slot", "lc_rank", "requests", *BUCKETS, *SUB_BUCKETS,
            orig_model=actual.model, priced=actual.unpriced_reason.isnull(), a_in=actual.c_in, a_cr=actual.c_cr,
            a_cw=actual.c_cw, a_out=actual.c_out, a_bd=actual.batch_discount)
        cands = e.memtable(pa.table({"target": pa.array(targets, pa.string())}))
        x = base.cross_join(cands)
        x = x.mutate(model=x.target, provider=ibis.literal(provider, "string"), unresolved_reason=ibis.null(str),
                     tier_unknown_requests=ibis.literal(0, "int64"))
        w = priced_sums(x, prices, choices)
        g = w.group_by(["target", "orig_model", "priced", "unpriced_reason", "provider_rule", "batch_discount",
                        "a_bd"]).aggregate(
            requests=w.requests.sum(), **{c: w[c].sum() for c in ("c_in", "c_cr", "c_cw", "c_out", "a_in", "a_cr",
                                                                   "a_cw", "a_out")})
        groups = e.execute(g)
        name = e.name
    results: dict[str, dict[str, Any]] = {m: {"whatif": Decimal(0), "actual": Decimal(0), "covered": 0,
                                              "uncovered": 0, "reasons": set(), "rules": set(),
                                              "by_model": defaultdict(lambda: [Decimal(0), Decimal(0), 0])}
                                          for m in targets}
    actual_total, priced_req, unpriced_req = Decimal(0), 0, 0
    first = targets[0]
    for gr in groups:
        res = results[gr["target"]]
        n = int(gr["requests"] or 0)
        if not gr["priced"]:
            if gr["target"] == first:
                unpriced_req += n
            continue
        a_cost, _ = _cost({"c_in": gr["a_in"], "c_cr": gr["a_cr"], "c_cw": gr["a_cw"], "c_out": gr["a_out"],
                           "batch_discount": gr["a_bd"]})
        if gr["target"] == first:
            actual_total += a_cost
            priced_req += n
        if gr["unpriced_reason"] is not None:
            res["uncovered"] += n
            res["reasons"].add(gr["unpriced_reason"])
            continue
        w_cost, _ = _cost(gr)
        res["whatif"] += w_cost
        res["actual"] += a_cost
        res["covered"] += n
        res["rules"].add(gr["provider_rule"])
        bm = res["by_model"][gr["orig_model"]]
        bm[0] += a_cost
        bm[1] += w_cost
        bm[2] += n
    out = []
    for m in targets:
        r = results[m]
        saving = r["actual"] - r["whatif"]
        pct = (saving / r["actual"] * 100).quantize(Decimal("0.01")) if r["actual"] else None
        out.append(RepriceTarget(
            model=m, provider_rule=",".join(sorted(r["rules"])) or (f"row ({provider})" if provider else "none"),
            whatif_cost_usd=r["whatif"], actual_cost_usd=r["actual"], savings_usd=saving, savings_pct=pct,
            covered_requests=r["covered"], uncovered_requests=r["uncovered"],
            uncovered_reason="; ".join(sorted(r["reasons"])) or None,
            by_model=[{"model": k, "actual_cost_usd": v[0], "whatif_cost_usd": v[1], "savings_usd": v[0] - v[1],
                       "requests": v[2]} for k, v in sorted(r["by_model"].items())]))
    full = [t for t in out if t.uncovered_requests == 0 and t.covered_requests > 0]
    chosen = min(full, key=lambda t: (t.whatif_cost_usd, t.model)) if full else None
    if to:
        chosen = out[0]
    notes = []
    if unpriced_req:
        notes.append(f"{unpriced_req} request(s) have no actual price (see `usage spend`) and are left out")
    if floor and not full:
        notes.append("no candidate model has a price in effect on every day of this traffic; see `candidates`")
    if chosen and chosen.uncovered_requests:
        notes.append(f"{chosen.uncovered_requests} request(s) fall on days when {chosen.model} had no price "
                     "(savings compare the covered requests only)")
    out.sort(key=lambda t: (t.uncovered_requests > 0, t.whatif_cost_usd, t.model))
    return RepriceReport(since, until, name, actual_total, priced_req, unpriced_req, floor, chosen, out, notes)


# -- Jevons decomposition -----------------------------------------------------------------------------------
@dataclass
class JevonsReport:
    before: Period
    after: Period
    by: str
    engine: str
    before_tokens: int
    after_tokens: int
    decomposition: Any  # llmflation.workload.decompose.Decomposition
    unpriced_requests: int
    notes: list[str]


def jevons(source: UsageSource, ledger: Ledger, before: Period, after: Period, by: str = "model",
           engine: str = "duckdb") -> JevonsReport:
    """Split the spend change between two periods into volume (more tokens), mix (other models) and price
    (the same models got cheaper or dearer) — LMDI-I over segments `by`, activity = tokens, spend = USD."""
    from llmflation.workload.decompose import SegmentChange, decompose

    if by not in DIMENSIONS:
        raise InputError(f"by {by!r}: choose one of {', '.join(DIMENSIONS)}", field="by")
    b = spend(source, ledger, by=(by,), since=before.start, until=before.end, engine=engine)
    a = spend(source, ledger, by=(by,), since=after.start, until=after.end, engine=engine)
    if not b.total.priced_tokens or not a.total.priced_tokens:
        empty = before.label if not b.total.priced_tokens else after.label
        raise InputError(f"period {empty} has no priced usage; spend by month shows which months hold data")
    seg: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 4)
    for r in b.rows:
        k = str(r.keys[by])
        seg[k][0] += r.priced_tokens
        seg[k][1] += r.cost_usd
    for r in a.rows:
        k = str(r.keys[by])
        seg[k][2] += r.priced_tokens
        seg[k][3] += r.cost_usd
    changes = [SegmentChange(k, v[0], v[1], v[2], v[3]) for k, v in sorted(seg.items()) if any(v)]
    d = decompose(changes)
    notes = ["activity = priced tokens (all buckets); spend = USD at the price in effect on each request's day"]
    unpriced = b.total.unpriced_requests + a.total.unpriced_requests
    if unpriced:
        notes.append(f"{unpriced} unpriced request(s) are left out of both periods")
    return JevonsReport(before, after, by, b.engine, b.total.priced_tokens, a.total.priced_tokens, d, unpriced, notes)


# -- reconciliation -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Disagreement:
    day: date
    model: str
    provider: str | None
    requests: int
    reported_usd: Decimal
    computed_usd: Decimal | None
    difference_usd: Decimal | None
    relative: Decimal | None
    reason: str


@dataclass
class ReconcileReport:
    engine: str
    tolerance: Decimal
    rows_with_reported_cost: int
    reported_usd: Decimal
    computed_usd: Decimal
    groups: int
    disagreements: list[Disagreement]


def reconcile(source: UsageSource, ledger: Ledger, tolerance: Decimal = Decimal("0.01"),
              since: date | None = None, until: date | None = None, engine: str = "duckdb") -> ReconcileReport:
    """Compare a provider- or gateway-reported cost column with ours per day × model × provider; a group
    disagrees when |reported − computed| > tolerance × max(reported, computed) and > $0.000001."""
    with open_engine(engine, source) as e:
        prices, choices, _shape = pricing_inputs(e, ledger)
        t = e.usage.filter(e.usage.reported_cost.notnull())
        groups = e.execute(spend_expr(t, prices, choices, ["model", "provider"], "day", since, until))
        name = e.name
    rows, total, _, _, _ = _fold(groups, ["period", "model", "provider"], ledger)
    out: list[Disagreement] = []
    floor = Decimal("0.000001")
    for r in rows:
        reported = r.reported_cost_usd or Decimal(0)
        if r.unpriced_requests:
            out.append(Disagreement(r.keys["period"], r.keys["model"], r.keys["provider"], r.requests, reported,
                                    None, None, None, "reported a cost; no price in effect here"))
            continue
        diff = r.cost_usd - reported
        scale = max(abs(reported), abs(r.cost_usd))
        rel = (diff / scale).quantize(Decimal("0.0001")) if scale else Decimal(0)
        if abs(diff) > floor and abs(diff) > tolerance * scale:
            out.append(Disagreement(r.keys["period"], r.keys["model"], r.keys["provider"], r.requests, reported,
                                    r.cost_usd, diff, rel,
                                    "we compute more" if diff > 0 else "provider reported more"))
    out.sort(key=lambda d: -(abs(d.difference_usd) if d.difference_usd is not None else d.reported_usd))
    return ReconcileReport(name, tolerance, total.reported_requests, total.reported_cost_usd or Decimal(0),
                           total.cost_usd, len(rows), out)
