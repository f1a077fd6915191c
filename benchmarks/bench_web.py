"""Load benchmark of the JSON API with wrk: /api/bill and /api/price, every request a different query.

    python benchmarks/bench_web.py --no-cache                      # the issue-15 targets: every answer computed
    python benchmarks/bench_web.py --no-cache --against /work/main/src   # ours beside another source tree, same run
    python benchmarks/bench_web.py [--duration 60] [--connections 50] [--workers N] [--wrk-threads 1]
                                   [--endpoints bill,price] [--in-process 400] [--save out.json] [--reference out.json]

Starts `llmflation serve` on a free 127.0.0.1 port (over a temporary store built from the bundled data unless
LLMFLATION_HOME is set; `--workers` as `serve --workers`, default: the number of cores), warms it for a few
seconds, then drives each endpoint for `--duration` seconds with `wrk` (Debian package `wrk`) and `--connections`
keep-alive connections. A Lua script builds every request afresh: /api/bill gets a new workload each time (the task
count carries a per-thread request counter, so no two requests are equal and the answer cache can never answer one;
token counts, cache shares, reasoning, calls per task, batch and long-context shares, floors and dates vary at
random); /api/price gets a random model at a random day of one of its recorded price intervals. `--no-cache`
starts the server with LLMFLATION_WEB_CACHE=0 (every answer computed even where a query repeats).

Prints, per endpoint: requests, req/s, latency p50/p90/p99/max (wrk's, measured at the client, including the load
generator's own time on this machine), errors (connect/read/write/timeout sockets and non-2xx answers), the server's
resident memory (VmRSS of the server and its workers, from /proc) before and after the run, the CPU time the server
(all its processes) and wrk spent per request (less sensitive to other load on a shared machine than latency), the
load average, and whether the targets hold: /api/bill p99 <= 50 ms, >= 1,000 req/s, 0 errors; /api/price p99 <= 10 ms,
0 errors.
First, `--in-process N` times building N distinct bill answers without HTTP (thread CPU time, median): the reference
path (every shown offer itemised by the Decimal reference, jsonable + json.dumps) beside ours.
`--against SRC` runs the same load against a server running another source tree (PYTHONPATH=SRC, e.g. the main
branch) and prints both; `--reference FILE` prints a previous `--save`d run beside this one. Linux only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

TARGETS = {"/api/bill": {"p99_ms": 50.0, "rps": 1000.0}, "/api/price": {"p99_ms": 10.0, "rps": 0.0}}

# A request generator for wrk. Each thread numbers its requests; the bill's task count embeds that number and the
# thread's id, so every bill query of a run is distinct. `done` prints one JSON line with wrk's own statistics.
LUA = r"""
local counter, tid = 0, 0
local threads = {}
local kind = "%(kind)s"
local spans = {%(spans)s}  -- {model, first day, last day} (days since 1970) where /api/price answers 200
local dates = {"2023-06-01", "2024-01-15", "2024-07-01", "2025-01-01", "2025-04-20", "2025-09-01", "2026-03-01"}
local floors = {"", "", "", "&floor=mmlu%%3E%%3D70", "&floor=gpqa_diamond%%3E%%3D40"}
local nthreads = %(threads)d

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  tid = tonumber(wrk.thread:get("tid")) or 0
  math.randomseed(12345 + tid)
end

local function share(max)
  return string.format("%%.2f", math.random() * max)
end

