"""A workload's bill on one offer (model × provider × tier) at the price in effect, itemised, in exact Decimal.

How a call is billed (all rates are the ledger's USD per 1M tokens; `I`, `O`, `R` are a call's input, output and
reasoning tokens; `c`, `w` the cached-input and cache-write shares; `L` the long-context share; `B` the batch share):

* `uncached_input`  = I·(1−c−w) × input
* `cache_read`      = I·c × cached_input
* `cache_write`     = I·w × cache_write
* `output`          = O × output
* `reasoning`       = R × output (reasoning tokens are billed as output by every provider on record)
* `long_context`    = the surcharge on the share L of calls whose prompt is above the offer's long-context threshold:
  L × Σ tokens × (long rate − standard rate), for input, cache read, cache write, output and reasoning
* `batch_discount`  = −B × batch_discount × (sum of the items above): the share B of calls sent through the batch API

A task is `calls_per_task` calls; a month is `tasks_per_month` tasks. Nothing is rounded: Decimal arithmetic runs
at 60 significant digits, far more than any bill needs, so the items sum exactly to the total.

Every rate comes from the tariff's rate card (llmflation.ledger.tariff: the one rule table that `usage spend`
compiles for DuckDB and Spark too), including its fallbacks when a price component is missing; each fallback used
adds a warning named by its code (`cached_input_missing`, `cache_write_missing`, `long_cached_input_derived`,
`long_context_missing`, `batch_missing`, `off_peak_missing`, …), never a silent $0. The shares of calls that are
long, off-peak, batch or regional are mixed exactly: `long_context`, `off_peak`, `batch_discount` and
`regional_uplift` are the differences each dimension makes, in that order, so the items sum to the total.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import TYPE_CHECKING

from llmflation.errors import InputError, NoPriceError
from llmflation.ledger.records import STANDARD_TIER, Price
from llmflation.money import MTOK
from llmflation.workload.spec import Workload

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger
    from llmflation.ledger.tariff import RateCard

PRECISION = 60
ZERO = Decimal(0)
ITEM_NAMES = ("uncached_input", "cache_read", "cache_write", "cache_write_1h", "input_audio", "output", "reasoning",
              "output_audio", "long_context", "off_peak", "batch_discount", "regional_uplift")
# tariff bucket → bill line item
_ITEM_OF = {"input": "uncached_input", "cache_read": "cache_read", "cache_write": "cache_write",
            "cache_write_1h": "cache_write_1h", "input_audio": "input_audio", "output": "output",
            "reasoning": "reasoning", "output_audio": "output_audio"}
ADJUSTMENTS = ("long_context", "off_peak", "batch_discount", "regional_uplift")  # the stages' differences


def _share_note(code: str, w: Workload) -> str:
    share = {"long_context_missing": w.long_context_share, "batch_missing": w.batch_share,
             "regional_uplift_missing": w.regional_share}.get(code)
    return f" ({_pct(share)} of calls)" if share is not None else ""


@dataclass(frozen=True, slots=True)
class BillWarning:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class LineItem:
    """One line of the bill. `tokens_per_task` is None for adjustments (long-context surcharge, batch discount)."""

    name: str
    tokens_per_task: Decimal | None
    usd_per_mtok: Decimal | None
    per_task_usd: Decimal
    monthly_usd: Decimal


@dataclass(frozen=True, slots=True)
class Margin:
    revenue_per_task_usd: Decimal
    gross_profit_per_task_usd: Decimal
    monthly_revenue_usd: Decimal
    monthly_gross_profit_usd: Decimal
    # fraction of revenue, rounded to 6 places (60 significant digits when larger); None when revenue is 0
    gross_margin: Decimal | None


@dataclass(frozen=True, slots=True)
class OfferBill:
    model: str
    provider: str
    tier: str
    at: date
    per_call_usd: Decimal
    per_task_usd: Decimal
    monthly_usd: Decimal
    tokens_per_month: Decimal
    usd_per_mtok: Decimal | None  # effective unit price: monthly bill / monthly tokens (all kinds), to 1e-12
    items: tuple[LineItem, ...]
    warnings: tuple[BillWarning, ...]
    margin: Margin | None
    price_valid_from: date
    source: str
    confidence: str
    score: Decimal | None = None  # the model's score on the workload's floor benchmark, when there is a floor


@dataclass(frozen=True, slots=True)
class Ranking:
    at: date
    offers: Sequence[OfferBill]  # cheapest first; from rank_offers a LazyBills (itemised when read)
    floor_benchmark: str | None = None
    floor_min: Decimal | None = None
    below_floor: list[str] = field(default_factory=list)  # model ids scored under the floor
    unscored: list[str] = field(default_factory=list)  # model ids with no score on the floor benchmark

    @property
    def cheapest(self) -> OfferBill | None:
        return self.offers[0] if self.offers else None


@dataclass(frozen=True, slots=True)
class MixBill:
    """The bill of a workload's own model mix (`models` in the spec): each model's share of calls on its offer."""

    at: date
    parts: list[tuple[Decimal, OfferBill]]  # (share of calls, that offer's bill for the whole workload)
    monthly_usd: Decimal
    per_task_usd: Decimal
    tokens_per_month: Decimal
    margin: Margin | None

    @property
    def warnings(self) -> list[BillWarning]:
        return [w for _, b in self.parts for w in b.warnings]


def _mul(*xs: Decimal) -> Decimal:
    out = Decimal(1)
    for x in xs:
        out *= x
    return out


def bill_offer(workload: Workload, price: Price, at: date | None = None, score: Decimal | None = None,
               off_peak: Price | None = None) -> OfferBill:
    """Bill `workload` on one offer (a ledger Price row; `off_peak` = the offer's off-peak row in effect, if any).
    Pure: no ledger access, exact Decimal; every rate comes from the tariff's rate card (ledger/tariff.py)."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return _bill(workload, price, at or price.valid_from, score, off_peak)


def call_tokens(w: Workload) -> dict[str, Decimal]:
    """A workload's average call as the tariff's disjoint token buckets."""
    i_tok = w.input_tokens
    uncached = i_tok * (1 - w.cached_input_share - w.cache_write_share - w.cache_write_1h_share)
    return {
        "input": uncached * (1 - w.input_audio_share),
        "input_audio": uncached * w.input_audio_share,
        "cache_read": i_tok * w.cached_input_share,
        "cache_write": i_tok * w.cache_write_share,
        "cache_write_1h": i_tok * w.cache_write_1h_share,
        "output": w.output_tokens * (1 - w.output_audio_share),
        "output_audio": w.output_tokens * w.output_audio_share,
        "reasoning": w.reasoning_per_call,
    }


# The stages of a bill's mixture, in order: each adds one dimension of the workload's shares (long-context calls,
# off-peak calls, batch calls, regional calls) when the workload has calls in it; `long_context`, `off_peak`,
# `batch_discount` and `regional_uplift` are the differences the stages make.
STAGES = (("long",), ("long", "off"), ("long", "off", "batch"), ("long", "off", "batch", "regional"))


def _shares(w: Workload) -> dict[str, Decimal]:
    return {"long": w.long_context_share, "off": w.off_peak_share, "batch": w.batch_share,
            "regional": w.regional_share}


def _stage_on(stage: tuple[str, ...], shares: Mapping[str, Decimal], has_off_row: bool) -> bool:
    """Whether the mixture computes this stage (else its value is the previous stage's)."""
    last = stage[-1]
    return shares[last] > 0 and (last != "off" or has_off_row)


def _combos(enabled: tuple[str, ...], shares: Mapping[str, Decimal]) -> list[tuple[dict[str, bool], Decimal]]:
    """Every combination of the enabled dimensions (False before True, the first dimension slowest) with its
    weight, the product of the shares (or their complements); zero-weight combinations are left out."""
    combos: list[dict[str, bool]] = [{}]
    for f in enabled:
        combos = [{**c, f: v} for c in combos for v in (False, True)]
    out = []
    for c in combos:
        weight = Decimal(1)
        for f, on in c.items():
            weight *= shares[f] if on else 1 - shares[f]
        if weight:
            out.append((c, weight))
    return out


def fallback_codes(toks: Mapping[str, Decimal], shares: Mapping[str, Decimal], std_card: RateCard,
                   off_card: RateCard | None) -> list[str]:
    """The tariff fallbacks a bill uses (`FALLBACKS` codes), in the order the bill meets them: the standard rates
    of the buckets with tokens, then each combination of each mixture stage the bill computes."""
    from llmflation.ledger.tariff import multiplier

    used: dict[str, None] = {}
    for b, n in toks.items():
        if n > 0 and b in std_card.fallback:
            used[std_card.fallback[b]] = None
    visits: list[dict[str, bool]] = [{}]  # the base mixture: one standard call
    for stage in STAGES:
        if _stage_on(stage, shares, off_card is not None):
            visits += [c for c, _ in _combos(stage, shares)]
    for c in visits:
        long, off = c.get("long", False), c.get("off", False)
        card = off_card if off and off_card is not None else std_card
        fb = card.rates(long)[1]
        for b, n in toks.items():
            if n > 0 and b in fb:
                used[fb[b]] = None
        if long and card.long is None:
            used["long_context_missing"] = None
        used.update(dict.fromkeys(multiplier(card.price, c.get("batch", False), c.get("regional", False))[1]))
    return list(used)


def bill_warnings(w: Workload, p: Price, codes: Iterable[str], off_card_missing: bool) -> tuple[BillWarning, ...]:
    """A bill's warnings: off-peak calls without an off-peak row, then each fallback code used, in order."""
    from llmflation.ledger.tariff import FALLBACKS

    where = f"{p.model} on {p.provider}"
    out = []
    if w.off_peak_share > 0 and off_card_missing:
        out.append(BillWarning("off_peak_missing", f"{where}: no off-peak price on record; "
                               f"{_pct(w.off_peak_share)} of calls in off-peak hours billed at standard prices"))
    out += [BillWarning(code, f"{where}: {FALLBACKS[code]}{_share_note(code, w)}") for code in codes]
    return tuple(out)


def _bill(w: Workload, p: Price, at: date, score: Decimal | None, off_peak: Price | None = None) -> OfferBill:
    from llmflation.ledger.tariff import multiplier, rate_card

    toks = call_tokens(w)
    std_card = rate_card(p)
    off_card = rate_card(off_peak) if off_peak is not None else None

    def cost(long: bool, off: bool, batch: bool, regional: bool) -> Decimal:
        card = off_card if off and off_card is not None else std_card
        rates = card.rates(long)[0]
        m = multiplier(card.price, batch, regional)[0]
        return sum((toks[b] * rates[b] for b in toks), ZERO) / MTOK * m

    shares = _shares(w)

    def mixture(enabled: tuple[str, ...]) -> Decimal:
        total = ZERO
        for c, weight in _combos(enabled, shares):
            total += weight * cost(c.get("long", False), c.get("off", False), c.get("batch", False),
                                   c.get("regional", False))
        return total

    rates = std_card.standard
    per_call = {_ITEM_OF[b]: toks[b] * rates[b] / MTOK for b in toks}
    stage_values = [mixture(())]  # base, then with_long, with_off, with_batch, with_region
    for stage in STAGES:
        on = _stage_on(stage, shares, off_card is not None)
        stage_values.append(mixture(stage) if on else stage_values[-1])
    for name, before, after in zip(ADJUSTMENTS, stage_values[:-1], stage_values[1:], strict=True):
        per_call[name] = after - before
    warnings = bill_warnings(w, p, fallback_codes(toks, shares, std_card, off_card), off_card is None)
    rates_by_item = {_ITEM_OF[b]: rates[b] for b in toks}
    toks_by_item = {_ITEM_OF[b]: toks[b] for b in toks}
    calls, tasks = w.calls_per_task, w.tasks_per_month
    items = []
    for name in ITEM_NAMES:
        per_task = per_call[name] * calls
        tok = toks_by_item.get(name)
        rate = rates_by_item.get(name)
        items.append(LineItem(name, None if tok is None else tok * calls, rate, per_task, per_task * tasks))
    call_total = stage_values[-1]
    task_total = call_total * calls
    month_total = task_total * tasks
    tokens = w.tokens_per_month
    unit = unit_price(month_total, tokens)
    return OfferBill(
        model=p.model, provider=p.provider, tier=p.tier, at=at, per_call_usd=call_total, per_task_usd=task_total,
        monthly_usd=month_total, tokens_per_month=tokens, usd_per_mtok=unit, items=tuple(items),
        warnings=warnings, margin=margin_of(w, task_total), price_valid_from=p.valid_from,
        source=p.source, confidence=p.confidence, score=score,
    )


UNIT_QUANTUM = Decimal("1e-12")


def unit_price(monthly_usd: Decimal, tokens: Decimal) -> Decimal | None:
    """Effective USD per 1M tokens (a ratio, so rounded half-even to 1e-12 USD); None without tokens."""
    if tokens <= 0:
        return None
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return unit_price_here(monthly_usd, tokens)


def unit_price_here(monthly_usd: Decimal, tokens: Decimal) -> Decimal | None:
    """`unit_price` under the caller's context, which must be a PRECISION-digit one (for many bills at once)."""
    if tokens <= 0:
        return None
    return (monthly_usd * MTOK / tokens).quantize(UNIT_QUANTUM, rounding=ROUND_HALF_EVEN)


def _short(d: Decimal) -> str:
    return format(d.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN).normalize(), "f")


