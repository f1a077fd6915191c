"""Import speed: a LiteLLM-sized snapshot (about 4,000 keys) and a synthetic git history of the price map.

The history is built locally (no network): `--commits` versions of a map with `--keys` entries, each commit changing a
few prices and adding a key, so the walk, the JSON parsing, the mining and the store write are all exercised. Keys
are named after ledger models where possible (so rows are written) plus many unmatched ones. Prints seconds per
phase; figures depend on the machine (say how loaded it was).

    python benchmarks/bench_import.py [--keys 4000] [--commits 150]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import tempfile
import time
from pathlib import Path


def git(repo: Path, *args: str, day: str | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.org", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@example.org", "GIT_CONFIG_GLOBAL": os.devnull}
    if day:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{day}T12:00:00+00:00"
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", type=int, default=4000)
    parser.add_argument("--commits", type=int, default=150)
    args = parser.parse_args()
    rnd = random.Random(8)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LLMFLATION_HOME"] = str(Path(tmp) / "home")
        from datetime import date, timedelta

        from llmflation.ledger.importers.run import import_litellm, import_litellm_history
        from llmflation.ledger.ledger import open_ledger

        t0 = time.perf_counter()
        ledger = open_ledger()
        print(f"store build from bundled data: {time.perf_counter() - t0:.2f} s")
        slugs = [m.id.split("/", 1)[1] for m in ledger.models()]
        names = slugs + [f"vendor-{i}/model-{i}" for i in range(args.keys - len(slugs))]
        data = {k: {"input_cost_per_token": rnd.randint(1, 3000) * 1e-8, "output_cost_per_token":
                    rnd.randint(1, 9000) * 1e-8, "litellm_provider": "openai", "mode": "chat",
                    "max_tokens": 4096} for k in names}
        snap = Path(tmp) / "map.json"
        snap.write_text(json.dumps(data))
        t0 = time.perf_counter()
        r = import_litellm(snap, date(2025, 1, 1), ledger=ledger)
        print(f"snapshot import, {len(data)} keys ({len(r.rows)} rows written, {len(r.unmatched)} unmatched): "
              f"{time.perf_counter() - t0:.2f} s")

        # a provider's complete catalogue (OpenRouter's models list): every open OpenRouter offer of the ledger but
        # five, plus unmatched keys to the size of the real list; the check for offers it no longer lists is timed
        # on its own and as part of the import
        from llmflation.ledger.importers.delisting import catalogue_checks
        from llmflation.ledger.importers.mapping import Matcher, load_alias_table
        from llmflation.ledger.importers.openrouter import IMPORTER as OPENROUTER
        from llmflation.ledger.importers.run import import_data

        day = date(2026, 12, 1)
        ledger = open_ledger()
        held = sorted({p.model for p in ledger.all_prices() if p.provider == "openrouter"
                       and p.valid_from <= day < (p.valid_to or date.max)})
        ids = [*held[5:], *(f"vendor-{i}/model-{i}" for i in range(max(0, 350 - len(held))))]
        listing = {"data": [{"id": k, "name": k, "pricing": {"prompt": f"{rnd.randint(1, 3000) * 1e-8:.8f}",
                                                           "completion": f"{rnd.randint(1, 9000) * 1e-8:.8f}"}}
                            for k in ids]}
        parsed = OPENROUTER.parse(listing, day)
        t0 = time.perf_counter()
        checks = catalogue_checks(OPENROUTER.catalogue_of, parsed, Matcher(ledger, load_alias_table(), "openrouter"),
                                  ledger.all_prices(), day, "openrouter")
        check_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        cr = import_data("openrouter", listing, "bench", "bench", day, ledger)
        print(f"catalogue import (OpenRouter), {len(ids)} keys ({len(cr.rows)} rows, {checks[0].open_offers} open "
              f"offers, {len(cr.catalogue[0].delisted)} no longer listed): {time.perf_counter() - t0:.2f} s, of which "
              f"the delisting check about {check_s * 1000:.0f} ms (timed alone, fresh matcher)")

        repo = Path(tmp) / "litellm"
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        day = date(2023, 9, 1)
        for c in range(args.commits):
            for k in rnd.sample(names, 5):
                data[k]["input_cost_per_token"] = rnd.randint(1, 3000) * 1e-8
            data[f"new-{c}"] = {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6, "mode": "chat"}
            (repo / "model_prices_and_context_window.json").write_text(json.dumps(data, indent=4))
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "-m", f"v{c}", day=day.isoformat())
            day += timedelta(days=3)
        size = (repo / "model_prices_and_context_window.json").stat().st_size
        t0 = time.perf_counter()
        h = import_litellm_history(repo, ledger=open_ledger())
        took = time.perf_counter() - t0
        print(f"history import, {h.commits} commits of a {size / 1e6:.1f} MB map ({len(h.rows)} rows, "
              f"{len(h.events)} events): {took:.2f} s ({took / h.commits * 1000:.0f} ms per commit)")


if __name__ == "__main__":
    main()
