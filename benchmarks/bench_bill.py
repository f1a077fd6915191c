"""Bills: the exact packed ranking (workload/fastbill.py) beside the previous Decimal path, in the same run.

Targets (issue 15): ranking one workload in-process ≤ 0.3 ms; `llmflation bill examples/coding-agent.toml` ≤ 0.4 s
wall. Prints, for the bundled ledger at one date:

* in-process, per workload (each iteration a different workload: its tasks and shares vary, so no answer repeats):
  `rank` = every offer's exact monthly total and their order (no floor, every offer in effect), with numpy loaded
  as in the server (its lexsort orders the totals), and `rank, no numpy` as in a one-shot CLI process (timed first);
  `rank + cheapest` = the same plus the cheapest offer's itemised bill (what the web's first row and jevons read);
  `decimal` = the previous path, every offer itemised in Decimal, then sorted (rank_offers(..., packed=False));
* the CLI wall time of `bill examples/coding-agent.toml` in fresh processes: ours, and the same command with the
  packed totals switched off (the Decimal path) — that switch exists only in this script. As in
  bench_cli_startup.py, the children may write Python's bytecode cache (PYTHONDONTWRITEBYTECODE is dropped; an
  untimed first run writes it), as an installed copy has it.

    python benchmarks/bench_bill.py [--runs 200] [--cli-runs 7] [--at 2025-09-01]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "coding-agent.toml"
DECIMAL_CLI = ("import sys; import llmflation.workload.fastbill as f; f.monthly_totals = lambda table, w: None; "
               "from llmflation.cli.main import main; sys.argv = ['llmflation', *sys.argv[1:]]; main()")


def workloads(n: int):  # type: ignore[no-untyped-def]
    from llmflation.workload.spec import load_workload

    base = load_workload(EXAMPLE).replace(floor=None)
    out = []
    for i in range(n):
        out.append(base.replace(tasks_per_month=Decimal(1000 + 37 * i), long_context_share=Decimal(i % 7) / 20,
                                batch_share=Decimal(i % 5) / 10, cached_input_share=Decimal(50 + i % 30) / 100))
    return out


def per_call_ms(fn, items) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    for it in items:
        fn(it)
    return (time.perf_counter() - start) / len(items) * 1e3


def cli_wall(argv: list[str], env: dict[str, str], runs: int) -> list[float]:
    subprocess.run(argv, env=env, check=True, capture_output=True)  # untimed: writes the bytecode cache
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--cli-runs", type=int, default=7)
    parser.add_argument("--at", default="2025-09-01")
    args = parser.parse_args()
    at = date.fromisoformat(args.at)
    with tempfile.TemporaryDirectory() as home:
        os.environ["LLMFLATION_HOME"] = home
        from llmflation.ledger.ledger import open_ledger
        from llmflation.ledger.store import Store, default_path
        from llmflation.workload.bill import rank_offers
        from llmflation.workload.fastbill import monthly_totals, offer_table

        Store(default_path()).ensure_current()
        ledger = open_ledger(default_path())
        ws = workloads(args.runs)
        start = time.perf_counter()
        table = offer_table(ledger, at, "standard")
        build_ms = (time.perf_counter() - start) * 1e3
        rank_offers(ledger, ws[0], at).offers[0]  # warm imports
        assert "numpy" not in sys.modules  # the order of a one-shot CLI ranking first, then the server's
        cli_rank = per_call_ms(lambda w: rank_offers(ledger, w, at), ws)
        import numpy  # noqa: F401  (the server loads it at start-up: Totals.order then sorts with it)

        packed_rank = per_call_ms(lambda w: rank_offers(ledger, w, at), ws)
        packed_first = per_call_ms(lambda w: rank_offers(ledger, w, at).offers[0], ws)
        totals_only = per_call_ms(lambda w: monthly_totals(table, w), ws)
        few = ws[: max(3, args.runs // 20)]
        decimal = per_call_ms(lambda w: rank_offers(ledger, w, at, packed=False), few)
        same = all(list(rank_offers(ledger, w, at).offers) == list(rank_offers(ledger, w, at, packed=False).offers)
                   for w in few[:3])
        print(f"bundled ledger at {at}: {table.n} offers in effect (standard tier); rate table built once in "
              f"{build_ms:.1f} ms (cached per ledger and date)")
        print(f"  packed: totals only         {totals_only:8.3f} ms / workload")
        print(f"  packed: rank                {packed_rank:8.3f} ms / workload  (target ≤ 0.3 ms: "
              f"{'ok' if packed_rank <= 0.3 else 'OVER TARGET'}; numpy loaded, as in the server)")
        print(f"  packed: rank, no numpy      {cli_rank:8.3f} ms / workload  (a one-shot CLI process: the totals "
              "sorted as bytes in Python)")
        print(f"  packed: rank + cheapest     {packed_first:8.3f} ms / workload")
        print(f"  decimal (previous path)     {decimal:8.3f} ms / workload  ({len(few)} workloads)")
        print(f"  speed-up rank vs decimal    {decimal / packed_rank:8.0f}×   identical bills: {same}")
        # as bench_cli_startup.py: an installed package has its bytecode compiled, so the children may write it
        # (an untimed first run does), rather than compile every module on every run as no user's install does
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"LLMFLATION_HOME": home}
        ours = cli_wall([sys.executable, "-m", "llmflation.cli.main", "bill", str(EXAMPLE)], env, args.cli_runs)
        ref = cli_wall([sys.executable, "-c", DECIMAL_CLI, "bill", str(EXAMPLE)], env, args.cli_runs)
        med = statistics.median(ours)
        print(f"llmflation bill {EXAMPLE.relative_to(ROOT)}: ours median {med:.3f} s (min {min(ours):.3f}), "
              f"decimal path median {statistics.median(ref):.3f} s (min {min(ref):.3f}); target ≤ 0.4 s: "
              f"{'ok' if med <= 0.4 else 'OVER TARGET'}")


if __name__ == "__main__":
    main()
