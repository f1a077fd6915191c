"""`compare`: self-hosted $/M tokens vs the ledger's API prices, and the break-even monthly volume.

Self-hosted cost comes from `search` (cheapest configuration meeting the latency targets) at a utilisation
(default 0.5: real duty cycles are 30–60%, research §1.11). API prices are the ledger's offers in effect on
the
date for the same model; when the ledger has none, the cheapest priced model scoring at least as well on a
shared benchmark stands in ("same capability", within `capability_margin` points).

Workload cost per request = ISL·input price + OSL·output price, priced by the tariff (ledger/tariff.py: long-context
rates when ISL is above the offer's threshold); the blended $/M tokens divides by ISL+OSL.
Break-even: renting the smallest deployment round the clock costs F per month (count × $/GPU-hour × 730 h)
and can serve at most V_max tokens a month; the API costs a per token. Self-hosting wins above F/a tokens a
month — if F/a ≤ V_max; otherwise the API is cheaper even at full load. All money is Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING

from llmflation.serving import physics
from llmflation.serving.catalog import Architecture, resolve_architecture
from llmflation.serving.model import Estimate
from llmflation.serving.search import search

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger
    from llmflation.ledger.records import Model, Price

HOURS_PER_MONTH = Decimal(730)
MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class ApiOffer:
    model: str
    provider: str
    input_usd_per_mtok: Decimal
    output_usd_per_mtok: Decimal
    blended_usd_per_mtok: Decimal  # at the workload's ISL:OSL
    match: str  # same-model | same-architecture | same-capability (benchmark: score vs score)
    source: str


@dataclass(frozen=True)
class Comparison:
    model: str
    at: date
    isl: int
    osl: int
    utilisation: Decimal
    selfhost: Estimate
    selfhost_blended_usd_per_mtok: Decimal
    api: list[ApiOffer]  # cheapest first
    cheapest_api: ApiOffer | None
    monthly_fixed_usd: Decimal  # the self-hosted deployment rented 730 h/month
    monthly_capacity_mtok: Decimal  # tokens (input+output) it serves a month at full load
    break_even_mtok_per_month: Decimal | None  # None: the API stays cheaper even at full load
    break_even_utilisation: Decimal | None
    verdict: str


def _q(x: Decimal, places: str = "0.000001") -> Decimal:
    return x.quantize(Decimal(places), rounding=ROUND_HALF_EVEN)


def _blend(inp: Decimal, out: Decimal, isl: int, osl: int) -> Decimal:
    return _q((inp * isl + out * osl) / (isl + osl))


def _ledger_models(ledger: Ledger, a: Architecture) -> list[Model]:
    from llmflation.errors import UnknownModelError

    found: list[Model] = []
    for name in a.ledger_models:
        try:
            m = ledger.resolve(name)
        except UnknownModelError:
            continue
        if m not in found:
            found.append(m)
    return found


def api_offers(
    ledger: Ledger, a: Architecture, at: date, isl: int, osl: int, capability_margin: float = 1.0
) -> list[ApiOffer]:
    """The ledger's API offers for the model at `at`, or for same-capability models when it has none."""
    from llmflation.errors import NoPriceError

    mine = _ledger_models(ledger, a)
    offers: list[ApiOffer] = []
    for m in mine:
        try:
            prices = ledger.price(m.id, at=at)
        except NoPriceError:
            continue
        match = "same-model" if m.id == a.ledger_models[0] else "same-architecture"
        offers += [_offer(p, isl, osl, match) for p in prices]
    if offers:
        return sorted(offers, key=lambda o: o.blended_usd_per_mtok)
    # same capability: a model scoring at least ours − margin on a benchmark ours has a score for
    # (each model's score on a benchmark by the ledger's one rule, Ledger.best_score)
    own: dict[str, Decimal] = {}
    for m in mine:
        for bench in sorted({s.benchmark for s in ledger.scores(m.id)}):
            mine_score = ledger.best_score(m.id, bench)
            if mine_score is not None and (bench not in own or mine_score.value > own[bench]):
                own[bench] = mine_score.value
    if not own:
        return []
    by_model: dict[str, list[tuple[str, Decimal]]] = {}
    for bench, value in own.items():
        for model_id, s in sorted(ledger.best_scores(bench).items()):
            if model_id not in {m.id for m in mine} and float(s.value) >= float(value) - capability_margin:
                by_model.setdefault(model_id, []).append((bench, s.value))
    for mid, hits in by_model.items():
        try:
            prices = ledger.price(mid, at=at)
        except NoPriceError:
            continue
        bench, val = hits[0]
        offers += [_offer(p, isl, osl, f"same-capability ({bench} {val} vs {own[bench]})") for p in prices]
    return sorted(offers, key=lambda o: o.blended_usd_per_mtok)


