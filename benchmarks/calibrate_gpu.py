"""GPU calibration point for the self-hosting model (needs PyTorch + CUDA; skipped cleanly otherwise).

Measures on the local GPU, in well under 3 minutes:
  * achieved dense matmul TFLOP/s (BF16, and FP8 via torch._scaled_mm where the GPU and torch support it);
  * achieved memory bandwidth (large device-to-device copy, read + write bytes);
  * the decode step time of a random-weight Llama layer stack (Llama-3.1-8B shapes, BF16, KV cache at a fixed
    context) at several batch sizes — next to what llmflation's physics model predicts for the same stack.

Writes one dated JSON calibration point to the path given (and prints it):
    python benchmarks/calibrate_gpu.py /tmp/calibration.json [--layers 8] [--context 1024]
With no GPU the JSON says {"skipped": true, "reason": ...} and the exit status is 0.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _skip(reason: str, out: Path) -> int:
    rec = {"skipped": True, "reason": reason, "date": datetime.now(UTC).isoformat(timespec="seconds")}
    out.write_text(json.dumps(rec, indent=2) + "\n")
    print(json.dumps(rec, indent=2))
    return 0


def _timeit(fn: Any, torch: Any, iters: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(iters):
        fn()
    end.record()
    torch.cuda.synchronize()
    return float(start.elapsed_time(end)) / 1000.0 / iters


def matmul_tflops(torch: Any, n: int = 8192) -> dict[str, Any]:
    out: dict[str, Any] = {}
    a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    t = _timeit(lambda: a @ b, torch, iters=20)
    out["bf16_tflops"] = round(2 * n**3 / t / 1e12, 1)
    try:
        a8 = a.to(torch.float8_e4m3fn)
        b8 = b.t().contiguous().to(torch.float8_e4m3fn).t()
        one = torch.tensor(1.0, device="cuda")
        t8 = _timeit(
            lambda: torch._scaled_mm(a8, b8, scale_a=one, scale_b=one, out_dtype=torch.bfloat16),
            torch,
            iters=20,
        )
        out["fp8_tflops"] = round(2 * n**3 / t8 / 1e12, 1)
    except Exception as exc:  # FP8 GEMM unsupported on this GPU/torch
        out["fp8_tflops"] = None
        out["fp8_note"] = f"{type(exc).__name__}: {str(exc)[:120]}"
    for size_m in (1, 16, 64, 256):  # decode-shaped GEMMs (size-dependent efficiency)
        x = torch.randn(size_m, 4096, device="cuda", dtype=torch.bfloat16)
        w = torch.randn(4096, 14336, device="cuda", dtype=torch.bfloat16)
        ts = _timeit(lambda x=x, w=w: x @ w, torch, iters=50)
        out[f"gemm_m{size_m}_k4096_n14336"] = {
            "seconds": ts,
            "tflops": round(2 * size_m * 4096 * 14336 / ts / 1e12, 2),
            "weight_gbs": round(4096 * 14336 * 2 / ts / 1e9, 1),
        }
    return out


def bandwidth_gbs(torch: Any, gib: float = 2.0) -> float:
    n = int(gib * 2**30 // 2)
    src = torch.empty(n, device="cuda", dtype=torch.bfloat16)
    dst = torch.empty_like(src)
    t = _timeit(lambda: dst.copy_(src), torch, iters=20)
    return round(2 * n * 2 / t / 1e9, 1)


def decode_stack(torch: Any, layers: int, context: int, batches: list[int]) -> list[dict[str, Any]]:
    """Random-weight Llama-3.1-8B layers (RMSNorm, GQA attention over a KV cache, SwiGLU), one decode step."""
    import torch.nn.functional as F

    d, h, hkv, hd, ff = 4096, 32, 8, 128, 14336
    dev, dt = "cuda", torch.bfloat16
    W = [
        dict(
            qkv=torch.randn(d, (h + 2 * hkv) * hd, device=dev, dtype=dt) * 0.02,
            o=torch.randn(h * hd, d, device=dev, dtype=dt) * 0.02,
            gu=torch.randn(d, 2 * ff, device=dev, dtype=dt) * 0.02,
            down=torch.randn(ff, d, device=dev, dtype=dt) * 0.02,
        )
        for _ in range(layers)
    ]
    results = []
    for B in batches:
        kc = [torch.randn(B, hkv, context, hd, device=dev, dtype=dt) for _ in range(layers)]
        vc = [torch.randn(B, hkv, context, hd, device=dev, dtype=dt) for _ in range(layers)]
        x0 = torch.randn(B, d, device=dev, dtype=dt)

        def step(x0: Any = x0, kc: Any = kc, vc: Any = vc, B: int = B) -> Any:
            x = x0
            for i, w in enumerate(W):
                y = F.rms_norm(x, (d,)) if hasattr(F, "rms_norm") else x
                qkv = y @ w["qkv"]
                q = qkv[:, : h * hd].view(B, h, 1, hd)
                k = kc[i].repeat_interleave(h // hkv, dim=1)
                v = vc[i].repeat_interleave(h // hkv, dim=1)
                a = F.scaled_dot_product_attention(q, k, v).reshape(B, h * hd)
                x = x + a @ w["o"]
                y = F.rms_norm(x, (d,)) if hasattr(F, "rms_norm") else x
                g, u = (y @ w["gu"]).chunk(2, dim=-1)
                x = x + (F.silu(g) * u) @ w["down"]
            return x

        with torch.no_grad():
            t = _timeit(step, torch, iters=10)
        results.append({"batch": B, "context": context, "layers": layers, "measured_s": t})
        del kc, vc
        torch.cuda.empty_cache()
    return results


def predicted(gpu_name: str, layers: int, rows: list[dict[str, Any]]) -> None:
    """Add llmflation's prediction for the same stack (no LM head), where the GPU is in the catalog."""
    try:
        from dataclasses import replace

        from llmflation.serving import physics
        from llmflation.serving.catalog import architectures, default_profile, gpus
        from llmflation.serving.shape import shape_of
    except ImportError:
        return
    key = gpu_name.lower()
    match = next((g for g in gpus().values() if g.id.lower() in key.replace(" ", "")), None)
    if match is None:
        return
    s = replace(
        shape_of(architectures()["llama-3.1-8b"]),
        layers=layers,
        dense_layers=layers,
        full_layers=layers,
        lm_head_params=0.0,
        embed_params=0.0,
    )
    prof = default_profile(match.vendor)
    for r in rows:
        B = float(r["batch"])
        out = physics.step_time(
            s,
            tp=1,
            b_w=2.0,
            b_kv=2.0,
            peak_lin=match.bf16_tflops * 1e12,
            peak_attn=match.bf16_tflops * 1e12,
            bw=match.mem_bw_gbs * 1e9,
            link=match.link_gbs_per_dir * 1e9,
            ar_lat=0.0,
            eta_c=prof.eta_compute,
            eta_m=prof.eta_memory,
            kernel_s=prof.kernel_us * 1e-6,
            decode_tokens=B,
            seqs=B,
            prefill=0.0,
            ctx=float(r["context"]),
            pre_ctx=0.0,
        )
        r["predicted_s"] = float(out["t"])
        r["catalog_gpu"] = match.id
        r["error_pct"] = round(100 * (r["predicted_s"] - r["measured_s"]) / r["measured_s"], 1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="where to write the JSON calibration point")
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--context", type=int, default=1024)
    ap.add_argument("--batches", default="1,16,64")
    args = ap.parse_args()
    try:
        import torch
    except ImportError:
        return _skip("PyTorch is not installed", args.out)
    if not torch.cuda.is_available():
        return _skip("no CUDA GPU visible to PyTorch", args.out)
    t0 = time.time()
    name = torch.cuda.get_device_name(0)
    rec: dict[str, Any] = {
        "skipped": False,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "gpu": name,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "python": sys.version.split()[0],
        "host": platform.node(),
        "memory_gb": round(torch.cuda.get_device_properties(0).total_memory / 1e9, 1),
    }
    rec["matmul"] = matmul_tflops(torch)
    rec["memory_bandwidth_gbs"] = bandwidth_gbs(torch)
    rows = decode_stack(torch, args.layers, args.context, [int(b) for b in args.batches.split(",")])
    predicted(name, args.layers, rows)
    rec["decode_stack"] = rows
    rec["seconds"] = round(time.time() - t0, 1)
    args.out.write_text(json.dumps(rec, indent=2) + "\n")
    print(json.dumps(rec, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
