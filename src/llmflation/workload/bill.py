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

Fallbacks when a price component is missing (each one adds a warning to the bill, never a silent $0):

* no `cached_input` price → cache reads billed at the full input price (`cached_input_missing`)
* no `cache_write` price → cache writes billed at the input price (`cache_write_missing`; right for providers with
  automatic caching such as OpenAI, which do not charge extra for writes)
* no long-context tier on the offer → long prompts billed at standard prices (`long_context_missing`)
* a long-context tier without a long cached price → long-context cache reads at the long input price
  (`long_cached_input_missing`); long-context cache writes at cache_write × long_input / input
  (`long_cache_write_derived`)
* no batch discount on record → batch calls billed at full price (`batch_missing`)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import TYPE_CHECKING

from llmflation.errors import InputError, NoPriceError
from llmflation.ledger.records import STANDARD_TIER, Price
from llmflation.money import MTOK, plain
from llmflation.workload.spec import Workload

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger

PRECISION = 60
ZERO = Decimal(0)
ITEM_NAMES = ("uncached_input", "cache_read", "cache_write", "output", "reasoning", "long_context",
              "batch_discount")


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
    gross_margin: Decimal | None  # fraction of revenue, rounded to 6 places; None when revenue is 0


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
    offers: list[OfferBill]
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