def _offer(p: Price, isl: int, osl: int, match: str) -> ApiOffer:
    from llmflation.ledger.tariff import Call, price_call, rate_card

    # one request priced by the tariff (the engine bill and usage use: long-context rates above the threshold)
    per_request = price_call(rate_card(p), Call(tokens={"input": isl, "output": osl})).usd
    return ApiOffer(
        model=p.model,
        provider=p.provider,
        input_usd_per_mtok=p.input,
        output_usd_per_mtok=p.output,
        blended_usd_per_mtok=_q(per_request * Decimal(1_000_000) / (isl + osl)),
        match=match,
        source=p.source,
    )


def compare(
    model: str | Architecture,
    ledger: Ledger,
    *,
    at: date | None = None,
    isl: int = 1024,
    osl: int = 256,
    utilisation: Decimal | str | float = Decimal("0.5"),
    ttft_s: float = 2.0,
    tpot_s: float = 0.05,
    gpu: list[str] | None = None,
    precision: list[str] | None = None,
    spec_alpha: float = physics.ALPHA,
    usd_per_gpu_hour: Decimal | None = None,
    price_tier: str = "neocloud",
) -> Comparison:
    """Self-hosted vs API $/M tokens for `model` on date `at` (default today), and the break-even volume."""
    a = model if isinstance(model, Architecture) else resolve_architecture(model)
    when = at or date.today()
    util = Decimal(str(utilisation))
    res = search(
        a,
        ttft_s=ttft_s,
        tpot_s=tpot_s,
        isl=isl,
        osl=osl,
        gpu=gpu,
        precision=precision,
        spec_alpha=spec_alpha,
        usd_per_gpu_hour=usd_per_gpu_hour,
        price_tier=price_tier,
        price_at=at,
        utilisation=util,
    )
    e = res.best
    sh_blend = _blend(e.usd_per_mtok_input, e.usd_per_mtok_output, isl, osl)
    offers = api_offers(ledger, a, when, isl, osl)
    cheapest = offers[0] if offers else None
    fixed = _q(e.usd_per_hour * HOURS_PER_MONTH, "0.01")
    cap_tok_s = Decimal(repr((e.tokens_per_s_per_gpu + e.input_tokens_per_s_per_gpu) * e.count))
    capacity = _q(cap_tok_s * Decimal(3600) * HOURS_PER_MONTH / MILLION, "0.01")
    be = be_util = None
    if cheapest is None:
        verdict = (
            f"No API price on record for {a.name} (or a same-capability model) on {when}; "
            "self-hosted figures only."
        )
    else:
        a_per_m = cheapest.blended_usd_per_mtok
        shown = format(a_per_m.normalize(), "f")
        v_star = _q(fixed / a_per_m, "0.01") if a_per_m > 0 else None
        if v_star is not None and v_star <= capacity:
            be, be_util = v_star, _q(v_star / capacity, "0.0001")
            verdict = (
                f"Self-hosting {a.name} beats {cheapest.provider}'s {shown} $/M above {be:,.0f} M tokens"
                f" a month ({be_util:.0%} of one {e.count}x{e.gpu} deployment at full load)."
            )
        else:
            verdict = (
                f"The API ({cheapest.provider}, {shown} $/M) stays cheaper than self-hosting even at full"
                f" load ({_q(fixed / capacity) if capacity else 'n/a'} $/M on {e.count}x{e.gpu})."
            )
    return Comparison(
        model=a.id,
        at=when,
        isl=isl,
        osl=osl,
        utilisation=util,
        selfhost=e,
        selfhost_blended_usd_per_mtok=sh_blend,
        api=offers,
        cheapest_api=cheapest,
        monthly_fixed_usd=fixed,
        monthly_capacity_mtok=capacity,
        break_even_mtok_per_month=be,
        break_even_utilisation=be_util,
        verdict=verdict,
    )
