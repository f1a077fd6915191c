"""THE pricing engine: which rate applies to which token bucket of a call, and every fallback, in one table.

A price row (ledger `Price`) becomes a `RateCard`: for each token bucket a standard rate and, when the row has a
long-context tier, a long-context rate, each with the named fallback used to get it (or none). Everything that
prices tokens — `bill` (workload/bill.py), `usage spend` (usage/pricing.py compiles the same cards into the
Ibis expression that DuckDB and Spark run), jevons, selfhost compare and the web API — reads rates from a card,
so the two paths cannot disagree on a rule.

Token buckets of a call (disjoint; the usage store keeps the same ones):

* `input` (uncached text): `input`; long: `long_input`.
* `cache_read`: `cached_input`, else `input` (`cached_input_missing`); long: `long_cached_input`, else
  `cached_input` × `long_input` / `input` (`long_cached_input_derived`), else `long_input`.
* `cache_write` (5-minute / default lifetime): `cache_write`, else `input` (`cache_write_missing`); long:
  `cache_write` × `long_input` / `input` (`long_cache_write_derived`), else `long_input`.
* `cache_write_1h`: `cache_write_1h`, else the 5-minute write rate (`cache_write_1h_missing`); long: the
  standard rate × `long_input` / `input` (`long_cache_write_derived`).
* `input_audio`: `input_audio`, else `input` (`input_audio_missing`); long: the same audio rate (no long-context
  audio rates on record), else `long_input`.
* `output` (text) and `reasoning`: `output`; long: `long_output`.
* `output_audio`: `output_audio`, else `output` (`output_audio_missing`); long: the same audio rate, else
  `long_output`.

Derived rates are rounded half-even to 1e-9 USD per 1M tokens (the precision the engines keep), once, here.
A long call on a row without a long-context tier is priced at standard rates (`long_context_missing`).

Per call, after the buckets: batch calls get `batch_discount` off (`batch_missing` when none on record);
calls to regional endpoints pay `regional_uplift` more (`regional_uplift_missing` when none on record).

Which row prices a call (`choose_row`): the row of the call's service tier (standard, flex, priority) in effect
that day, else the standard row (`tier_missing`); a standard call whose UTC time of day falls inside an
`off-peak` row's window is priced by that row. Offers past their shutdown (lifecycle) price nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from llmflation.ledger.records import OFF_PEAK_TIER, STANDARD_TIER, Price
from llmflation.ledger.windows import WEEK_MINUTES, minute_of_week, parse_window

BUCKETS = ("input", "cache_read", "cache_write", "cache_write_1h", "input_audio", "output", "reasoning",
           "output_audio")
SERVICE_TIERS = ("standard", "flex", "priority")  # what a call can ask for; off-peak is chosen by the clock
RATE_QUANTUM = Decimal("1e-9")
MTOK = Decimal(1_000_000)

# code → what the fallback means (used in warnings and in the README)
FALLBACKS = {
    "cached_input_missing": "no cached-input price on record: cache reads priced at the input rate",
    "cache_write_missing": "no cache-write price on record: cache writes priced at the input rate",
    "cache_write_1h_missing": "no 1-hour cache-write price on record: 1-hour writes priced at the 5-minute rate",
    "input_audio_missing": "no audio input price on record: audio input priced at the text input rate",
    "output_audio_missing": "no audio output price on record: audio output priced at the text output rate",
    "long_cached_input_derived": "no long-context cached price on record: cached × long_input / input",
    "long_cache_write_derived": "no long-context cache-write price on record: write rate × long_input / input",
    "long_context_missing": "no long-context tier on record: long prompts priced at standard rates",
    "batch_missing": "no batch discount on record: batch calls priced at the full rate",
    "regional_uplift_missing": "no regional uplift on record: regional calls priced at the global rate",
    "tier_missing": "no price for the requested service tier: priced at the standard tier",
}


def _q(d: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        return d.quantize(RATE_QUANTUM, rounding=ROUND_HALF_EVEN)


def _ratio(rate: Decimal, p: Price) -> Decimal:
    """rate × long_input / input, rounded once to 1e-9."""
    assert p.long_input is not None
    if not p.input:
        return p.long_input
    with localcontext() as ctx:
        ctx.prec = 60
        return _q(rate * p.long_input / p.input)


@dataclass(frozen=True, slots=True)
class RateCard:
    """Per-bucket USD per 1M tokens for one price row: `standard[b]`, `long[b]` (None: no long tier), and the
    fallback code behind each rate (absent: the row's own price)."""

    price: Price
    standard: dict[str, Decimal]
    long: dict[str, Decimal] | None
    fallback: dict[str, str] = field(default_factory=dict)
    long_fallback: dict[str, str] = field(default_factory=dict)

    @property
    def threshold(self) -> int | None:
        return self.price.long_context_threshold if self.long is not None else None

    def rates(self, long: bool) -> tuple[dict[str, Decimal], dict[str, str]]:
        if long and self.long is not None:
            return self.long, self.long_fallback
        return self.standard, self.fallback


def rate_card(p: Price) -> RateCard:
    """The one rule table applied to one price row (see the module docstring)."""
    std: dict[str, Decimal] = {"input": p.input, "output": p.output, "reasoning": p.output}
    fb: dict[str, str] = {}
    if p.cached_input is not None:
        std["cache_read"] = p.cached_input
    else:
        std["cache_read"], fb["cache_read"] = p.input, "cached_input_missing"
    if p.cache_write is not None:
        std["cache_write"] = p.cache_write
    else:
        std["cache_write"], fb["cache_write"] = p.input, "cache_write_missing"
    if p.cache_write_1h is not None:
        std["cache_write_1h"] = p.cache_write_1h
    else:
        std["cache_write_1h"] = std["cache_write"]
        fb["cache_write_1h"] = "cache_write_1h_missing" if p.cache_write is not None else "cache_write_missing"
    if p.input_audio is not None:
        std["input_audio"] = p.input_audio
    else:
        std["input_audio"], fb["input_audio"] = p.input, "input_audio_missing"
    if p.output_audio is not None:
        std["output_audio"] = p.output_audio
    else:
        std["output_audio"], fb["output_audio"] = p.output, "output_audio_missing"
    if p.long_context_threshold is None or p.long_input is None or p.long_output is None:
        return RateCard(p, std, None, fb)
    lng: dict[str, Decimal] = {"input": p.long_input, "output": p.long_output, "reasoning": p.long_output}
    lfb: dict[str, str] = {}
    if p.long_cached_input is not None:
        lng["cache_read"] = p.long_cached_input
    elif p.cached_input is not None:
        lng["cache_read"], lfb["cache_read"] = _ratio(p.cached_input, p), "long_cached_input_derived"
    else:
        lng["cache_read"], lfb["cache_read"] = p.long_input, "cached_input_missing"
    for b in ("cache_write", "cache_write_1h"):
        if b in fb:  # no own write price: the long input rate, as for a standard call at the input rate
            lng[b], lfb[b] = (p.long_input, fb[b]) if fb[b] == "cache_write_missing" else \
                (_ratio(std[b], p), fb[b])
        else:
            lng[b], lfb[b] = _ratio(std[b], p), "long_cache_write_derived"
    lng["input_audio"], lng["output_audio"] = (
        p.input_audio if p.input_audio is not None else p.long_input,
        p.output_audio if p.output_audio is not None else p.long_output)
    for b in ("input_audio", "output_audio"):
        if b in fb:
            lfb[b] = fb[b]
    return RateCard(p, std, lng, fb, lfb)


# -- what changed between two rows ------------------------------------------------------------------------------
# The rates a request can pay, named as the prices.csv columns people read (bucket cache_read = cached_input).
_RATE_COLUMNS = (("input", "input"), ("output", "output"), ("cache_read", "cached_input"),
                 ("cache_write", "cache_write"), ("cache_write_1h", "cache_write_1h"),
                 ("input_audio", "input_audio"), ("output_audio", "output_audio"))


@dataclass(frozen=True, slots=True)
class RateChange:
    """One rate a request pays that differs from one price row to the next: `rate` is a prices.csv column
    (`input`, `cached_input`, `long_output`, `long_context_threshold`, `batch_discount`, `regional_uplift`,
    `window_utc`), `before`/`after` its values (None: none, e.g. no long-context tier), `dearer` whether a request
    that uses it pays more after (None: neither, a moved off-peak window)."""

    rate: str
    before: Decimal | int | str | None
    after: Decimal | int | str | None
    dearer: bool | None


def rate_changes(a: Price, b: Price) -> tuple[RateChange, ...]:
    """Every rate a request billed by row `a` would pay differently when billed by row `b`, by the rules of
    `rate_card` (empty: every request bills the same, e.g. a row split only for its source or note).

    A rate both rows take from the same fallback (cache reads at the input rate on both) is not listed apart: the
    change of the rate it falls back to is. A long-context tier that appears, goes or moves is one
    `long_context_threshold` change (dearer when long prompts start paying long rates sooner)."""
    ca, cb = rate_card(a), rate_card(b)
    out: list[RateChange] = []

    def money(name: str, old: Decimal, new: Decimal, both_fallback: bool) -> None:
        if old != new and not both_fallback:
            out.append(RateChange(name, old, new, new > old))

    for bucket, column in _RATE_COLUMNS:
        money(column, ca.standard[bucket], cb.standard[bucket], bucket in ca.fallback and bucket in cb.fallback)
    ta, tb = ca.threshold, cb.threshold
    if ta != tb:
        out.append(RateChange("long_context_threshold", ta, tb,
                              (tb if tb is not None else float("inf")) < (ta if ta is not None else float("inf"))))
    if ca.long is not None and cb.long is not None:
        for bucket, column in _RATE_COLUMNS:
            money(f"long_{column}", ca.long[bucket], cb.long[bucket],
                  bucket in ca.long_fallback and bucket in cb.long_fallback)
    for name, old, new, dearer_if_more in (
            ("batch_discount", a.batch_discount or Decimal(0), b.batch_discount or Decimal(0), False),
            ("regional_uplift", a.regional_uplift or Decimal(0), b.regional_uplift or Decimal(0), True)):
        if old != new:
            out.append(RateChange(name, getattr(a, name), getattr(b, name), (new > old) == dearer_if_more))
    if a.window_utc != b.window_utc:
        out.append(RateChange("window_utc", a.window_utc, b.window_utc, None))
    return tuple(out)


# -- one call --------------------------------------------------------------------------------------------------
def move_direction(a: Price, b: Price, changed: Sequence[RateChange]) -> str:
    """Which way a request's price moved from row a to row b: by the 3:1 blended input/output price when that moved;
    otherwise by the other rates that changed (a cache-read cut, a long-context tier dropped, a bigger batch
    discount): `cut` when every one got cheaper, `increase` when every one got dearer, else `restructure`."""
    old, new = a.blended(), b.blended()
    if new != old:
        return "cut" if new < old else "increase"
    dearer = {c.dearer for c in changed}
    return "cut" if dearer == {False} else "increase" if dearer == {True} else "restructure"


@dataclass(frozen=True, slots=True)
class Call:
    """One request as the engine sees it: tokens per bucket and the attributes that pick rates."""

    tokens: dict[str, int | Decimal]
    ts: datetime | None = None  # UTC; picks off-peak rows
    tier: str = STANDARD_TIER
    batch: bool = False
    regional: bool = False

    @property
    def prompt_tokens(self) -> int | Decimal:
        return sum((self.tokens.get(b, 0) for b in ("input", "cache_read", "cache_write", "cache_write_1h",
                                                      "input_audio")), 0)


@dataclass(frozen=True, slots=True)
class Priced:
    """A priced call: exact USD, per-bucket USD (before batch/region multipliers), and the fallbacks used."""

    usd: Decimal
    by_bucket: dict[str, Decimal]
    multiplier: Decimal
    long: bool
    price: Price
    fallbacks: tuple[str, ...]


def is_long(card: RateCard, prompt_tokens: int | Decimal, requests: int = 1) -> bool:
    """A prompt above the row's threshold (per request) uses long-context rates."""
    th = card.price.long_context_threshold
    return th is not None and prompt_tokens > th * requests


def multiplier(p: Price, batch: bool, regional: bool) -> tuple[Decimal, list[str]]:
    """(1 − batch_discount) × (1 + regional_uplift) for this call, and the fallbacks when one is missing."""
    m, used = Decimal(1), []
    if batch:
        if p.batch_discount is None:
            used.append("batch_missing")
        else:
            m *= 1 - p.batch_discount
    if regional:
        if p.regional_uplift is None:
            used.append("regional_uplift_missing")
        else:
            m *= 1 + p.regional_uplift
    return m, used


def price_call(card: RateCard, call: Call, requests: int = 1) -> Priced:
    """Exact USD for one call (or an aggregated row of `requests` calls) on one rate card."""
    with localcontext() as ctx:
        ctx.prec = 80
        long_prompt = is_long(card, call.prompt_tokens, requests)
        rates, fb = card.rates(long_prompt)
        used = [fb[b] for b in BUCKETS if call.tokens.get(b) and b in fb]
        if long_prompt and card.long is None:
            used.append("long_context_missing")
        parts = {b: Decimal(call.tokens.get(b, 0)) * rates[b] / MTOK for b in BUCKETS}
        m, more = multiplier(card.price, call.batch, call.regional)
        total = sum(parts.values(), Decimal(0)) * m
        return Priced(total, parts, m, long_prompt and card.long is not None, card.price,
                      tuple(dict.fromkeys(used + more)))


# -- which row prices a call -------------------------------------------------------------------------------------
def window_minutes(p: Price) -> tuple[tuple[int, int], ...]:
    """An off-peak row's window as [start, end) ranges in minutes of the UTC week, ascending (ledger/windows.py)."""
    return parse_window(p.window_utc or "") or ()


def in_window(p: Price, ts: datetime) -> bool:
    m = minute_of_week(ts)
    return any(s <= m < e for s, e in window_minutes(p))


def choose_row(rows: Sequence[Price], day: date, tier: str, ts: datetime | None,
               shutdown_on: date | None = None) -> tuple[Price | None, list[str]]:
    """The row that prices a call to one offer (rows: every tier of one model × provider) on `day`."""
    if shutdown_on is not None and day >= shutdown_on:
        return None, []
    live = [p for p in rows if p.in_effect(day)]
    by_tier = {p.tier: p for p in live}
    used: list[str] = []
    want = tier if tier in SERVICE_TIERS else STANDARD_TIER
    row = by_tier.get(want)
    if row is None and want != STANDARD_TIER:
        row = by_tier.get(STANDARD_TIER)
        if row is not None:
            used.append("tier_missing")
    if row is not None and row.tier == STANDARD_TIER and ts is not None:
        off = by_tier.get(OFF_PEAK_TIER)
        if off is not None and in_window(off, ts):
            row = off
    return row, used


# -- segments: the same choice as a table an engine can range-join ----------------------------------------------
@dataclass(frozen=True, slots=True)
class Segment:
    """[valid_from, valid_to) × [minute_from, minute_to) of the UTC week (windows.py) × requested tier → the row
    that prices it."""

    model: str
    provider: str
    valid_from: date
    valid_to: date | None
    tier: str
    minute_from: int
    minute_to: int
    price: Price
    tier_fallback: bool


def segments(rows: Iterable[Price], shutdown: dict[tuple[str, str], date] | None = None) -> list[Segment]:
    """Expand price rows into non-overlapping segments per (model, provider, requested tier): what
    `choose_row` would pick for any day and time of day, as data (usage/pricing.py joins usage rows on it)."""
    groups: dict[tuple[str, str], list[Price]] = {}
    for p in rows:
        groups.setdefault((p.model, p.provider), []).append(p)
    out: list[Segment] = []
    for (model, provider), group in groups.items():
        stop = (shutdown or {}).get((model, provider))
        cuts = sorted({p.valid_from for p in group} | {p.valid_to for p in group if p.valid_to}
                      | ({stop} if stop else set()))
        for i, start in enumerate(cuts):
            if stop is not None and start >= stop:
                break
            end = cuts[i + 1] if i + 1 < len(cuts) else None
            live = {p.tier: p for p in group if p.in_effect(start)}
            for tier in SERVICE_TIERS:
                row = live.get(tier)
                fallback = False
                if row is None and tier != STANDARD_TIER:
                    row, fallback = live.get(STANDARD_TIER), True
                if row is None:
                    continue
                off = live.get(OFF_PEAK_TIER) if row.tier == STANDARD_TIER else None
                windows = window_minutes(off) if off is not None else []
                marks = sorted({0, WEEK_MINUTES, *(m for w in windows for m in w)})
                for a, b in zip(marks, marks[1:], strict=False):
                    inside = off is not None and any(s <= a < e for s, e in windows)
                    out.append(Segment(model, provider, start, end, tier, a, b, off if inside and off else row,
                                       fallback))
    return out
