"""Drivers breakdown: how much of a self-hosting cost change comes from hardware, precision, MoE,
speculative decoding and utilisation.

Two scenarios (defaults: a 2023-style deployment — Llama 2 70B, BF16, A100 at its Feb-2024 CoreWeave price,
no speculative decoding, 30% utilisation — and a 2026-style one — gpt-oss-120b (MoE), FP4, B200 at its
Mar-2026 neocloud price, speculative decoding allowed, 60% utilisation; the utilisation figures are
assumptions, the research's 30–60% duty-cycle range) are costed by `search` under the same latency targets and
workload. Each driver switches one setting from "before" to "after":

* hardware — the GPU type and its dated rental price;
* precision — weight/activation (and thereby KV) precision; where the GPU lacks the "after" precision the
  setting stays at "before" (e.g. FP4 on an A100);
* moe — the model (dense → MoE);
* speculative decoding — draft lengths 1–4 allowed (acceptance α as given);
* utilisation — share of paid GPU-hours doing work.

**Sequential attribution** applies the drivers in that documented order; each driver's factor is
cost_after_step / cost_before_step and its share is ln(factor)/ln(total factor) (shares sum to 1 exactly,
factors multiply to the total). Because drivers interact (precision matters more on compute-bound hardware),
the order matters; the **Shapley** share — the average log-contribution over all 120 orders, computed from the
32 subsets — is reported beside it.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from llmflation.errors import InputError
from llmflation.serving import physics
from llmflation.serving.catalog import rental_price, resolve_architecture, resolve_gpu
from llmflation.serving.search import search

DRIVERS = ("hardware", "precision", "moe", "speculative_decoding", "utilisation")


@dataclass(frozen=True)
class Scenario:
    model: str
    gpu: str
    precision: str
    speculative: bool
    utilisation: Decimal
    price_at: date
    price_tier: str = "neocloud"


BEFORE = Scenario(
    model="llama-2-70b",
    gpu="A100",
    precision="bf16",
    speculative=False,
    utilisation=Decimal("0.3"),
    price_at=date(2024, 2, 7),
    price_tier="hyperscaler",
)
AFTER = Scenario(
    model="gpt-oss-120b",
    gpu="B200",
    precision="fp4",
    speculative=True,
    utilisation=Decimal("0.6"),
    price_at=date(2026, 3, 1),
    price_tier="neocloud",
)


@dataclass(frozen=True)
class Step:
    driver: str
    usd_per_mtok: Decimal  # cost after this step (blended input+output at the workload mix)
    factor: Decimal  # cost after / cost before this step
    share_sequential: Decimal  # of the total log change
    share_shapley: Decimal
    config: str


@dataclass(frozen=True)
class Drivers:
    before: Scenario
    after: Scenario
    usd_per_mtok_before: Decimal
    usd_per_mtok_after: Decimal
    total_factor: Decimal
    steps: list[Step] = field(default_factory=list)
    isl: int = 1024
    osl: int = 256
    ttft_s: float = 2.0
    tpot_s: float = 0.05


def _mix(before: Scenario, after: Scenario, on: frozenset[str]) -> Scenario:
    hw = "hardware" in on
    gpu = resolve_gpu(after.gpu if hw else before.gpu)
    prec = after.precision if "precision" in on else before.precision
    if not gpu.supports(prec):
        prec = before.precision if gpu.supports(before.precision) else "bf16"
    return Scenario(
        model=after.model if "moe" in on else before.model,
        gpu=gpu.id,
        precision=prec,
        speculative=after.speculative if "speculative_decoding" in on else before.speculative,
        utilisation=after.utilisation if "utilisation" in on else before.utilisation,
        price_at=after.price_at if hw else before.price_at,
        price_tier=after.price_tier if hw else before.price_tier,
    )


def cost(
    sc: Scenario, *, isl: int, osl: int, ttft_s: float, tpot_s: float, spec_alpha: float = physics.ALPHA
) -> tuple[Decimal, str]:
    """Cheapest blended $/M tokens of a scenario under the latency targets, and a one-line config."""
    price = rental_price(sc.gpu, sc.price_tier, sc.price_at)
    r = search(
        sc.model,
        ttft_s=ttft_s,
        tpot_s=tpot_s,
        isl=isl,
        osl=osl,
        gpu=[sc.gpu],
        precision=[sc.precision],
        spec=sc.speculative,
        spec_alpha=spec_alpha,
        usd_per_gpu_hour=price.usd_mid,
        utilisation=sc.utilisation,
    )
    e = r.best
    blended = (e.usd_per_mtok_input * isl + e.usd_per_mtok_output * osl) / (isl + osl)
    cfg = (
        f"{e.arch} on {e.count}x{e.gpu} TP{e.tp} {e.precision} k={e.spec_k} concurrency {e.concurrency}"
        f" at ${e.usd_per_gpu_hour}/GPU-h, utilisation {sc.utilisation}"
    )
    return blended.quantize(Decimal("0.000001")), cfg


def drivers(
    before: Scenario = BEFORE,
    after: Scenario = AFTER,
    *,
    isl: int = 1024,
    osl: int = 256,
    ttft_s: float = 2.0,
    tpot_s: float = 0.05,
    spec_alpha: float = physics.ALPHA,
) -> Drivers:
    """Sequential and Shapley attribution of the cost change from `before` to `after` (module docstring)."""
    for sc in (before, after):
        resolve_architecture(sc.model)
        resolve_gpu(sc.gpu)
    memo: dict[frozenset[str], tuple[Decimal, str]] = {}

    def c(on: frozenset[str]) -> tuple[Decimal, str]:
        if on not in memo:
            try:
                memo[on] = cost(
                    _mix(before, after, on),
                    isl=isl,
                    osl=osl,
                    ttft_s=ttft_s,
                    tpot_s=tpot_s,
                    spec_alpha=spec_alpha,
                )
            except InputError as exc:
                raise InputError(
                    f"Drivers: the intermediate scenario with {sorted(on) or 'no changes'} has no"
                    f" feasible configuration ({exc}). Loosen the TTFT/TPOT targets."
                ) from exc
        return memo[on]

    subsets = [frozenset(s) for n in range(len(DRIVERS) + 1) for s in itertools.combinations(DRIVERS, n)]
    logc = {s: math.log(float(c(s)[0])) for s in subsets}
    shapley = {d: 0.0 for d in DRIVERS}
    orders = list(itertools.permutations(DRIVERS))
    for order in orders:
        on: frozenset[str] = frozenset()
        for d in order:
            shapley[d] += logc[on | {d}] - logc[on]
            on = on | {d}
    total_log = logc[frozenset(DRIVERS)] - logc[frozenset()]
    steps = []
    on = frozenset()
    for d in DRIVERS:
        prev = c(on)[0]
        on = on | {d}
        now, cfg = c(on)
        seq = (logc[on] - logc[on - {d}]) / total_log if total_log else 0.0
        shp = shapley[d] / len(orders) / total_log if total_log else 0.0
        steps.append(
            Step(
                driver=d,
                usd_per_mtok=now,
                factor=(now / prev).quantize(Decimal("0.0001")),
                share_sequential=Decimal(repr(round(seq, 4))),
                share_shapley=Decimal(repr(round(shp, 4))),
                config=cfg,
            )
        )
    b, a = c(frozenset())[0], c(frozenset(DRIVERS))[0]
    return Drivers(
        before=before,
        after=after,
        usd_per_mtok_before=b,
        usd_per_mtok_after=a,
        total_factor=(a / b).quantize(Decimal("0.000001")),
        steps=steps,
        isl=isl,
        osl=osl,
        ttft_s=ttft_s,
        tpot_s=tpot_s,
    )
