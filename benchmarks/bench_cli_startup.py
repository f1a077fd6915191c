"""Start-up time of the CLI: `llmflation --help`, `price gpt-4o` and `bill examples/coding-agent.toml`.

Targets (issues 11 and 15): `--help` ≤ 0.15 s, `price` ≤ 0.4 s, `bill examples/coding-agent.toml` ≤ 0.4 s wall.

Each command runs N times in a fresh process against a store that already exists (the first-use build is timed
separately, and one untimed warm-up run per command writes Python's bytecode cache and the ledger's read snapshot,
as any installed copy has after its first run). PYTHONDONTWRITEBYTECODE is dropped from the children's
environment: a pip-installed package has its bytecode compiled at install time, so compiling the sources on every
run would measure something no user sees.

Printed per command: wall time min / median / max, and the median CPU time (user + system) of the child. On a
shared machine wall time grows with the load (printed before and after); CPU time moves much less, so compare
CPU medians across runs taken at different loads.

    python benchmarks/bench_cli_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COMMANDS = (
    ("llmflation --help", ["--help"], 0.15),
    ("llmflation price gpt-4o", ["price", "gpt-4o"], 0.4),
    ("llmflation bill coding-agent", ["bill", str(ROOT / "examples" / "coding-agent.toml")], 0.4),
)


def timed(cmd: list[str], env: dict[str, str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + sys) seconds of each run."""
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    exe = shutil.which("llmflation") or ""
    cli = [exe] if exe else [sys.executable, "-m", "llmflation.cli.main"]
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env |= {"LLMFLATION_HOME": home, "COLUMNS": "120"}
        build = timed([*cli, "data", "check", "--json"], env, 1)[0][0]
        print(f"first use (build store from bundled data + check): {build:.3f} s")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for label, argv, target in COMMANDS:
            timed([*cli, *argv], env, 1)  # warm-up: bytecode cache, ledger read snapshot
            wall, cpu = timed([*cli, *argv], env, args.runs)
            verdict = "ok" if statistics.median(wall) <= target else "OVER TARGET"
            print(f"{label:30s} wall min {min(wall):.3f}  median {statistics.median(wall):.3f}  "
                  f"max {max(wall):.3f} s   cpu median {statistics.median(cpu):.3f} s"
                  f"   (target {target} s wall: {verdict})")
        print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
