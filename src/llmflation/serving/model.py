"""`estimate`: throughput, latency and $/M tokens of one model on one GPU configuration.

The physics is float numpy (physics.py); rental prices and the resulting $/M tokens are Decimal — the float
GPU-seconds per token are converted at this boundary (``Decimal(repr(x))``) and multiplied by the Decimal
price.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import numpy as np

from llmflation.errors import InputError
from llmflation.serving import physics
from llmflation.serving.catalog import (
    KV_BYTES,
    PRECISIONS,
    WEIGHT_BYTES,
    Architecture,
    Gpu,
    Profile,
    check_precision,
    default_kv_precision,
    default_profile,
    gpus,
    profiles,
    rental_price,
    resolve_architecture,
    resolve_gpu,
)
from llmflation.serving.shape import Shape, shape_of

#: Concurrency grid searched for the maximum-throughput operating point (plus the KV-bound maximum itself).
BATCH_GRID = np.unique(np.round(np.geomspace(1, 4096, 49)))
SIXPLACES = Decimal("0.000001")


class ModelDoesNotFitError(InputError):
    """The model's weights plus one sequence's KV cache do not fit the configuration."""


@dataclass(frozen=True)
class Estimate:
    """One operating point. Money fields are Decimal USD; physics fields are floats."""

    model: str
    arch: str
    gpu: str
    count: int
    tp: int
    replicas: int
    precision: str
    kv_precision: str
    stack: str
    isl: int
    osl: int
    concurrency: int
    max_concurrency: int
    tokens_per_s_per_gpu: float
    input_tokens_per_s_per_gpu: float
    tokens_per_s: float
    ttft_s: float
    tpot_s: float
    bound: str
    spec_k: int
    spec_alpha: float
    tokens_per_step: float
    weights_gb_per_gpu: float
    kv_gb_per_gpu: float
    usd_per_gpu_hour: Decimal
    price_source: str
    price_note: str
    utilisation: Decimal
    usd_per_mtok_input: Decimal
    usd_per_mtok_output: Decimal
    usd_per_mtok_blended: Decimal
    usd_per_hour: Decimal
    step_breakdown_s: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def hw_args(gpu: Gpu, precision: str, kv_precision: str, profile: Profile) -> dict[str, Any]:
    """The keyword arguments physics.simulate needs for one GPU/precision/stack."""
    attn_prec = "fp8" if kv_precision in ("fp8", "fp4") and gpu.fp8_tflops else "bf16"
    return dict(
        b_w=WEIGHT_BYTES[precision],
        b_kv=KV_BYTES[kv_precision],
        peak_lin=gpu.peak_tflops(precision) * 1e12,
        peak_attn=gpu.peak_tflops(attn_prec) * 1e12,
        bw=gpu.mem_bw_gbs * 1e9,
        link=gpu.link_gbs_per_dir * 1e9,
        ar_lat=physics.ALLREDUCE_LATENCY_S[gpu.interconnect],
        mem_gb=gpu.memory_gb,
        eta_c=profile.eta_compute,
        eta_m=profile.eta_memory,
        kernel_s=profile.kernel_us * 1e-6,
        max_batch=profile.max_batch,
        token_budget=profile.token_budget,
    )


def tp_options(gpu: Gpu, count: int | None) -> list[int]:
    """Tensor-parallel degrees a GPU's scale-up domain allows (powers of two, and the full NVL72 domain)."""
    opts = [t for t in (1, 2, 4, 8, 16, 32, 64) if t <= gpu.scaleup_domain]
    if gpu.scaleup_domain not in opts and gpu.scaleup_domain > 1:
        opts.append(gpu.scaleup_domain)
    if count is not None:
        opts = [t for t in opts if t <= count and count % t == 0]
    return opts


def to_usd(x: float) -> Decimal:
    return Decimal(repr(float(x)))


def _money(x: Decimal) -> Decimal:
    return x.quantize(SIXPLACES, rounding=ROUND_HALF_EVEN)


def required_memory_gb(
    s: Shape, precision: str, kv_precision: str, isl: int, osl: int
) -> tuple[float, float]:
    """(weight GB, KV GB for one sequence of isl+osl tokens) for the whole model."""
    w = physics.weights_bytes(s, WEIGHT_BYTES[precision]) / 1e9
    kv = float(physics.kv_bytes_per_seq(s, isl + osl, KV_BYTES[kv_precision], 1)) / 1e9
    return w, kv


