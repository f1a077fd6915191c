"""Server memory under many distinct requests: does the answer cache stay bounded?

    python benchmarks/bench_server_rss.py [--requests 10000] [--cache-mb 32] [--workers 1] [--kind mixed|bill]

Starts `llmflation serve` on a free 127.0.0.1 port (one worker by default, over a temporary store built from the
bundled data unless LLMFLATION_HOME is set), measures the server's resident memory (VmRSS of the server and its
worker processes, from /proc), sends `--requests` distinct unauthenticated GETs of cacheable JSON answers
(`mixed`: paginated model lists, prices at varied dates, histories, 2–70 KB each; `bill`: full bills of every offer,
about 350 KB each, the largest answers the API gives), and measures again. Prints RSS before, after and the
growth, next to the configured cache bound. Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import itertools
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int:
    """VmRSS of a process and all its descendants, in KiB."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == p:
                    todo.append(int(entry))
    return total


def bill_paths(n: int) -> list[str]:
    """n distinct full bills (every offer ranked, ~350 KB of JSON each)."""
    return [f"/api/bill?tasks_per_month={1000 + i}&input_tokens=1000&output_tokens=500&limit=500" for i in range(n)]


def distinct_paths(n: int) -> list[str]:
    """n distinct, valid GETs: model pages, prices at varied days, histories with varied page sizes."""
    models = ["gpt-4o", "gpt-4o-mini", "claude-3.5-sonnet", "claude-3-haiku", "gemini-1.5-flash", "deepseek-chat",
              "llama-3.3-70b", "gpt-4", "o3-mini", "claude-3-opus"]
    start = date(2025, 1, 1)
    out: list[str] = []
    for i in itertools.count():
        if len(out) >= n:
            break
        j = i // 3
        if i % 3 == 0:
            out.append(f"/api/models?limit={100 + (j // 250) % 400}&offset={j % 250}")
        elif i % 3 == 1:
            out.append(f"/api/price?model={models[j % len(models)]}&at={start + timedelta(days=(j // 10) % 700)}")
        else:
            out.append(f"/api/history?model={models[j % len(models)]}&limit={1 + (j // 10) % 400}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--cache-mb", type=float, default=32.0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--kind", choices=("mixed", "bill"), default="mixed")
    args = ap.parse_args()
    home = Path(os.environ.get("LLMFLATION_HOME") or tempfile.mkdtemp(prefix="llmflation-bench-rss-"))
    port = free_port()
    env = {**os.environ, "LLMFLATION_HOME": str(home), "LLMFLATION_WEB_CACHE_MB": str(args.cache_mb)}
    env.pop("LLMFLATION_API_TOKEN", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "llmflation.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(args.workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/api/models?limit=1", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                sys.exit("server did not start")
            time.sleep(0.3)
        before = rss_kib(proc.pid)
        statuses: dict[int, int] = {}
        body_bytes = 0
        t0 = time.perf_counter()
        with httpx.Client(base_url=base, timeout=30) as c:
            for path in (bill_paths if args.kind == "bill" else distinct_paths)(args.requests):
                r = c.get(path)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                body_bytes += len(r.content)
        seconds = time.perf_counter() - t0
        after = rss_kib(proc.pid)
        codes = dict(sorted(statuses.items()))
        print(f"requests: {args.requests} distinct {args.kind} GETs in {seconds:.1f} s; statuses {codes}; "
              f"answer bytes received {body_bytes / 1e6:.1f} MB")
        print(f"server RSS before: {before / 1024:.0f} MiB; after: {after / 1024:.0f} MiB; "
              f"growth {(after - before) / 1024:.0f} MiB; answer-cache bound {args.cache_mb:g} MiB per worker "
              f"({args.workers} worker(s))")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
