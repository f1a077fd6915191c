"""The vectorised roofline-with-overheads serving model (pure numpy; every argument may be an array).

One *instance* is a tensor-parallel group of ``tp`` GPUs; a deployment of ``count`` GPUs runs ``count/tp``
identical instances (data parallel). For one instance at steady state with continuous batching:

* a step carries ``B·n_verify`` decode tokens (``n_verify = k+1`` with k speculative draft tokens) and,
  amortised,
  ``P = B·τ·ISL/OSL`` chunked-prefill tokens (research §1.10);
* step time = Σ over kernel groups of ``max(FLOPs/(peak·η_c(M)), bytes/(BW·η_m))`` + TP all-reduces
  (2 per layer: latency + ring size/bandwidth) + a fixed per-layer overhead (research §1.6–1.7):
    - dense GEMMs read all non-expert weights once per step;
    - MoE GEMMs read only the experts the step's tokens touch, ``E·(1−(1−k/E)^T)`` per layer (research §1.5);
    - decode attention reads the KV cache at the mean context ``ISL + OSL/2``;
    - prefill attention is compute (causal, mean position ISL/2);
  ``η_c(M) = η_c·M/(M+M_half)`` makes small GEMMs memory/latency-bound (size-dependent efficiency);
* speculative decoding: ``τ = (1−α^{k+1})/(1−α)`` tokens per step per sequence; the draft costs
  ``k·c_draft`` decode steps (research §1.8);
* the KV cache bounds concurrency: usable memory after weights ÷ KV bytes a sequence reserves (ISL+OSL).

Outputs are floats; $ figures are converted to Decimal by the callers (model.estimate) at the boundary.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from llmflation.serving.shape import Shape

#: GEMM size (tokens) at which efficiency reaches half its large-size value; derived from the Vidur H100
#: Llama-2-70B mlp.csv profile (≈0.5 of large-GEMM throughput at 128 tokens, ≈ saturated by 512).
M_HALF = 96.0
#: Achieved fraction of link bandwidth for large all-reduces (Vidur NCCL profile: 0.6–0.8).
ETA_COMM = 0.7
#: Per all-reduce latency floor by interconnect. NVLink: llm-analysis' 8 µs minimum message latency for
#: H100 (gpu_configs/h100-sxm-80gb.json). Infinity Fabric and PCIe: estimates (no profile collected).
ALLREDUCE_LATENCY_S = {"nvlink": 8e-6, "infinity-fabric": 12e-6, "pcie": 25e-6}
#: Memory not available to weights or KV: aiconfigurator's 3.5 GB "other" + ~0.4 GB NCCL.
OTHER_GB = 3.9
#: Fraction of the remaining memory given to the KV cache (TensorRT-LLM perf tables: 0.9–0.95).
KV_FRACTION = 0.9
#: MLPerf Server limits are on p99; mean/p99 ratios read from the v4.1 closed results (TPOT ≈ 0.85–0.89,
#: TTFT ≈ 0.45–0.65 for the 8-GPU TensorRT-LLM systems). The model predicts means, so it targets these shares.
TPOT_P99_RATIO = 0.85
TTFT_P99_RATIO = 0.55
#: Draft cost of one speculative token relative to one target decode step: an EAGLE-style single-layer draft
#: head (estimate; the research found no measured figure).
C_DRAFT = 0.05
#: Default per-token acceptance rate (estimate; treat as a workload input — research §1.8).
ALPHA = 0.7


def tau(alpha: Any, k: Any) -> Any:
    """Expected tokens per verify step: (1−α^{k+1})/(1−α); k = 0 → 1."""
    a = np.asarray(alpha, dtype=float)
    kk = np.asarray(k, dtype=float)
    safe = np.where(np.abs(1 - a) < 1e-9, 1 - 1e-9, a)
    return np.where(kk <= 0, 1.0, (1 - safe ** (kk + 1)) / (1 - safe))


def _eta(eta_c: Any, m: Any) -> Any:
    return eta_c * m / (m + M_HALF)


def step_time(
    s: Shape,
    *,
    tp: Any,
    b_w: Any,
    b_kv: Any,
    peak_lin: Any,
    peak_attn: Any,
    bw: Any,
    link: Any,
    ar_lat: Any,
    eta_c: Any,
    eta_m: Any,
    kernel_s: Any,
    decode_tokens: Any,
    seqs: Any,
    prefill: Any,
    ctx: Any,
    pre_ctx: Any,
) -> dict[str, Any]:
    """Seconds for one engine step of one instance, with its compute-, memory-, comm- and overhead parts.

    peak_* in FLOP/s, bw and link in bytes/s (per GPU), ctx = mean cached context per decode sequence,
    pre_ctx = mean causal position of prefill tokens. `seqs` sequences contribute `decode_tokens` query
    tokens.
    """
    T = decode_tokens + prefill
    mem_bw = bw * eta_m
    # dense GEMMs (attention projections, dense FFN, shared experts, router, LM head on decode tokens)
    f_dense = 2.0 * (s.static_params - s.lm_head_params) * T + 2.0 * s.lm_head_params * decode_tokens
    c_dense = f_dense / tp / (peak_lin * _eta(eta_c, T))
    m_dense = s.static_params * b_w / tp / mem_bw
    t_dense = np.maximum(c_dense, m_dense)
    comp = np.where(c_dense >= m_dense, c_dense, 0.0)
    memt = np.where(c_dense >= m_dense, 0.0, m_dense)
    # routed experts: only those the step's tokens touch are read
    if s.moe_layers:
        E, k = float(s.experts), float(s.experts_active)
        touched = E * (1.0 - (1.0 - k / E) ** T)
        per_expert_tokens = T * k / np.maximum(touched, 1.0)
        c_exp = (
            2.0 * T * k * s.expert_params * s.moe_layers / tp / (peak_lin * _eta(eta_c, per_expert_tokens))
        )
        m_exp = s.moe_layers * touched * s.expert_params * b_w / tp / mem_bw
        t_exp = np.maximum(c_exp, m_exp)
        comp = comp + np.where(c_exp >= m_exp, c_exp, 0.0)
        memt = memt + np.where(c_exp >= m_exp, 0.0, m_exp)
    else:
        t_exp = 0.0
    # attention: decode reads the KV cache; prefill is compute
    if s.window:
        eff_ctx = s.full_layers * ctx + s.window_layers * np.minimum(ctx, s.window)
        eff_pre = s.full_layers * pre_ctx + s.window_layers * np.minimum(pre_ctx, s.window)
    else:
        eff_ctx = s.layers * ctx
        eff_pre = s.layers * pre_ctx
    kv_shards = np.minimum(tp, s.kv_split)
    m_att = seqs * eff_ctx * s.kv_elems_per_layer * b_kv / kv_shards / mem_bw
    c_att = decode_tokens * eff_ctx * s.attn_flops_decode / tp / (peak_attn * eta_c)
    t_att = np.maximum(c_att, m_att)
    comp = comp + np.where(c_att >= m_att, c_att, 0.0)
    memt = memt + np.where(c_att >= m_att, 0.0, m_att)
    t_pre = prefill * eff_pre * s.attn_flops_prefill / tp / (peak_attn * eta_c)
    comp = comp + t_pre
    # activations of the elementwise kernels (BF16) and the FP32 logits the sampler reads
    act = (
        T * s.layers * (s.act_elems_replicated + s.act_elems_split / tp) * 2.0
        + decode_tokens * s.vocab * 8.0 / tp
    )
    t_act = act / mem_bw
    memt = memt + t_act
    # tensor-parallel all-reduces: 2 per layer of T·d BF16 activations
    size = T * s.hidden * 2.0
    ring = 2.0 * (tp - 1) / np.maximum(tp, 1) * size / (link * ETA_COMM)
    t_comm = np.where(tp > 1, 2.0 * s.layers * (ar_lat + ring), 0.0)
    t_over = s.layers * kernel_s
    total = t_dense + t_exp + t_att + t_pre + t_act + t_comm + t_over
    return {"t": total, "compute": comp, "memory": memt, "comm": t_comm, "overhead": t_over + 0.0 * total}


def weights_bytes(s: Shape, b_w: Any) -> Any:
    return s.params_total * b_w


def kv_bytes_per_seq(s: Shape, tokens: Any, b_kv: Any, tp: Any) -> Any:
    """KV bytes one sequence of `tokens` reserves on each GPU of a TP group."""
    tokens = np.asarray(tokens, dtype=float)
    if s.window:
        elems = s.kv_elems_per_layer * (
            s.full_layers * tokens + s.window_layers * np.minimum(tokens, s.window)
        )
    else:
        elems = s.kv_elems_per_layer * s.layers * tokens
    return elems * b_kv / np.minimum(tp, s.kv_split)


def kv_capacity(s: Shape, *, tp: Any, b_w: Any, b_kv: Any, mem_gb: Any, tokens: Any) -> tuple[Any, Any]:
    """(max concurrent sequences per instance, usable KV bytes per GPU); ≤ 0 sequences = does not fit."""
    usable = (mem_gb * 1e9 - weights_bytes(s, b_w) / tp - OTHER_GB * 1e9) * KV_FRACTION
    per_seq = kv_bytes_per_seq(s, tokens, b_kv, tp)
    return np.floor(np.maximum(usable, 0.0) / per_seq), usable


def simulate(
    s: Shape,
    *,
    tp: Any,
    b_w: Any,
    b_kv: Any,
    peak_lin: Any,
    peak_attn: Any,
    bw: Any,
    link: Any,
    ar_lat: Any,
    mem_gb: Any,
    eta_c: Any,
    eta_m: Any,
    kernel_s: Any,
    max_batch: Any,
    token_budget: Any,
    batch: Any,
    isl: Any,
    osl: Any,
    spec_k: Any = 0,
    alpha: Any = ALPHA,
    c_draft: float = C_DRAFT,
    reserve: Any = None,
) -> dict[str, Any]:
    """Steady state of one instance at `batch` concurrent sequences; all inputs broadcast.

    `reserve` = KV tokens the scheduler reserves per sequence (default ISL+OSL; ISL + max output when output
    lengths vary, as TensorRT-LLM's guaranteed-no-evict scheduler does).
    Returns arrays: feasible (fits and within KV/batch/token budgets), max_batch (KV-bound concurrency),
    step_s, tpot_s, ttft_s, out_tok_s_gpu, in_tok_s_gpu, prefill_share (of GPU time), compute_s, memory_s.
    """
    isl = np.asarray(isl, dtype=float)
    osl = np.asarray(osl, dtype=float)
    B = np.asarray(batch, dtype=float)
    k = np.asarray(spec_k, dtype=float)
    cap, _ = kv_capacity(
        s, tp=tp, b_w=b_w, b_kv=b_kv, mem_gb=mem_gb, tokens=isl + osl if reserve is None else reserve
    )
    bmax = np.minimum(cap, max_batch)
    t_ = tau(alpha, k)
    n_verify = k + 1.0
    dec_tokens = B * n_verify
    P = B * t_ * isl / osl
    ctx = isl + osl / 2.0
    common = dict(
        tp=tp,
        b_w=b_w,
        b_kv=b_kv,
        peak_lin=peak_lin,
        peak_attn=peak_attn,
        bw=bw,
        link=link,
        ar_lat=ar_lat,
        eta_c=eta_c,
        eta_m=eta_m,
        kernel_s=kernel_s,
        seqs=B,
    )
    full = step_time(s, **common, decode_tokens=dec_tokens, prefill=P, ctx=ctx, pre_ctx=isl / 2.0)
    dec = step_time(s, **common, decode_tokens=dec_tokens, prefill=0.0, ctx=ctx, pre_ctx=isl / 2.0)
    draft = np.where(k > 0, k * c_draft * dec["t"], 0.0)
    t_step = full["t"] + draft
    # TTFT: half a step to join, then the prompt in chunks of what the token budget leaves beside the decodes
    chunk = np.maximum(token_budget - dec_tokens, 256.0)
    first = np.minimum(isl, chunk)
    n_chunks = np.ceil(isl / chunk)
    pre = step_time(s, **common, decode_tokens=dec_tokens, prefill=first, ctx=ctx, pre_ctx=first / 2.0)
    ttft = 0.5 * t_step + n_chunks * (pre["t"] + draft)
    out_tok_s = B * t_ / t_step
    feasible = (B >= 1) & (bmax >= B) & (dec_tokens + P <= token_budget) & (bmax >= 1)
    share = np.clip((full["t"] - dec["t"]) / t_step, 0.0, 1.0)
    return {
        "feasible": feasible,
        "max_batch": bmax,
        "kv_capacity_seqs": cap,
        "step_s": t_step,
        "tpot_s": t_step / t_,
        "ttft_s": ttft,
        "out_tok_s_gpu": out_tok_s / tp,
        "in_tok_s_gpu": out_tok_s * isl / osl / tp,
        "prefill_share": share,
        "tau": t_ + 0.0 * B,
        "compute_s": full["compute"],
        "memory_s": full["memory"],
        "comm_s": full["comm"],
        "overhead_s": full["overhead"],
    }