function request()
  counter = counter + 1
  if kind == "bill" then
    local tasks = (counter * nthreads + tid) * 7 + math.random(0, 6)
    local q = "/api/bill?tasks_per_month=" .. tasks
      .. "&input_tokens=" .. math.random(50, 200000)
      .. "&output_tokens=" .. math.random(10, 8000)
      .. "&cached_input_share=" .. share(0.9)
      .. "&at=" .. dates[math.random(#dates)]
      .. floors[math.random(#floors)]
    if math.random() < 0.3 then q = q .. "&calls_per_task=" .. math.random(1, 40) end
    if math.random() < 0.3 then q = q .. "&reasoning_multiplier=" .. math.random(1, 10) end
    if math.random() < 0.2 then q = q .. "&batch_share=" .. share(1) end
    if math.random() < 0.2 then q = q .. "&long_context_share=" .. share(0.5) end
    if math.random() < 0.2 then q = q .. "&revenue_per_task=" .. share(5) end
    return wrk.format("GET", q)
  end
  local span = spans[math.random(#spans)]
  local day = os.date("!%%Y-%%m-%%d", math.random(span[2], span[3]) * 86400)
  return wrk.format("GET", "/api/price?model=" .. span[1] .. "&at=" .. day)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests":%%d,"duration_us":%%d,"bytes":%%d,"connect":%%d,"read":%%d,'
    .. '"write":%%d,"status":%%d,"timeout":%%d,"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,"max_us":%%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mib(pid: int) -> float:
    """VmRSS of a process and all its descendants, in MiB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        todo += [int(c) for c in children]
    return total / 1024


def start_server(home: Path, cache: bool, workers: int | None, src: str | None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "LLMFLATION_HOME": str(home), "LLMFLATION_WEB_CACHE": "1" if cache else "0"}
    env.pop("LLMFLATION_API_TOKEN", None)
    if src:
        env["PYTHONPATH"] = src
    cmd = [sys.executable, "-m", "llmflation.cli.main", "serve", "--port", str(port)]
    if workers:
        cmd += ["--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(base + "/api/models?limit=1", timeout=2).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.3)
    stop(proc)
    raise SystemExit("server did not start within 180 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def price_spans(base: str) -> list[tuple[str, int, int]]:
    """(model id, first day, last day) of every recorded price interval whose first and last day /api/price
    answers with 200 (days since 1970; open intervals end today): any day between them is a valid query."""
    from datetime import date, timedelta

    today = date.today()
    spans = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for m in client.get("/api/models", params={"limit": 500}).json()["items"]:
            for p in client.get("/api/history", params={"model": m["id"]}).json().get("items", []):
                first = date.fromisoformat(p["valid_from"])
                last = date.fromisoformat(p["valid_to"]) - timedelta(days=1) if p["valid_to"] else today
                if last < first or any(client.get("/api/price", params={"model": m["id"], "at": str(d)}).status_code
                                       != 200 for d in (first, last)):
                    continue
                spans.append((m["id"], first.toordinal() - 719163, last.toordinal() - 719163))
    return sorted(set(spans))


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and all its descendants."""
    total, todo, tick = 0, [pid], os.sysconf("SC_CLK_TCK")
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        todo += [int(c) for c in children]
    return total / tick


def wrk(base: str, kind: str, spans: list[tuple[str, int, int]], duration: float, connections: int, threads: int,
        scratch: Path) -> dict[str, Any]:
    import resource

    script = scratch / f"{kind}.lua"
    script.write_text(LUA % {"kind": kind, "threads": threads,
                             "spans": ", ".join(f"{{{json.dumps(m)}, {a}, {b}}}" for m, a, b in spans)})
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout",
                          "8s", "-s", str(script), base], capture_output=True, text=True, check=True).stdout
    line = next((ln for ln in out.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result:\n{out}")
    r = json.loads(line.removeprefix("RESULT "))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    secs = r["duration_us"] / 1e6
    errors = r["connect"] + r["read"] + r["write"] + r["timeout"] + r["status"]
    return {"requests": r["requests"], "rps": r["requests"] / secs, "errors": errors,
            "error_kinds": {k: r[k] for k in ("connect", "read", "write", "timeout", "status") if r[k]},
            "p50_ms": r["p50_us"] / 1000, "p90_ms": r["p90_us"] / 1000, "p99_ms": r["p99_us"] / 1000,
            "max_ms": r["max_us"] / 1000, "kib_per_answer": r["bytes"] / max(1, r["requests"]) / 1024,
            "wrk_cpu_ms_per_request": wrk_cpu * 1000 / max(1, r["requests"])}


def run_server(label: str, home: Path, args: argparse.Namespace, src: str | None, scratch: Path) -> dict[str, Any]:
    proc, base = start_server(home, cache=not args.no_cache, workers=args.workers, src=src)
    try:
        spans = price_spans(base) if "price" in args.endpoints else []
        results: dict[str, Any] = {}
        for kind in args.endpoints:
            path = f"/api/{kind}"
            wrk(base, kind, spans, args.warmup, args.connections, args.wrk_threads, scratch)  # warm every worker
            rss0, load0, cpu0 = rss_mib(proc.pid), os.getloadavg()[0], cpu_s(proc.pid)
            res = wrk(base, kind, spans, args.duration, args.connections, args.wrk_threads, scratch)
            res.update(rss_before_mib=rss0, rss_after_mib=rss_mib(proc.pid), load_before=load0,
                       load_after=os.getloadavg()[0],
                       server_cpu_ms_per_request=(cpu_s(proc.pid) - cpu0) * 1000 / max(1, res["requests"]))
            t = TARGETS[path]
            res["met"] = res["p99_ms"] <= t["p99_ms"] and res["rps"] >= t["rps"] and res["errors"] == 0
            results[path] = res
            goal = f"p99 <= {t['p99_ms']:.0f} ms" + (f", >= {t['rps']:.0f} req/s" if t["rps"] else "") + ", 0 errors"
            print(f"  {label:8s} {path:11s} {res['requests']:7d} req {res['rps']:7.0f} req/s  "
                  f"p50 {res['p50_ms']:7.2f}  p90 {res['p90_ms']:7.2f}  p99 {res['p99_ms']:7.2f}  "
                  f"max {res['max_ms']:7.1f} ms  "
                  f"errors {res['errors']}{_kinds(res)}  [{goal}: {'met' if res['met'] else 'MISSED'}]\n"
                  f"  {'':8s} {'':11s} server RSS {rss0:.0f} -> {res['rss_after_mib']:.0f} MiB  "
                  f"CPU per request: server {res['server_cpu_ms_per_request']:.2f} ms, "
                  f"wrk {res['wrk_cpu_ms_per_request']:.3f} ms  {res['kib_per_answer']:.1f} KiB/answer  "
                  f"load average {load0:.1f} -> {res['load_after']:.1f}", flush=True)
        return results
    finally:
        stop(proc)


def in_process(n: int) -> dict[str, float]:
    """Thread CPU ms to build one /api/bill answer in this process (no HTTP), over `n` distinct workloads drawn as
    the Lua script draws them: the reference path (bill_answer: every shown offer itemised by the Decimal reference,
    jsonable + json.dumps) and ours (bill_answer_json), each on the same queries, alternating."""
    import statistics
    from datetime import date

    from llmflation.ledger.ledger import open_ledger
    from llmflation.web.billing import BillQuery, bill_answer, bill_answer_json
    from llmflation.web.params import dump

    ledger = open_ledger(None)
    from bench_bill_answer import query_dicts  # the same workload mix as the answer benchmark

    queries = [BillQuery(**q) for q in query_dicts(n, 7)]
    timings: dict[str, list[float]] = {"reference": [], "ours": []}
    for q in queries:
        when = date.fromisoformat(str(q.at))
        t0 = time.thread_time()
        dump(bill_answer(ledger, q, when))
        t1 = time.thread_time()
        bill_answer_json(ledger, q, when)
        t2 = time.thread_time()
        timings["reference"].append((t1 - t0) * 1000)
        timings["ours"].append((t2 - t1) * 1000)
    return {name: statistics.median(ts[n // 10:]) for name, ts in timings.items()}  # first tenth: warm-up


def _kinds(res: dict[str, Any]) -> str:
    return f" {res['error_kinds']}" if res["error_kinds"] else ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load per endpoint (default 60)")
    ap.add_argument("--warmup", type=float, default=5.0, help="seconds of load before measuring (default 5)")
    ap.add_argument("--connections", type=int, default=50, help="concurrent keep-alive connections (default 50)")
    ap.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1: leaves the cores to the "
                    "server; one thread drives 50 connections)")
    ap.add_argument("--workers", type=int, default=None, help="server worker processes (default: serve's, the "
                    "number of cores)")
    ap.add_argument("--endpoints", default="bill,price", help="comma-separated: bill, price (default both)")
    ap.add_argument("--no-cache", action="store_true", help="start the server with its answer cache off "
                    "(LLMFLATION_WEB_CACHE=0): every answer computed")
    ap.add_argument("--against", metavar="SRC", help="also run a server from this source tree (PYTHONPATH=SRC) under "
                    "the same load, e.g. the main branch's src/")
    ap.add_argument("--in-process", type=int, default=400, metavar="N", help="first time building N bill answers "
                    "in this process, reference path vs ours (0: skip; default 400)")
    ap.add_argument("--save", type=Path, help="write this run's figures as JSON")
    ap.add_argument("--reference", type=Path, help="a previous --save file to print beside this run")
    args = ap.parse_args()
    args.endpoints = [e.strip() for e in args.endpoints.split(",") if e.strip()]
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian/Ubuntu: apt-get install wrk)")

    home = Path(os.environ.get("LLMFLATION_HOME") or tempfile.mkdtemp(prefix="llmflation-bench-web-"))
    import importlib.util

    parser = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    print(f"uvicorn ({parser} + {loop}), workers: {args.workers or 'serve default (cores)'}, answer cache "
          f"{'off' if args.no_cache else 'on (every bill query distinct)'}; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}; wrk {args.wrk_threads} thread(s), {args.connections} connections, "
          f"{args.duration:.0f} s per endpoint (shared machine: figures are noisy)", flush=True)
    runs: dict[str, Any] = {}
    if "bill" in args.endpoints and args.in_process:
        os.environ["LLMFLATION_HOME"] = str(home)
        med = in_process(args.in_process)
        print(f"  in-process /api/bill answer (no HTTP; thread CPU, median of {args.in_process} distinct workloads): "
              f"reference path {med['reference']:.3f} ms, ours {med['ours']:.3f} ms "
              f"({med['reference'] / med['ours']:.1f}x)", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-web-lua-") as tmp:
        runs["ours"] = run_server("ours", home, args, None, Path(tmp))
        if args.against:
            runs["against"] = run_server("against", home, args, args.against, Path(tmp))
    if args.reference and args.reference.exists():
        runs["reference"] = json.loads(args.reference.read_text()).get("ours", {})
    if len(runs) > 1:
        print("\nside by side (req/s, p50 / p99 ms, errors):")
        for path in [f"/api/{e}" for e in args.endpoints]:
            cells = [f"{name} {r[path]['rps']:.0f} req/s, {r[path]['p50_ms']:.1f} / {r[path]['p99_ms']:.1f} ms, "
                     f"{r[path]['errors']} errors" for name, r in runs.items() if path in r]
            print(f"  {path:11s} " + "  |  ".join(cells))
    if args.save:
        args.save.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, **runs}, indent=2))
    met = all(r["met"] for r in runs["ours"].values())
    print("all targets met" if met else "some targets missed")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