def margin_of(w: Workload, cost_per_task: Decimal) -> Margin | None:
    """Gross margin per task and per month; None when the workload has no revenue_per_task."""
    if w.revenue_per_task is None:
        return None
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return margin_here(w, cost_per_task)


_RATIO_QUANTUM = Decimal("0.000001")


def margin_here(w: Workload, cost_per_task: Decimal) -> Margin | None:
    """`margin_of` under the caller's context, which must be a PRECISION-digit one (for many bills at once)."""
    rev = w.revenue_per_task
    if rev is None:
        return None
    profit = rev - cost_per_task
    ratio = None
    if rev > 0:
        ratio = profit / rev
        # a ratio too large to carry 6 decimal places in PRECISION digits (a revenue of a sliver of a cent against a
        # real cost) keeps its PRECISION significant digits instead of failing the quantize
        if ratio.adjusted() + 7 <= PRECISION:
            ratio = ratio.quantize(_RATIO_QUANTUM, rounding=ROUND_HALF_EVEN)
    return Margin(rev, profit, rev * w.tasks_per_month, profit * w.tasks_per_month, ratio)


# -- ranking over the ledger --------------------------------------------------------------------------------

def best_scores(ledger: Ledger, benchmark: str) -> dict[str, Decimal]:
    """Each model's score on a benchmark by the ledger's one rule (Ledger.best_score), as model id → value."""
    return {m: s.value for m, s in ledger.best_scores(benchmark).items()}


