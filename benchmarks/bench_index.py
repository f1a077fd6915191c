"""Speed of the price index commands, measured as a user runs them.

    python benchmarks/bench_index.py [--rows 20000000] [--data /tmp/llmflation-usage-20m.parquet] [--skip-spark]
        [--repeat 3]

1. `llmflation index --method all --json` on the bundled ledger, end to end in a fresh process (interpreter
   start, imports, ledger load, every method, the 200-resample bootstrap, JSON out). Target: ≤ 2 s.
2. `llmflation usage index --source DATA --json` on N canonical-Parquet rows (generated with
   benchmarks/gen_usage.py when DATA is missing), DuckDB engine, end to end, with the market index beside it (the
   default). Target: ≤ 3 s for 20M rows on 2 cores.
   Then in process (after a warm-up run: imports, engine start), `personal_index` split into its steps — the
   usage pricing query (`usage.analytics.spend`), building the chained index (`index.personal.build_index`) and
   the market index (one hedonic fit) — for all traffic and for --by model and --by tag (which prices a second
   grouping by tag).
3. The same on local Spark (unless --skip-spark); no target (Spark's JVM start dominates at this size).

Each timing is the best of --repeat runs; the machine's core count and load are printed next to the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(HERE.parent / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}


def timed(cmd: list[str], repeat: int) -> tuple[float, str]:
    """The best wall time of `repeat` fresh-process runs (every run's time printed to stderr: on a shared machine
    the spread matters as much as the best)."""
    runs: list[float] = []
    out = ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=1800)
        dt = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
        runs.append(dt)
        out = proc.stdout
    if repeat > 1:
        print(f"  runs: {', '.join(f'{r:.2f}' for r in runs)} s (median {sorted(runs)[len(runs) // 2]:.2f})",
              file=sys.stderr)
    return min(runs), out


def in_process(data: Path, engine: str) -> dict[str, Any]:
    from llmflation.index.personal import personal_index
    from llmflation.ledger.ledger import open_ledger

    ledger = open_ledger()
    personal_index(data, ledger, engine=engine, market=False)  # warm: imports, engine start
    out: dict[str, Any] = {}
    for by in (None, "model", "tag"):
        t0, c0 = time.perf_counter(), time.process_time()
        rep = personal_index(data, ledger, engine=engine, by=by)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        out[by or "all"] = {"seconds": wall, "cpu_seconds": cpu, "months": len(rep.total.months),
                            "groups": len(rep.groups), **{f"{k}_seconds": v for k, v in rep.timings.items()}}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=20_000_000)
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--skip-spark", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--engine", default="duckdb", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case == "inproc":
        print(json.dumps(in_process(args.data, args.engine)))
        return
    cli = [sys.executable, "-m", "llmflation.cli.main"]
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} (shared machines make these figures noisy)")

    secs, out = timed([*cli, "index", "--method", "all", "--json"], args.repeat)
    methods = len(json.loads(out)["methods"])
    print(f"index --method all (bundled ledger, {methods} method rows): {secs:.2f} s  [target ≤ 2 s]")

    data = args.data or Path(f"/tmp/llmflation-usage-{args.rows / 1e6:g}m.parquet")
    if not data.exists():
        print(f"generating {args.rows:,} rows → {data} …")
        subprocess.run([sys.executable, str(HERE / "gen_usage.py"), "--format", "canonical-parquet", "--rows",
                        str(args.rows), "--out", str(data)], check=True, env=_env())
    import pyarrow.parquet as pq

    rows = pq.ParquetFile(data).metadata.num_rows
    secs, out = timed([*cli, "usage", "index", "--source", str(data), "--json"], args.repeat)
    months = len(json.loads(out)["total"]["months"])
    print(f"usage index, DuckDB, {rows:,} rows ({months} months), end to end: {secs:.2f} s  [target ≤ 3 s]")
    _split("DuckDB", data, "duckdb")
    if not args.skip_spark:
        _split("local Spark", data, "spark")


def _split(label: str, data: Path, engine: str) -> None:
    proc = subprocess.run([sys.executable, __file__, "--case", "inproc", "--data", str(data), "--engine", engine],
                          capture_output=True, text=True, env=_env())
    if proc.returncode != 0:
        print(f"usage index on {label} failed: {proc.stderr[-500:]}")
        return
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    for by, r in res.items():
        rest = r["seconds"] - r["spend_seconds"]
        print(f"usage index{'' if by == 'all' else ' --by ' + by}, {label}, in process (after warm-up): "
              f"{r['seconds']:.2f} s wall ({r['cpu_seconds']:.2f} s CPU, all threads) = pricing query (spend) "
              f"{r['spend_seconds']:.2f} s + the rest {rest:.2f} s (build index {r['index_seconds']:.2f} s, "
              f"market index {r.get('market_seconds', 0.0):.2f} s; {r['groups']} groups)")


if __name__ == "__main__":
    main()
