"""Wall time of `llmflation --help` and `llmflation price gpt-4o` (targets: 0.3 s and 1 s on 2 cores).

Runs each command N times in a fresh process against a store that already exists (the first-use build is timed
separately), and prints min / median / max.

    python benchmarks/bench_cli_startup.py [--runs 15]
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


def timed(cmd: list[str], env: dict[str, str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    exe = shutil.which("llmflation") or ""
    cli = [exe] if exe else [sys.executable, "-m", "llmflation.cli.main"]
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "LLMFLATION_HOME": home}
        build = timed([*cli, "data", "check", "--json"], env, 1)[0]
        print(f"first use (build store from bundled data + check): {build:.3f} s")
        for label, argv, target in (("llmflation --help", ["--help"], 0.3),
                                    ("llmflation price gpt-4o", ["price", "gpt-4o"], 1.0)):
            t = timed([*cli, *argv], env, args.runs)
            verdict = "ok" if statistics.median(t) <= target else "OVER TARGET"
            print(f"{label:28s} min {min(t):.3f}  median {statistics.median(t):.3f}  max {max(t):.3f} s"
                  f"  (target {target} s: {verdict})")


if __name__ == "__main__":
    main()
