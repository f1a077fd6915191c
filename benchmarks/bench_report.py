"""Wall time of `llmflation report` on the full bundled ledger (target: ≤ 10 s on the 2-core machine).

Builds a private store first (untimed), then runs the real command in a fresh process: once into an empty output
folder (first run), N more times with the chart cache emptied before each run (every chart rendered: the target
applies to these), and N times with the cache kept from the run before (charts whose spec did not change are
copied, as on a second `llmflation report` the same day); prints min / median / max. A last block times the phases
in-process (ledger load, computation, chart rendering, HTML) for one run.

    python benchmarks/bench_report.py [--runs 3]

Run it as a user would: with Python allowed to write bytecode caches (PYTHONDONTWRITEBYTECODE unset), otherwise
every run recompiles llmflation's sources (about 0.3 s more).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    exe = shutil.which("llmflation") or ""
    cli = [exe] if exe else [sys.executable, "-m", "llmflation.cli.main"]
    with tempfile.TemporaryDirectory() as tmp:
        home, out = Path(tmp, "home"), Path(tmp, "out")
        env = {**os.environ, "LLMFLATION_HOME": str(home)}
        print(f"store build (untimed part, first use): {run([*cli, 'data', 'check', '--json'], env):.2f} s")
        first = run([*cli, "report", "--out", str(out)], env)
        print(f"llmflation report, first run: {first:.2f} s")
        cache = home / "cache" / "charts"

        def cold() -> float:
            shutil.rmtree(cache, ignore_errors=True)
            return run([*cli, "report", "--out", str(out)], env)

        show("llmflation report, chart cache emptied (all charts rendered)", [cold() for _ in range(args.runs)])
        show("llmflation report, chart cache kept", [run([*cli, "report", "--out", str(out)], env)
                                                    for _ in range(args.runs)])
        print(f"llmflation report --no-images: {run([*cli, 'report', '--out', str(out), '--no-images'], env):.2f} s")
        os.environ.update(env)
        phases(out)


def show(what: str, times: list[float]) -> None:
    verdict = "ok" if statistics.median(times) <= 10 else "OVER TARGET"
    print(f"{what}, x{len(times)}: min {min(times):.2f}  median {statistics.median(times):.2f}  "
          f"max {max(times):.2f} s  (target 10 s: {verdict})")


def phases(out: Path) -> None:
    t0 = time.perf_counter()
    from llmflation.ledger.ledger import open_ledger

    ledger = open_ledger()
    t1 = time.perf_counter()
    from llmflation.report.build import compute_report

    data = compute_report(ledger)
    t2 = time.perf_counter()
    from llmflation.report.render import to_svg_and_png

    for name, spec in data.specs.items():
        to_svg_and_png(spec, out / f"{name}.svg", out / f"{name}.png")
    t3 = time.perf_counter()
    print(f"phases (in-process, sequential rendering): open ledger {t1 - t0:.2f} s, compute {t2 - t1:.2f} s "
          f"({len(data.curves)} curves, {len(data.claims)} claims), render {len(data.specs)} charts as PNG+SVG "
          f"{t3 - t2:.2f} s")


if __name__ == "__main__":
    main()
