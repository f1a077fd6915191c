"""Paired in-process A/B of computed /api/bill answers between two source trees, in one process.

    python benchmarks/bench_bill_answer.py --old /path/to/other/src [--new src] [-n 2000]

Both trees are imported into one process (each keeps its own `llmflation` modules, swapped into sys.modules before
each call) over the same store (LLMFLATION_HOME, or a temporary one built from the bundled data) and answer the same
distinct /api/bill query strings (drawn as bench_web.py's Lua script draws them: random tokens, shares, reasoning,
calls, batch and long-context shares, floors and dates), alternating old and new per query. Each answer is timed in
thread CPU time from the raw query string to the response bytes (`api_bill.fast_answer`: what the server runs for a
new query), after both trees answered a different set of queries (tables, templates and caches warm). Prints both
medians and the median per-query ratio new/old, and how many answers were byte-identical.

Measured this way, one noisy neighbour slows both sides of a pair alike: the ratio is the steady figure on a shared
machine; the absolute times move with the load.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode


def queries(n: int, seed: int) -> list[bytes]:
    """`n` distinct /api/bill query strings."""
    return [urlencode(q).encode() for q in query_dicts(n, seed)]


def query_dicts(n: int, seed: int) -> list[dict[str, str]]:
    """`n` distinct /api/bill queries (parameter → value), seeded: the benchmarks' shared workload mix."""
    rng = random.Random(seed)
    dates = ["2023-06-01", "2024-01-15", "2024-07-01", "2025-01-01", "2025-04-20", "2025-09-01", "2026-03-01"]
    out = []
    for i in range(n):
        q: dict[str, str] = {"tasks_per_month": str(1000 + 7 * i), "input_tokens": str(rng.randint(50, 200000)),
                             "output_tokens": str(rng.randint(10, 8000)),
                             "cached_input_share": f"{rng.random() * .9:.2f}", "at": rng.choice(dates)}
        floor = rng.choice([None, None, None, "mmlu>=70", "gpqa_diamond>=40"])
        if floor:
            q["floor"] = floor
        for name, p, value in (("calls_per_task", .3, lambda: rng.randint(1, 40)),
                               ("reasoning_multiplier", .3, lambda: rng.randint(1, 10)),
                               ("batch_share", .2, lambda: f"{rng.random():.2f}"),
                               ("long_context_share", .2, lambda: f"{rng.random() * .5:.2f}"),
                               ("revenue_per_task", .2, lambda: f"{rng.random() * 5:.2f}")):
            if rng.random() < p:
                q[name] = str(value())
        out.append(q)
    return out


def _ours() -> dict[str, ModuleType]:
    return {k: v for k, v in sys.modules.items() if k == "llmflation" or k.startswith("llmflation.")}


def _install(mods: dict[str, ModuleType]) -> None:
    for k in list(_ours()):
        del sys.modules[k]
    sys.modules.update(mods)


def load(src: str, warm: list[bytes]) -> tuple[dict[str, ModuleType], Any, Any]:
    """The tree at `src` imported on its own: its modules, its fast_answer and an app state over the store."""
    _install({})
    sys.path.insert(0, src)
    try:
        from llmflation.ledger.ledger import open_ledger
        from llmflation.web import api_bill
        from llmflation.web.settings import WebSettings
        from llmflation.web.state import AppState

        state = AppState(settings=WebSettings(answer_cache=False), ledger=open_ledger(None))
        for q in warm:  # imports everything the answer needs while this tree is on the path
            api_bill.fast_answer(state, q)
    finally:
        sys.path.remove(src)
    return _ours(), api_bill.fast_answer, state


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old", required=True, help="the other source tree (a directory holding llmflation/)")
    ap.add_argument("--new", default=str(Path(__file__).resolve().parents[1] / "src"), help="default: this src/")
    ap.add_argument("-n", type=int, default=2000, help="distinct queries timed (default 2000)")
    args = ap.parse_args()
    os.environ.setdefault("LLMFLATION_HOME", tempfile.mkdtemp(prefix="llmflation-bench-answer-"))
    warm, timed = queries(args.n, seed=1), queries(args.n, seed=7)
    old, new = load(args.old, warm[:300]), load(args.new, warm[:300])
    for mods, answer, state in (old, new):
        _install(mods)
        for q in warm:
            answer(state, q)
    clock = time.thread_time_ns
    t_old: list[int] = []
    t_new: list[int] = []
    same = 0
    for q in timed:
        _install(old[0])
        t0 = clock()
        a = old[1](old[2], q)
        t_old.append(clock() - t0)
        _install(new[0])
        t0 = clock()
        b = new[1](new[2], q)
        t_new.append(clock() - t0)
        same += a.body == b.body
    ratio = statistics.median(b / a for a, b in zip(t_old, t_new, strict=True))
    print(f"{args.n} distinct /api/bill queries, alternating (thread CPU, load average {os.getloadavg()[0]:.1f}; "
          f"shared machine): old median {statistics.median(t_old) / 1000:.0f} us, new median "
          f"{statistics.median(t_new) / 1000:.0f} us; median new/old {ratio:.3f}; identical answers {same}/{args.n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