def rank_offers(ledger: Ledger, workload: Workload, at: date, *, models: Sequence[str] | None = None,
                provider: str | None = None, tier: str = STANDARD_TIER,
                scores: dict[str, Decimal] | None = None, packed: bool = True) -> Ranking:
    """Bill every offer in effect at `at` that meets the workload's capability floor, cheapest first.

    `models` restricts to those models (names resolved with did-you-mean); `provider` to one provider.
    Models without a score on the floor benchmark are excluded and listed in `Ranking.unscored`.
    `scores` (model → best score) can be passed in to save work when ranking many dates.
    `packed=False` bills every offer with the Decimal reference instead of ranking on the exact packed totals
    (workload/fastbill.py); both give the same offers in the same order with the same bills.
    """
    from llmflation.workload.fastbill import LazyBills, monthly_totals, offer_table, offers_at

    offers = offers_at(ledger, at, tier)  # (model, provider) order, cached per ledger and date
    if models:
        wanted = {ledger.resolve(m, provider, at).id for m in models}
        offers = [p for p in offers if p.model in wanted]
    if provider:
        prov = provider.strip().lower()
        if prov not in ledger.providers:
            from llmflation.errors import UnknownNameError

            raise UnknownNameError("provider", provider, ledger.providers)
        offers = [p for p in offers if p.provider == prov]
    floor = workload.floor
    below: Sequence[str] = ()
    unscored: Sequence[str] = ()
    kept: list[Price] = []
    kept_scores: dict[int, Decimal] = {}
    if floor is not None:
        def select() -> tuple[list[Price], dict[int, Decimal], list[str], list[str]]:
            table = scores if scores is not None else best_scores(ledger, floor.benchmark)
            kept: list[Price] = []
            kept_scores: dict[int, Decimal] = {}
            below: set[str] = set()
            unscored: set[str] = set()
            for p in offers:
                s = table.get(p.model)
                if s is None:
                    unscored.add(p.model)
                elif s < floor.min:
                    below.add(p.model)
                else:
                    kept_scores[len(kept)] = s
                    kept.append(p)
            return kept, kept_scores, sorted(below), sorted(unscored)

        if models or provider or scores is not None:
            kept, kept_scores, below, unscored = select()
        else:  # every offer of the date against one floor: the same selection for every workload, kept
            from llmflation.ledger.derived import cached_per_ledger

            kept, kept_scores, below, unscored = cached_per_ledger(
                ledger, ("floor", at, tier, floor.benchmark, floor.min), select)
    else:
        kept = list(offers)
    # their rates from the tariff, packed once per selection (every offer of the date: no selection to key by)
    tab = offer_table(ledger, at, tier, None if floor is None and not models and not provider else kept)
    totals = monthly_totals(tab, workload) if packed else None
    ranked: Sequence[OfferBill]
    if totals is not None:  # the exact packed totals rank every offer at once (workload/fastbill.py)
        ranked = LazyBills(workload, at, tab, totals, totals.order(range(tab.n)), kept_scores)
    else:
        bills = [bill_offer(workload, row.price, at, kept_scores.get(i), row.off_peak)
                 for i, row in enumerate(tab.rows)]
        bills.sort(key=lambda b: (b.monthly_usd, b.model, b.provider))
        ranked = bills
    return Ranking(at=at, offers=ranked, floor_benchmark=floor.benchmark if floor else None,
                   floor_min=floor.min if floor else None, below_floor=list(below), unscored=list(unscored))