def smallest_fits(
    s: Shape, isl: int, osl: int, *, gpu: Gpu | None = None, precision: str | None = None
) -> list[str]:
    """Smallest configurations that fit: on `gpu` across its precisions, and on every GPU at `precision`."""
    out: list[str] = []
    combos: list[tuple[Gpu, str]] = []
    if gpu is not None:
        combos += [(gpu, p) for p in gpu.supported_precisions()]
    combos += [
        (g, precision or "fp8") for g in gpus().values() if g is not gpu and g.supports(precision or "fp8")
    ]
    for g, p in combos:
        kv = default_kv_precision(g, p)
        for t in tp_options(g, None):
            cap, _ = physics.kv_capacity(
                s, tp=t, b_w=WEIGHT_BYTES[p], b_kv=KV_BYTES[kv], mem_gb=g.memory_gb, tokens=isl + osl
            )
            if cap >= 1:
                out.append(f"{t}x{g.id} TP{t} {p}")
                break
    return out


def _fit_error(
    a: Architecture, s: Shape, gpu: Gpu, precision: str, kv: str, isl: int, osl: int, tps: list[int]
) -> ModelDoesNotFitError:
    w, kv_gb = required_memory_gb(s, precision, kv, isl, osl)
    t = max(tps) if tps else 1
    usable = t * (gpu.memory_gb - physics.OTHER_GB) * physics.KV_FRACTION
    fits = smallest_fits(s, isl, osl, gpu=gpu, precision=precision)
    return ModelDoesNotFitError(
        f"{a.name} does not fit on {t}x{gpu.id} at {precision}: it needs {w:,.1f} GB of weights plus"
        f" {kv_gb:,.2f} GB of {kv} KV cache per {isl + osl}-token sequence, and {t}x{gpu.id} offers about"
        f" {usable:,.0f} GB. Smallest configurations that fit: {', '.join(fits) or 'none in the catalog'}."
    )


def _resolve(model: str | Architecture) -> Architecture:
    return model if isinstance(model, Architecture) else resolve_architecture(model)