def bill_offer(workload: Workload, price: Price, at: date | None = None, score: Decimal | None = None) -> OfferBill:
    """Bill `workload` on one offer (a ledger Price row). Pure: no ledger access, exact Decimal."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return _bill(workload, price, at or price.valid_from, score)


def _bill(w: Workload, p: Price, at: date, score: Decimal | None) -> OfferBill:
    warnings: list[BillWarning] = []
    where = f"{p.model} on {p.provider}"
    i_tok, c, cw_share = w.input_tokens, w.cached_input_share, w.cache_write_share
    toks = {
        "uncached_input": i_tok * (1 - c - cw_share),
        "cache_read": i_tok * c,
        "cache_write": i_tok * cw_share,
        "output": w.output_tokens,
        "reasoning": w.reasoning_per_call,
    }
    cached_rate = p.cached_input
    if cached_rate is None:
        cached_rate = p.input
        if toks["cache_read"] > 0:
            warnings.append(BillWarning("cached_input_missing",
                                        f"{where}: no cached-input price on record; cache reads billed at the "
                                        f"full input price ({plain(p.input)}/M)"))
    write_rate = p.cache_write
    if write_rate is None:
        write_rate = p.input
        if toks["cache_write"] > 0:
            warnings.append(BillWarning("cache_write_missing",
                                        f"{where}: no cache-write price on record; cache writes billed at the "
                                        f"input price ({plain(p.input)}/M)"))
    rates = {"uncached_input": p.input, "cache_read": cached_rate, "cache_write": write_rate,
             "output": p.output, "reasoning": p.output}
    per_call = {k: toks[k] * rates[k] / MTOK for k in toks}

    # long-context surcharge on the share of calls above the threshold
    long_extra = ZERO
    share_long = w.long_context_share
    if share_long > 0:
        if p.long_context_threshold is None or p.long_input is None or p.long_output is None:
            warnings.append(BillWarning("long_context_missing",
                                        f"{where}: no long-context tier on record; {_pct(share_long)} of calls with "
                                        f"long prompts are billed at standard prices"))
        else:
            long_cached = p.long_cached_input
            if long_cached is None:
                long_cached = p.long_input
                if toks["cache_read"] > 0:
                    warnings.append(BillWarning("long_cached_input_missing",
                                                f"{where}: no long-context cached price on record; long-context "
                                                f"cache reads billed at the long input price "
                                                f"({plain(p.long_input)}/M)"))
            if p.cache_write is not None:
                long_write = p.cache_write * p.long_input / p.input if p.input else p.long_input
                if toks["cache_write"] > 0:
                    warnings.append(BillWarning("long_cache_write_derived",
                                                f"{where}: no long-context cache-write price on record; billed at "
                                                f"cache_write × long_input / input = {_short(long_write)}/M"))
            else:
                long_write = p.long_input
            long_rates = {"uncached_input": p.long_input, "cache_read": long_cached, "cache_write": long_write,
                          "output": p.long_output, "reasoning": p.long_output}
            long_extra = share_long * sum((toks[k] * (long_rates[k] - rates[k]) for k in toks), ZERO) / MTOK
    per_call["long_context"] = long_extra

    gross = sum(per_call.values(), ZERO)
    batch = ZERO
    if w.batch_share > 0:
        if p.batch_discount is None:
            warnings.append(BillWarning("batch_missing",
                                        f"{where}: no batch API discount on record; {_pct(w.batch_share)} of calls "
                                        f"sent as batch are billed at full price"))
        else:
            batch = -(w.batch_share * p.batch_discount * gross)
    per_call["batch_discount"] = batch

    calls, tasks = w.calls_per_task, w.tasks_per_month
    items = []
    for name in ITEM_NAMES:
        per_task = per_call[name] * calls
        tok = toks.get(name)
        rate = rates.get(name)
        items.append(LineItem(name, None if tok is None else tok * calls, rate, per_task, per_task * tasks))
    call_total = gross + batch
    task_total = call_total * calls
    month_total = task_total * tasks
    tokens = w.tokens_per_month
    unit = unit_price(month_total, tokens)
    return OfferBill(
        model=p.model, provider=p.provider, tier=p.tier, at=at, per_call_usd=call_total, per_task_usd=task_total,
        monthly_usd=month_total, tokens_per_month=tokens, usd_per_mtok=unit, items=tuple(items),
        warnings=tuple(warnings), margin=margin_of(w, task_total), price_valid_from=p.valid_from,
        source=p.source, confidence=p.confidence, score=score,
    )


UNIT_QUANTUM = Decimal("1e-12")


def unit_price(monthly_usd: Decimal, tokens: Decimal) -> Decimal | None:
    """Effective USD per 1M tokens (a ratio, so rounded half-even to 1e-12 USD); None without tokens."""
    if tokens <= 0:
        return None
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return (monthly_usd * MTOK / tokens).quantize(UNIT_QUANTUM, rounding=ROUND_HALF_EVEN)


def _short(d: Decimal) -> str:
    return format(d.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN).normalize(), "f")


def margin_of(w: Workload, cost_per_task: Decimal) -> Margin | None:
    """Gross margin per task and per month; None when the workload has no revenue_per_task."""
    if w.revenue_per_task is None:
        return None
    with localcontext() as ctx:
        ctx.prec = PRECISION
        rev = w.revenue_per_task
        profit = rev - cost_per_task
        ratio = (profit / rev).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN) if rev > 0 else None
        return Margin(rev, profit, rev * w.tasks_per_month, profit * w.tasks_per_month, ratio)


# -- ranking over the ledger --------------------------------------------------------------------------------

def best_scores(ledger: Ledger, benchmark: str) -> dict[str, Decimal]:
    """Each model's score on a benchmark by the ledger's one rule (Ledger.best_score), as model id → value."""
    return {m: s.value for m, s in ledger.best_scores(benchmark).items()}


def rank_offers(ledger: Ledger, workload: Workload, at: date, *, models: Sequence[str] | None = None,
                provider: str | None = None, tier: str = STANDARD_TIER,
                scores: dict[str, Decimal] | None = None) -> Ranking:
    """Bill every offer in effect at `at` that meets the workload's capability floor, cheapest first.

    `models` restricts to those models (names resolved with did-you-mean); `provider` to one provider.
    Models without a score on the floor benchmark are excluded and listed in `Ranking.unscored`.
    `scores` (model → best score) can be passed in to save work when ranking many dates.
    """
    offers = ledger.offers_at(at, tier)
    if models:
        wanted = {ledger.resolve(m).id for m in models}
        offers = [p for p in offers if p.model in wanted]
    if provider:
        prov = provider.strip().lower()
        if prov not in ledger.providers:
            from llmflation.errors import UnknownNameError

            raise UnknownNameError("provider", provider, ledger.providers)
        offers = [p for p in offers if p.provider == prov]
    floor = workload.floor
    below: set[str] = set()
    unscored: set[str] = set()
    kept: list[tuple[Price, Decimal | None]] = []
    if floor is not None:
        table = scores if scores is not None else best_scores(ledger, floor.benchmark)
        for p in offers:
            s = table.get(p.model)
            if s is None:
                unscored.add(p.model)
            elif s < floor.min:
                below.add(p.model)
            else:
                kept.append((p, s))
    else:
        kept = [(p, None) for p in offers]
    bills = [bill_offer(workload, p, at, s) for p, s in kept]
    bills.sort(key=lambda b: (b.monthly_usd, b.model, b.provider))
    return Ranking(at=at, offers=bills, floor_benchmark=floor.benchmark if floor else None,
                   floor_min=floor.min if floor else None, below_floor=sorted(below), unscored=sorted(unscored))


def bill_model(ledger: Ledger, workload: Workload, model: str, at: date, provider: str | None = None,
               tier: str = STANDARD_TIER) -> list[OfferBill]:
    """Bill one model at every provider offering it at `at` (or just `provider`), cheapest first for this workload.

    Raises UnknownModelError / NoPriceError with what to do next.
    """
    prices = ledger.price(model, at=at, provider=provider, tier=tier)
    score = None
    if workload.floor is not None:
        score = best_scores(ledger, workload.floor.benchmark).get(prices[0].model)
    bills = [bill_offer(workload, p, at, score) for p in prices]
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