def bill_model(ledger: Ledger, workload: Workload, model: str, at: date, provider: str | None = None,
               tier: str = STANDARD_TIER) -> list[OfferBill]:
    """Bill one model at every provider offering it at `at` (or just `provider`), cheapest first for this workload.

    Raises UnknownModelError / NoPriceError with what to do next.
    """
    prices = ledger.price(model, at=at, provider=provider, tier=tier)
    score = None
    if workload.floor is not None:
        score = best_scores(ledger, workload.floor.benchmark).get(prices[0].model)
    bills = [bill_offer(workload, p, at, score, ledger.off_peak_row(p.model, p.provider, at)) for p in prices]
    return sorted(bills, key=lambda b: (b.monthly_usd, b.provider))


def bill_mix(ledger: Ledger, workload: Workload, at: date, tier: str = STANDARD_TIER) -> MixBill:
    """Bill the workload's own model mix (`models` in the spec) at `at`.

    For a model listed without a provider, the provider cheapest for this workload at `at` is used.
    Raises InputError when the workload lists no models, NoPriceError when a listed model has no price then.
    """
    if not workload.models:
        raise InputError(f"models: workload {workload.name!r} lists no models; add a [[models]] table "
                         "(model = \"...\", share = 1) or use the cheapest capable model instead")
    parts: list[tuple[Decimal, OfferBill]] = []
    with localcontext() as ctx:
        ctx.prec = PRECISION
        for entry in workload.models:
            bills = bill_model(ledger, workload, entry.model, at, entry.provider, tier)
            parts.append((entry.share, bills[0]))
        monthly = sum((s * b.monthly_usd for s, b in parts), ZERO)
        per_task = sum((s * b.per_task_usd for s, b in parts), ZERO)
    return MixBill(at=at, parts=parts, monthly_usd=monthly, per_task_usd=per_task,
                   tokens_per_month=workload.tokens_per_month, margin=margin_of(workload, per_task))


def has_price(ledger: Ledger, workload: Workload, at: date) -> bool:
    """True when every model in the workload's mix has a price in effect at `at`."""
    try:
        bill_mix(ledger, workload, at)
    except NoPriceError:
        return False
    return True


def summed_items(bills: Iterable[tuple[Decimal, OfferBill]]) -> dict[str, Decimal]:
    """Monthly USD per item name across weighted bills (for a mix)."""
    out = dict.fromkeys(ITEM_NAMES, ZERO)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        for share, b in bills:
            for it in b.items:
                out[it.name] += share * it.monthly_usd
    return out


def _pct(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}%"
