"""Load benchmark of the JSON API: a bounded load generator on loopback against a real uvicorn server.

    python benchmarks/bench_web.py [--requests 4000] [--concurrency 50] [--time-limit 60]

Starts `llmflation serve` on a free 127.0.0.1 port (over a temporary store built from the bundled data, unless
LLMFLATION_HOME is set), then for each endpoint sends a fixed number of requests from `--concurrency` concurrent
clients (httpx async, keep-alive), stopping early at the time limit. Requests cycle through varied, valid
parameters (many models and dates for /api/price; a set of workloads, dates and floors for /api/bill).
Prints latency percentiles (measured at the client: they include the load generator's own overhead on the same
machine), throughput and errors (any non-200 answer or transport failure), and whether the targets hold:
/api/price p99 <= 20 ms, /api/bill p99 <= 50 ms, zero errors.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

TARGETS_MS = {"/api/price": 20.0, "/api/bill": 50.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(home: Path, cache: bool) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "LLMFLATION_HOME": str(home), "LLMFLATION_WEB_CACHE": "1" if cache else "0"}
    env.pop("LLMFLATION_API_TOKEN", None)
    proc = subprocess.Popen([sys.executable, "-m", "llmflation.cli.main", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(base + "/api/models?limit=1", timeout=2).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start within 120 s")


def price_queries(base: str) -> list[dict[str, str]]:
    models = httpx.get(base + "/api/models", params={"limit": 500}).json()["items"]
    out: list[dict[str, str]] = []
    for m in models:
        hist = httpx.get(base + "/api/history", params={"model": m["id"]}).json().get("items", [])
        for p in hist[:3]:
            out.append({"model": m["id"], "at": p["valid_from"]})
            out.append({"model": m["aliases"][0] if m["aliases"] else m["id"], "at": p["valid_from"],
                        "provider": p["provider"]})
    return out


def bill_queries() -> list[dict[str, str]]:
    workloads = [
        {"tasks_per_month": "100000", "input_tokens": "2000", "output_tokens": "500", "cached_input_share": "0.3"},
        {"tasks_per_month": "5000", "calls_per_task": "25", "input_tokens": "12000", "output_tokens": "800",
         "reasoning_multiplier": "8", "cached_input_share": "0.7", "revenue_per_task": "2"},
        {"tasks_per_month": "20000", "input_tokens": "30000", "output_tokens": "300", "long_context_share": "0.1"},
        {"tasks_per_month": "1000000", "input_tokens": "1500", "output_tokens": "200", "batch_share": "1"},
    ]
    floors = [{}, {"benchmark": "mmlu", "min_score": "80"}, {"benchmark": "gpqa_diamond", "min_score": "50"}]
    dates = ["2024-01-01", "2024-07-01", "2025-01-01", "2025-07-01", "2026-01-01"]
    return [{**w, **f, "at": d, "limit": "10"} for w, f, d in itertools.product(workloads, floors, dates)]


class RawClient:
    """A lean HTTP/1.1 keep-alive client on asyncio streams: one connection, one request at a time.

    httpx spends ~1.4 ms of CPU per request on this machine (measured), ten times the server's own cost, so with
    50 clients in one process it would measure itself; this client spends ~0.05 ms. Answers are read by
    Content-Length (the server always sends it) and the status line is checked.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {target} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        return status, headers, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def load(base: str, path: str, queries: list[dict[str, str]], n: int, concurrency: int,
               time_limit: float, client_kind: str = "raw") -> dict[str, float]:
    latencies: list[float] = []
    app_ms: list[float] = []
    hits = 0
    errors = 0
    issued = 0
    cycle = itertools.cycle([f"{path}?{urlencode(q, doseq=True)}" for q in queries])
    deadline = time.monotonic() + time_limit
    host, port = base.removeprefix("http://").rsplit(":", 1)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as hx:

        async def worker() -> None:
            nonlocal issued, errors, hits
            raw = RawClient(host, int(port))
            try:
                while issued < n and time.monotonic() < deadline:
                    issued += 1
                    target = next(cycle)
                    t0 = time.perf_counter()
                    try:
                        if client_kind == "raw":
                            status, headers, _ = await asyncio.wait_for(raw.get(target), 30)
                        else:
                            r = await hx.get(target)
                            status, headers = r.status_code, dict(r.headers)
                        ok = status == 200
                        timing = headers.get("server-timing", "")
                        if "dur=" in timing:
                            app_ms.append(float(timing.split("dur=")[1]))
                        hits += headers.get("x-cache") == "hit"
                    except (TimeoutError, httpx.HTTPError, OSError, asyncio.IncompleteReadError, ValueError):
                        ok = False
                        await raw.close()
                        raw = RawClient(host, int(port))
                    latencies.append(time.perf_counter() - t0)
                    errors += 0 if ok else 1
            finally:
                await raw.close()

        t_start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t_start
    lat = sorted(latencies)
    q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else lat * 99
    app = sorted(app_ms) or [0.0]
    return {"requests": len(lat), "errors": errors, "wall_s": wall, "rps": len(lat) / wall,
            "app_p99_ms": app[min(len(app) - 1, int(len(app) * 0.99))], "hit_rate": hits / max(1, len(lat)),
            "p50_ms": q[49] * 1000, "p90_ms": q[89] * 1000, "p99_ms": q[98] * 1000, "max_ms": lat[-1] * 1000}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=4000, help="requests per endpoint (default 4000)")
    ap.add_argument("--concurrency", type=int, default=50, help="concurrent clients (default 50)")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per endpoint at most (default 60)")
    ap.add_argument("--client", choices=["raw", "httpx"], default="raw",
                    help="load generator: lean asyncio HTTP/1.1 client (default) or httpx.AsyncClient")
    ap.add_argument("--no-cache", action="store_true", help="start the server with its answer cache off "
                    "(LLMFLATION_WEB_CACHE=0): every request is computed")
    args = ap.parse_args()

    home = Path(os.environ.get("LLMFLATION_HOME") or tempfile.mkdtemp(prefix="llmflation-bench-web-"))
    proc, base = start_server(home, cache=not args.no_cache)
    try:
        plan = {"/api/price": price_queries(base)}
        if httpx.get(base + "/openapi.json").json()["paths"].get("/api/bill"):
            plan["/api/bill"] = bill_queries()
        import importlib.util

        parser = "httptools" if importlib.util.find_spec("httptools") else "h11"
        loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
        print(f"server {base} (uvicorn, 1 process, {parser} + {loop}, "
              f"answer cache {'off' if args.no_cache else 'on'}); "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; load generator: {args.client} "
              f"asyncio client in this process; {args.concurrency} concurrent clients, "
              f"{args.requests} requests per endpoint")
        ok_all = True
        for path, queries in plan.items():
            warm = max(500, len(queries))  # one pass over every distinct query
            asyncio.run(load(base, path, queries, warm, args.concurrency, args.time_limit, args.client))
            res = asyncio.run(load(base, path, queries, args.requests, args.concurrency, args.time_limit, args.client))
            target = TARGETS_MS[path]
            ok = res["p99_ms"] <= target and res["errors"] == 0 and res["requests"] == args.requests
            ok_all &= ok
            print(f"{path:12s} n={res['requests']:6d} errors={res['errors']:d} {res['rps']:8.0f} req/s  "
                  f"p50={res['p50_ms']:6.2f} ms  p90={res['p90_ms']:6.2f} ms  p99={res['p99_ms']:6.2f} ms  "
                  f"max={res['max_ms']:6.1f} ms  in-app p99={res['app_p99_ms']:.2f} ms  "
                  f"cache hits={res['hit_rate']:.0%}  target p99<={target:.0f} ms: {'met' if ok else 'MISSED'}"
                  f"  ({len(queries)} distinct queries)")
        print("all targets met" if ok_all else "some targets missed")
        return 0 if ok_all else 1
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    raise SystemExit(main())
