"""Benchmark: candidate configurations per second evaluated by `selfhost search` (target ≥ 1M/s on 2 cores).

Run: PYTHONPATH=src python benchmarks/bench_selfhost_search.py [--repeat 5]
Prints, per model, the candidates enumerated (GPU × count × TP × precision × concurrency × spec-decoding
draft length), the best-of-N wall time of the vectorised grid evaluation alone and of the whole `search` call
(grid + re-evaluating the winners as Decimal-priced estimates), and candidates per second for both.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    from llmflation.serving.catalog import gpus, resolve_architecture
    from llmflation.serving.search import evaluate_grid, search

    print(
        "cpus available:",
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
    )
    print(
        f"{'model':18s} {'candidates':>11s} {'grid s':>8s} {'grid cand/s':>13s}"
        f" {'search s':>9s} {'search cand/s':>14s}"
    )
    worst = float("inf")
    for name in (
        "llama-3.1-8b",
        "llama-3.3-70b",
        "llama-3.1-405b",
        "mixtral-8x7b",
        "deepseek-v3",
        "gpt-oss-120b",
    ):
        a = resolve_architecture(name)
        grid_t = search_t = float("inf")
        n = 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            g = evaluate_grid(a, list(gpus()), isl=1024, osl=256, ttft_s=2.0, tpot_s=0.05)
            grid_t = min(grid_t, time.perf_counter() - t0)
            n = int(g["candidates"])
            t0 = time.perf_counter()
            search(a, ttft_s=2.0, tpot_s=0.05)
            search_t = min(search_t, time.perf_counter() - t0)
        worst = min(worst, n / search_t)
        print(f"{name:18s} {n:11,d} {grid_t:8.3f} {n / grid_t:13,.0f} {search_t:9.3f} {n / search_t:14,.0f}")
    print(f"slowest end-to-end search: {worst:,.0f} candidate configurations/s (target >= 1,000,000)")


if __name__ == "__main__":
    main()
