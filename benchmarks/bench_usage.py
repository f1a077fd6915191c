"""Price and aggregate N usage rows from Parquet: llmflation's Ibis expression on DuckDB, a hand-written DuckDB
SQL doing the same range join and monthly DECIMAL aggregation, LiteLLM's `cost_per_token` on a sample (in a
scratch venv), and the same N rows on local Spark. Each case runs in its own process so its peak RSS is its own.

    python benchmarks/bench_usage.py [--rows 50000000] [--data /tmp/llmflation-usage-50m.parquet]
        [--litellm-python /tmp/litellm-venv/bin/python] [--skip-spark]

llmflation prices usage aggregate-then-price (usage/pricing.py): rows are summed per price key first and only the
sums meet the validity intervals; the hand-written SQL joins every row to its interval and multiplies per row.
Both give the same total to the last digit (printed). A *floor* case (not a pricing) reads the same columns and
sums tokens per model, provider, month and batch in bare DuckDB: no exact pricing of these rows can be cheaper, so it
shows what the machine allows. Spark is timed twice in one process: cold (JVM and session start, first query) and
warm (the same query again), and the same floor query then runs on that warm Spark session.

Targets (issue 15): ours ≥ 30M rows/s end to end on 20M and 50M rows on 2 cores, time ratio ours / hand-written
≤ 0.8, peak RSS ≤ 2 GB; local Spark 50M rows ≤ 20 s with the same total.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

HAND_SQL = """
WITH priced AS (
  SELECT date_trunc('month', u.day) AS month,
         CASE WHEN u.batch THEN p.p_batch_discount END AS batch_discount,
         (p.long_context_threshold IS NOT NULL
          AND u.input_uncached + u.cache_read + u.cache_write > p.long_context_threshold * u.requests) AS long,
         u.*, p.*
  FROM read_parquet('{path}') AS u
  JOIN prices AS p
    ON u.model = p.p_model AND u.provider = p.p_provider AND p.p_tier = 'standard'
   AND p.valid_from <= u.day AND u.day < coalesce(p.valid_to, DATE '9999-12-31')
   AND p.m_from <= (isodow(u.ts) - 1) * 1440 + hour(u.ts) * 60 + minute(u.ts)
   AND (isodow(u.ts) - 1) * 1440 + hour(u.ts) * 60 + minute(u.ts) < p.m_to
)
SELECT month, batch_discount, sum(requests) AS requests,
       sum(CAST(input_uncached AS DECIMAL(18, 0))
             * CASE WHEN long AND pl_input IS NOT NULL THEN pl_input ELSE p_input END
           + CAST(cache_read AS DECIMAL(18, 0)) * CASE WHEN long AND pl_cache_read IS NOT NULL
                                                     THEN pl_cache_read ELSE p_cache_read END
           + CAST(cache_write AS DECIMAL(18, 0)) * CASE WHEN long AND pl_cache_write IS NOT NULL
                                                      THEN pl_cache_write ELSE p_cache_write END
           + CAST(output_text + output_reasoning AS DECIMAL(18, 0))
             * CASE WHEN long AND pl_output IS NOT NULL THEN pl_output ELSE p_output END) AS micro_usd
FROM priced
GROUP BY ALL ORDER BY month
"""


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def case_ours(path: str, engine: str) -> dict[str, Any]:
    # library imports are not part of the timed work, as in the hand case, which imports duckdb before its clock
    # starts (Ibis's DuckDB backend module, its SQL compiler and our own modules still load inside the clock)
    import duckdb  # noqa: F401
    import ibis  # noqa: F401
    import pyarrow  # noqa: F401

    from llmflation.ledger.ledger import open_ledger
    from llmflation.usage.analytics import spend

    ledger = open_ledger()
    t0, c0 = time.perf_counter(), time.process_time()
    report = spend(Path(path), ledger, by="month", engine=engine)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    out = {"seconds": seconds, "cpu_seconds": cpu, "rows": report.total.requests,
           "cost_usd": str(report.total.cost_usd), "unpriced": report.total.unpriced_requests,
           "months": len(report.rows), "peak_rss_gb": _peak_gb()}
    if engine == "spark":  # the same query again on the warm session
        t0 = time.perf_counter()
        again = spend(Path(path), ledger, by="month", engine=engine)
        out["warm_seconds"] = time.perf_counter() - t0
        assert again.total.cost_usd == report.total.cost_usd
        out["spark_floor_seconds"], out["spark_floor_groups"] = _spark_floor(path)
    return out


def _spark_floor(path: str) -> tuple[float, int]:
    """The floor query (FLOOR_SQL: read the columns, sum tokens per model, provider, month, batch) on the same warm
    Spark session: what local Spark itself takes for one aggregation pass over these rows, best of two."""
    from llmflation.usage.pricing import spark_session

    spark = spark_session()
    spark.read.parquet(path).createOrReplaceTempView("llmflation_floor_usage")
    sql = FLOOR_SQL.replace("read_parquet('{path}')", "llmflation_floor_usage")
    best, groups = float("inf"), 0
    for _ in range(2):
        t0 = time.perf_counter()
        groups = len(spark.sql(sql).collect())
        best = min(best, time.perf_counter() - t0)
    return best, groups


def case_hand_sql(path: str) -> dict[str, Any]:
    import duckdb

    from llmflation.ledger.ledger import open_ledger
    from llmflation.usage.pricing import price_table

    prices = price_table(open_ledger())
    t0, c0 = time.perf_counter(), time.process_time()
    con = duckdb.connect()
    con.register("prices", prices)
    rows = con.execute(HAND_SQL.format(path=path)).fetchall()
    from decimal import Decimal

    # the batch discount applies to the exact micro-dollar sums, as in llmflation's own pricing
    total = sum((Decimal(r[3]) * (1 - (r[1] or 0)) for r in rows if r[3] is not None), Decimal(0)).scaleb(-6)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": seconds, "cpu_seconds": cpu, "rows": sum(int(r[2]) for r in rows), "cost_usd": str(total),
            "months": len({r[0] for r in rows}), "peak_rss_gb": _peak_gb()}


FLOOR_SQL = """
SELECT model, provider, date_trunc('month', day) AS month, batch, sum(requests), sum(input_uncached),
       sum(cache_read), sum(cache_write), sum(output_text), sum(output_reasoning)
