"""`search`: the cheapest configuration meeting TTFT/TPOT targets, over a full numpy grid.

Candidates = GPU type × GPU count × TP degree × precision × per-instance concurrency × speculative-decoding
draft length. All candidates of one GPU type are evaluated in one vectorised physics call; infeasible ones
(TP not dividing the count or beyond the scale-up domain, precision the GPU lacks, model or KV not fitting,
latency targets missed, throughput below a required rate) are masked out, and the cheapest survivor wins:
lowest $/M tokens (input + output, at the workload's ISL:OSL), or lowest $/hour when a rate is required.
The winner is re-evaluated with `model.estimate`, which returns Decimal money.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from llmflation.errors import InputError
from llmflation.serving import physics
from llmflation.serving.catalog import (
    PRECISIONS,
    Architecture,
    check_precision,
    default_kv_precision,
    default_profile,
    gpus,
    rental_price,
    resolve_architecture,
    resolve_gpu,
)
from llmflation.serving.model import BATCH_GRID, Estimate, estimate, hw_args
from llmflation.serving.shape import shape_of

COUNTS = (1, 2, 4, 8, 16, 32, 64, 72)
TPS = (1, 2, 4, 8, 16, 32, 64, 72)
SPEC_KS = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class SearchResult:
    best: Estimate
    alternatives: list[Estimate]  # the best configuration on each other GPU type, cheapest first
    candidates: int
    feasible: int
    seconds: float
    ttft_target_s: float
    tpot_target_s: float
    objective: str


def evaluate_grid(
    a: Architecture,
    gpu_ids: list[str],
    *,
    isl: int,
    osl: int,
    ttft_s: float,
    tpot_s: float,
    precisions: tuple[str, ...] = PRECISIONS,
    spec_ks: tuple[int, ...] = SPEC_KS,
    spec_alpha: float = physics.ALPHA,
    counts: tuple[int, ...] = COUNTS,
    batches: np.ndarray = BATCH_GRID,
    rate: float | None = None,
    price_tier: str = "neocloud",
    price_at: date | None = None,
    usd_per_gpu_hour: Decimal | None = None,
    utilisation: float = 1.0,
) -> dict[str, Any]:
    """Evaluate every candidate; returns flat arrays (gpu index, count, tp, precision index, batch, spec k,
    objective with +inf where infeasible) and the number of candidates enumerated."""
    s = shape_of(a)
    cols: dict[str, list[np.ndarray]] = {
        k: [] for k in ("gpu", "count", "tp", "prec", "batch", "k", "obj", "tok")
    }
    n_total = 0
    for gi, gid in enumerate(gpu_ids):
        g = gpus()[gid]
        try:
            usd = float(
                usd_per_gpu_hour
                if usd_per_gpu_hour is not None
                else rental_price(gid, price_tier, price_at).usd_mid
            )
        except InputError:
            continue
        prof = default_profile(g.vendor)
        # grid axes: count × tp × precision × k × batch
        C = np.asarray(counts, dtype=float)[:, None, None, None, None]
        T = np.asarray(TPS, dtype=float)[None, :, None, None, None]
        K = np.asarray(spec_ks, dtype=float)[None, None, None, :, None]
        B = np.asarray(batches, dtype=float)[None, None, None, None, :]
        shape5 = (len(counts), len(TPS), len(precisions), len(spec_ks), len(batches))
        n_total += int(np.prod(shape5))
        per_prec: list[tuple[int, dict[str, Any]] | None] = []
        for pi, prec in enumerate(precisions):
            if not g.supports(prec):
                per_prec.append(None)
                continue
            kv = default_kv_precision(g, prec)
            args = hw_args(g, prec, kv, prof)
            r = physics.simulate(s, tp=T, **args, batch=B, isl=isl, osl=osl, spec_k=K, alpha=spec_alpha)
            per_prec.append((pi, r))
        ok_struct = (g.scaleup_domain >= T) & (np.mod(C, T) == 0) & (max(g.scaleup_domain, 1) * 64 >= C)
        ok_struct &= (T == 72) <= (g.scaleup_domain == 72)
        for item in per_prec:
            if item is None:
                continue
            pi, r = item
            ok = ok_struct & r["feasible"] & (r["ttft_s"] <= ttft_s) & (r["tpot_s"] <= tpot_s)
            tok_gpu = r["out_tok_s_gpu"] + r["in_tok_s_gpu"]
            total_out = r["out_tok_s_gpu"] * C
            if rate is not None:
                ok &= total_out >= rate
                obj = usd * C / utilisation + 0.0 * tok_gpu
            else:
                obj = usd / utilisation / 3600.0 / np.maximum(tok_gpu, 1e-12) * 1e6 + 0.0 * C
            obj = np.where(ok, obj, np.inf)
            one = (*shape5[:2], 1, *shape5[3:])
            obj = np.broadcast_to(obj, one)[:, :, 0, :, :]
            out_tok = np.broadcast_to(total_out, one)[:, :, 0, :, :]
            idx = np.nonzero(np.isfinite(obj))
            cols["gpu"].append(np.full(idx[0].shape, gi))
            cols["count"].append(np.asarray(counts)[idx[0]])
            cols["tp"].append(np.asarray(TPS)[idx[1]])
            cols["prec"].append(np.full(idx[0].shape, pi))
            cols["k"].append(np.asarray(spec_ks)[idx[2]])
            cols["batch"].append(np.asarray(batches)[idx[3]])
            cols["obj"].append(obj[idx])
            cols["tok"].append(out_tok[idx])
    out: dict[str, Any] = {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in cols.items()}
    out["candidates"] = n_total
    return out


def search(
    model: str | Architecture,
    *,
    ttft_s: float = 2.0,
    tpot_s: float = 0.05,
    isl: int = 1024,
    osl: int = 256,
    gpu: list[str] | None = None,
    precision: list[str] | None = None,
    spec: bool = True,
    spec_alpha: float = physics.ALPHA,
    rate: float | None = None,
    price_tier: str = "neocloud",
    price_at: date | None = None,
    usd_per_gpu_hour: Decimal | None = None,
    utilisation: Decimal | float | str = Decimal(1),
) -> SearchResult:
    """Cheapest configuration meeting mean TTFT ≤ `ttft_s` and mean TPOT ≤ `tpot_s`.

    `gpu` / `precision` restrict the grid; `spec=False` disables speculative decoding; `rate` (output
    tokens/s)
    makes the objective $/hour for a deployment that sustains it. Raises InputError when nothing qualifies,
    saying which target binds.
    """
    a = model if isinstance(model, Architecture) else resolve_architecture(model)
    if ttft_s <= 0 or tpot_s <= 0:
        raise InputError("ttft and tpot must be positive.", field="ttft")
    gpu_ids = [resolve_gpu(x).id for x in gpu] if gpu else list(gpus())
    precs = tuple(precision) if precision else PRECISIONS
    for p in precs:
        if p not in PRECISIONS:
            raise InputError(f"Unknown precision {p!r}. Known: {', '.join(PRECISIONS)}.")
    if gpu and precision:
        for gid in gpu_ids:
            if not any(gpus()[gid].supports(p) for p in precs):
                check_precision(gpus()[gid], precs[0])
    util = float(Decimal(str(utilisation)))
    if not 0 < util <= 1:
        raise InputError("utilisation must be in (0, 1].", field="utilisation")
    t0 = time.perf_counter()
    ks = SPEC_KS if spec else (0,)
    g = evaluate_grid(
        a,
        gpu_ids,
        isl=isl,
        osl=osl,
        ttft_s=ttft_s,
        tpot_s=tpot_s,
        precisions=precs,
        spec_ks=ks,
        spec_alpha=spec_alpha,
        rate=rate,
        price_tier=price_tier,
        price_at=price_at,
        usd_per_gpu_hour=usd_per_gpu_hour,
        utilisation=util,
    )
    seconds = time.perf_counter() - t0
    if g["obj"].size == 0:
        loose = evaluate_grid(
            a,
            gpu_ids,
            isl=isl,
            osl=osl,
            ttft_s=1e9,
            tpot_s=1e9,
            precisions=precs,
            spec_ks=ks,
            spec_alpha=spec_alpha,
            price_tier=price_tier,
            price_at=price_at,
            usd_per_gpu_hour=usd_per_gpu_hour,
            utilisation=util,
        )
        why = (
            "no catalog configuration holds the model"
            if loose["obj"].size == 0
            else "the latency targets (or the required rate) are tighter than any configuration achieves"
        )
        raise InputError(
            f"No configuration of {a.name} meets TTFT ≤ {ttft_s:g} s and TPOT ≤ {tpot_s * 1000:g} ms"
            f" at ISL {isl} / OSL {osl}: {why}. Relax the TTFT/TPOT targets, or allow more GPU types or precisions."
        )

    def materialise(i: int) -> Estimate:
        gid = gpu_ids[int(g["gpu"][i])]
        cnt, t = int(g["count"][i]), int(g["tp"][i])
        return estimate(
            a,
            gid,
            count=cnt,
            tp=t,
            precision=precs[int(g["prec"][i])],
            isl=isl,
            osl=osl,
            concurrency=int(g["batch"][i]) * (cnt // t),
            spec_k=int(g["k"][i]),
            spec_alpha=spec_alpha,
            usd_per_gpu_hour=usd_per_gpu_hour,
            price_tier=price_tier,
            price_at=price_at,
            utilisation=Decimal(str(utilisation)),
        )

    order = np.lexsort((-g["tok"], g["count"], g["obj"]))
    best = materialise(int(order[0]))
    alts: list[Estimate] = []
    seen = {best.gpu}
    for i in order[1:]:
        gid = gpu_ids[int(g["gpu"][i])]
        if gid in seen:
            continue
        seen.add(gid)
        alts.append(materialise(int(i)))
    return SearchResult(
        best=best,
        alternatives=alts,
        candidates=int(g["candidates"]),
        feasible=int(g["obj"].size),
        seconds=seconds,
        ttft_target_s=ttft_s,
        tpot_target_s=tpot_s,
        objective="usd_per_hour" if rate is not None else "usd_per_mtok",
    )