def estimate(
    model: str | Architecture,
    gpu: str | Gpu,
    *,
    count: int | None = None,
    tp: int | None = None,
    precision: str | None = None,
    kv_precision: str | None = None,
    isl: int = 1024,
    osl: int = 256,
    concurrency: int | None = None,
    spec_k: int = 0,
    spec_alpha: float = physics.ALPHA,
    usd_per_gpu_hour: Decimal | None = None,
    price_tier: str = "neocloud",
    price_at: date | None = None,
    utilisation: Decimal | float | str = Decimal(1),
    stack: str | None = None,
) -> Estimate:
    """Throughput, TTFT, TPOT, KV-bound max concurrency and $/M input/output tokens of one configuration.

    Without `concurrency` the maximum-throughput operating point is reported (as an offline benchmark measures
    it); without `tp` the TP degree with the highest throughput per GPU that fits is chosen; without `count`,
    count = tp. `concurrency` is the total over the deployment's replicas. $ figures divide by `utilisation`
    (share of paid GPU-hours doing this work). Raises InputError (unknown GPU/precision, bad flags) and
    ModelDoesNotFitError (with the memory needed and the smallest configurations that fit).
    """
    a = _resolve(model)
    g = gpu if isinstance(gpu, Gpu) else resolve_gpu(gpu)
    prec = precision or ("fp8" if g.supports("fp8") else "bf16")
    if prec not in PRECISIONS:
        raise InputError(f"Unknown precision {prec!r}. Known: {', '.join(PRECISIONS)}.")
    kv = kv_precision or default_kv_precision(g, prec)
    check_precision(g, prec, kv)
    if isl < 1 or osl < 1:
        raise InputError("isl and osl must be at least 1 token.", field="isl")
    if spec_k < 0 or spec_k > 16 or not 0.0 <= spec_alpha < 1.0:
        raise InputError("spec_k must be 0–16 and spec_alpha in [0, 1).", field="spec_k")
    util = Decimal(str(utilisation))
    if not Decimal(0) < util <= 1:
        raise InputError("utilisation must be in (0, 1].", field="utilisation")
    if count is not None and count < 1:
        raise InputError("count must be at least 1.", field="count")
    prof = profiles()[stack] if stack else default_profile(g.vendor)
    if tp is not None:
        allowed = tp_options(g, None)
        if tp not in allowed:
            raise InputError(
                f"tp {tp} is not possible on {g.id}: choose one of {allowed}"
                f" (the {g.interconnect} scale-up domain is {g.scaleup_domain} GPUs).", field="tp"
            )
        if count is not None and count % tp:
            raise InputError(f"count {count} is not a multiple of tp {tp}.", field="count")
        tps = [tp]
    else:
        tps = tp_options(g, count)
        if not tps:
            raise InputError(f"count {count} cannot be split into tensor-parallel groups on {g.id}.", field="count")
    s = shape_of(a)
    args = hw_args(g, prec, kv, prof)
    tp_arr = np.asarray(tps, dtype=float)[:, None]
    grid = BATCH_GRID[None, :]
    cap, _ = physics.kv_capacity(
        s, tp=tp_arr, b_w=args["b_w"], b_kv=args["b_kv"], mem_gb=g.memory_gb, tokens=isl + osl
    )
    bmax = np.minimum(cap, prof.max_batch)
    if concurrency is not None:
        if concurrency < 1:
            raise InputError("concurrency must be at least 1.", field="concurrency")
        inst = (count // tp_arr) if count else np.ones_like(tp_arr)
        batch = np.ceil(concurrency / inst) + 0.0 * grid[:, :1]
    else:
        batch = np.concatenate([np.minimum(grid, np.maximum(bmax, 1)), np.maximum(bmax, 1)], axis=1)
    r = physics.simulate(s, tp=tp_arr, **args, batch=batch, isl=isl, osl=osl, spec_k=spec_k, alpha=spec_alpha)
    if not np.any(bmax >= 1):
        raise _fit_error(a, s, g, prec, kv, isl, osl, tps)
    if concurrency is not None and not np.any(r["feasible"]):
        best_cap = int(np.max(bmax)) * ((count // int(tps[int(np.argmax(bmax))])) if count else 1)
        raise InputError(
            f"concurrency {concurrency} exceeds what fits: at most {best_cap} concurrent"
            f" {isl + osl}-token sequences on this configuration (KV cache / engine batch limit).", field="concurrency"
        )
    score = np.where(r["feasible"], r["out_tok_s_gpu"], -1.0)
    i, j = np.unravel_index(int(np.argmax(score)), score.shape)
    t = int(tps[i])
    n = count or t
    reps = n // t

    def at(key: str) -> float:
        return float(np.broadcast_to(r[key], score.shape)[i, j])

    price = rental_price(g.id, price_tier, price_at) if usd_per_gpu_hour is None else None
    usd_h = usd_per_gpu_hour if usd_per_gpu_hour is not None else price.usd_mid  # type: ignore[union-attr]
    b = float(np.broadcast_to(batch, score.shape)[i, j])
    out_s, in_s = at("out_tok_s_gpu"), at("in_tok_s_gpu")
    share = at("prefill_share")
    per_gpu_s_usd = usd_h / Decimal(3600) / util
    usd_out = _money(per_gpu_s_usd * to_usd((1 - share) / out_s) * Decimal(1_000_000))
    usd_in = _money(per_gpu_s_usd * to_usd(share / in_s) * Decimal(1_000_000))
    usd_blend = _money(per_gpu_s_usd * to_usd(1 / (out_s + in_s)) * Decimal(1_000_000))
    w_gb = physics.weights_bytes(s, args["b_w"]) / t / 1e9
    kv_gb = float(physics.kv_bytes_per_seq(s, isl + osl, args["b_kv"], t)) * b / 1e9
    return Estimate(
        model=a.ledger_models[0] if a.ledger_models else a.id,
        arch=a.id,
        gpu=g.id,
        count=n,
        tp=t,
        replicas=reps,
        precision=prec,
        kv_precision=kv,
        stack=prof.stack,
        isl=isl,
        osl=osl,
        concurrency=int(b) * reps,
        max_concurrency=int(float(bmax[i, 0])) * reps,
        tokens_per_s_per_gpu=round(out_s, 2),
        input_tokens_per_s_per_gpu=round(in_s, 2),
        tokens_per_s=round(out_s * n, 2),
        ttft_s=round(at("ttft_s"), 5),
        tpot_s=round(at("tpot_s"), 6),
        bound="compute" if at("compute_s") >= at("memory_s") else "memory",
        spec_k=spec_k,
        spec_alpha=spec_alpha,
        tokens_per_step=round(at("tau"), 4),
        weights_gb_per_gpu=round(w_gb, 2),
        kv_gb_per_gpu=round(kv_gb, 2),
        usd_per_gpu_hour=usd_h,
        price_source=price.source if price else "user",
        price_note=(
            f"{price.tier} {price.usd_low}–{price.usd_high} as of {price.as_of} (midpoint used)"
            if price
            else "given by the user"
        ),
        utilisation=util,
        usd_per_mtok_input=usd_in,
        usd_per_mtok_output=usd_out,
        usd_per_mtok_blended=usd_blend,
        usd_per_hour=_money(usd_h * n),
        step_breakdown_s={
            k: round(at(k2), 6)
            for k, k2 in (
                ("step", "step_s"),
                ("compute", "compute_s"),
                ("memory", "memory_s"),
                ("comm", "comm_s"),
                ("overhead", "overhead_s"),
            )
        },
    )