FROM read_parquet('{path}') GROUP BY ALL
"""


def case_floor(path: str) -> dict[str, Any]:
    """Not a pricing: the cheapest exact pass any pricing of these rows needs — read the columns and sum the tokens
    per (model, provider, month, batch) — to show what the machine allows."""
    import duckdb

    t0, c0 = time.perf_counter(), time.process_time()
    con = duckdb.connect()
    rows = con.execute(FLOOR_SQL.format(path=path)).fetchall()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": seconds, "cpu_seconds": cpu, "rows": sum(int(r[4]) for r in rows), "groups": len(rows),
            "peak_rss_gb": _peak_gb()}


def litellm_sample(path: str, n: int, out: Path) -> None:
    import pyarrow.parquet as pq

    t = pq.ParquetFile(path).read_row_group(0).slice(0, n).to_pylist()
    recs = [{"model": r["model"].split("/", 1)[-1], "prompt": r["input_uncached"] + r["cache_read"] + r["cache_write"],
             "cached": r["cache_read"], "completion": r["output_text"] + r["output_reasoning"]} for r in t]
    out.write_text(json.dumps(recs))


LITELLM_SCRIPT = r"""
import importlib.metadata, json, sys, time
import litellm
recs = json.load(open(sys.argv[1]))
# time only rows whose model LiteLLM knows, so failed look-ups do not flatter or slow its rate
known = [r for r in recs if r["model"] in litellm.model_cost]
ok = fail = 0
t0 = time.perf_counter()
for r in known:
    try:
        litellm.cost_per_token(model=r["model"], prompt_tokens=r["prompt"], completion_tokens=r["completion"],
                               cache_read_input_tokens=r["cached"])
        ok += 1
    except Exception:
        fail += 1
dt = time.perf_counter() - t0
print(json.dumps({"seconds": dt, "rows": len(known), "priced": ok, "failed": fail,
                  "unknown_to_litellm": len(recs) - len(known),
                  "version": importlib.metadata.version("litellm")}))
"""


def run_case(args: list[str], timeout: int = 1800) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=env,
                          timeout=timeout)
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=50_000_000)
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--litellm-python", default="/tmp/litellm-venv/bin/python")
    ap.add_argument("--litellm-sample", type=int, default=20_000)
    ap.add_argument("--skip-spark", action="store_true")
    ap.add_argument("--repeat", type=int, default=2,
                    help="runs of each DuckDB case, alternating (best wall and median CPU are reported)")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--engine", default="duckdb", help=argparse.SUPPRESS)
    args = ap.parse_args()
    data = args.data or Path(f"/tmp/llmflation-usage-{args.rows // 1_000_000}m.parquet")
    if args.case == "ours":
        print(json.dumps(case_ours(str(data), args.engine)))
        return
    if args.case == "hand":
        print(json.dumps(case_hand_sql(str(data))))
        return
    if args.case == "floor":
        print(json.dumps(case_floor(str(data))))
        return

    sys.path.insert(0, str(HERE))
    from gen_usage import write_canonical_fast

    from llmflation.ledger.ledger import open_ledger

    if not data.exists():
        t0 = time.perf_counter()
        write_canonical_fast(open_ledger(), args.rows, data)
        print(f"generated {args.rows:,} rows → {data} ({data.stat().st_size / 1e9:.2f} GB) "
              f"in {time.perf_counter() - t0:.1f} s")
    print(f"data: {data} ({data.stat().st_size / 1e9:.2f} GB), cores: {os.cpu_count()}")
    results: dict[str, Any] = {}
    cases = {"ours (Ibis on DuckDB)": ["--case", "ours"], "hand-written DuckDB SQL": ["--case", "hand"],
             "floor": ["--case", "floor"]}
    # the cases alternate (ours, hand, floor, ours, ...) so that a change in the machine's speed during the runs
    # weighs on each of them alike
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in cases}
    for _ in range(args.repeat):
        for name, case in cases.items():
            runs[name].append(run_case([*case, "--data", str(data)]))
    for name in cases:
        good = [r for r in runs[name] if "error" not in r]
        if not good:
            print(f"{name}: FAILED {runs[name][0]['error']}")
            continue
        best = min(good, key=lambda r: r["seconds"])
        best["all_seconds"] = [round(r["seconds"], 3) for r in good]
        best["median_cpu"] = statistics.median(r["cpu_seconds"] for r in good)
        results[name] = best
        if name == "floor":
            print(f"floor (not a pricing: read the columns, sum tokens per model, provider, month, batch; bare "
                  f"DuckDB): {best['rows']:,} rows in {best['seconds']:.2f} s = "
                  f"{best['rows'] / best['seconds'] / 1e6:.1f}M rows/s ({best['groups']:,} groups; the 30M rows/s "
                  f"target is {best['rows'] / 30e6:.2f} s here; runs: {best['all_seconds']})")
            continue
        print(f"{name}: {best['rows']:,} rows in {best['seconds']:.2f} s = {best['rows'] / best['seconds'] / 1e6:.1f}M "
              f"rows/s, CPU {best['median_cpu']:.2f} s (median), peak RSS {best['peak_rss_gb']:.2f} GB "
              f"(runs: {best['all_seconds']})")
    if "ours (Ibis on DuckDB)" in results and "hand-written DuckDB SQL" in results:
        ours, hand = results["ours (Ibis on DuckDB)"], results["hand-written DuckDB SQL"]
        print(f"ours / hand-written time ratio: {ours['seconds'] / hand['seconds']:.2f}x best wall, "
              f"{ours['median_cpu'] / hand['median_cpu']:.2f}x median CPU (target ≤ 0.8x)")
        from decimal import Decimal

        same = Decimal(ours["cost_usd"]) == Decimal(hand["cost_usd"])
        print(f"ours total {ours['cost_usd']} USD, unpriced rows {ours['unpriced']}; hand SQL total "
              f"{hand['cost_usd']} USD ({'identical' if same else 'DIFFERENT'})")
    lp = Path(args.litellm_python)
    if lp.exists():
        sample = Path("/tmp/llmflation-litellm-sample.json")
        litellm_sample(str(data), args.litellm_sample, sample)
        script = Path("/tmp/llmflation-litellm-bench.py")
        script.write_text(LITELLM_SCRIPT)
        proc = subprocess.run([str(lp), str(script), str(sample)], capture_output=True, text=True, timeout=1800)
        if proc.returncode == 0:
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            rate = r["rows"] / r["seconds"]
            print(f"LiteLLM cost_per_token {r['version']}: {r['rows']:,} rows in {r['seconds']:.2f} s = {rate:,.0f} "
                  f"rows/s on the rows whose model it knows ({r['unknown_to_litellm']:,} of the sample skipped: model "
                  f"unknown to LiteLLM; {r['failed']} raised)")
            if "ours (Ibis on DuckDB)" in results:
                o = results["ours (Ibis on DuckDB)"]
                print(f"ours / LiteLLM throughput ratio: {o['rows'] / o['seconds'] / rate:,.0f}x")
        else:
            print(f"LiteLLM: FAILED {proc.stderr[-500:]}")
    else:
        print(f"LiteLLM: skipped ({lp} not found; python -m venv /tmp/litellm-venv && "
              "/tmp/litellm-venv/bin/pip install litellm)")
    if not args.skip_spark:
        r = run_case(["--case", "ours", "--engine", "spark", "--data", str(data)], timeout=3600)
        if "error" in r:
            print(f"Spark: FAILED {r['error'][-800:]}")
        else:
            rate = r["rows"] / r["seconds"] / 1e6
            print(f"ours on local Spark, cold (JVM + session start + query): {r['rows']:,} rows in {r['seconds']:.1f} s"
                  f" = {rate:.2f}M rows/s; warm (the query again): {r['warm_seconds']:.1f} s = "
                  f"{r['rows'] / r['warm_seconds'] / 1e6:.2f}M rows/s; total {r['cost_usd']} USD (driver RSS "
                  f"{r['peak_rss_gb']:.2f} GB, JVM not included; target ≤ 20 s on 50M rows)")
            print(f"floor on the same warm Spark session (not a pricing: FLOOR_SQL, best of 2): {r['rows']:,} rows in "
                  f"{r['spark_floor_seconds']:.1f} s = {r['rows'] / r['spark_floor_seconds'] / 1e6:.2f}M rows/s "
                  f"({r['spark_floor_groups']:,} groups); ours warm / Spark floor: "
                  f"{r['warm_seconds'] / r['spark_floor_seconds']:.2f}x")
            if "ours (Ibis on DuckDB)" in results and r["cost_usd"] != results["ours (Ibis on DuckDB)"]["cost_usd"]:
                print("WARNING: Spark and DuckDB totals differ")


if __name__ == "__main__":
    main()
