"""Cross-check our bill for a fixed request against LiteLLM's `cost_per_token`, model by model.

LiteLLM is not a dependency of llmflation: this script installs it into a scratch virtual environment under /tmp
(pip reaches PyPI) and talks to it through a child process. LiteLLM's own bundled price map is used
(LITELLM_LOCAL_MODEL_COST_MAP=True), never a download.

For every offer in effect today whose LiteLLM key we can identify (the key recorded in the price row's note for
rows taken from LiteLLM's map, else the model's slug or alias under the provider's LiteLLM prefix) and whose LiteLLM
provider matches ours, it bills

  request A: 10,000 prompt tokens + 2,000 completion tokens (no cache)
  request B: the same with 4,000 of the prompt tokens read from the prompt cache

with `llmflation.workload.bill.bill_offer` (one task, one call) and with `litellm.cost_per_token`, and prints every
difference above 1e-9 relative, with our row's source and confidence so the official page can be checked.

    python benchmarks/crosscheck_litellm.py [--venv /tmp/llmflation-litellm] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

PROMPT, COMPLETION, CACHED = 10_000, 2_000, 4_000

# our provider → LiteLLM's litellm_provider values (prefix match) and the key prefix for bare slugs
PROVIDERS: dict[str, tuple[tuple[str, ...], str]] = {
    "openai": (("openai",), ""), "anthropic": (("anthropic",), ""), "google": (("gemini",), "gemini/"),
    "deepseek": (("deepseek",), "deepseek/"), "mistral": (("mistral",), "mistral/"), "xai": (("xai",), "xai/"),
    "vertex": (("vertex_ai",), "vertex_ai/"), "bedrock": (("bedrock",), ""), "azure": (("azure",), "azure/"),
    "together": (("together_ai",), "together_ai/"), "deepinfra": (("deepinfra",), "deepinfra/"),
    "fireworks": (("fireworks_ai",), "fireworks_ai/"), "groq": (("groq",), "groq/"),
    "cohere": (("cohere",), ""), "cerebras": (("cerebras",), "cerebras/"),
}

CHILD = textwrap.dedent("""
    import json, os, sys
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    import litellm
    from importlib.metadata import version
    req = json.load(sys.stdin)
    answer, sys.stdout = sys.stdout, sys.stderr  # LiteLLM prints notices to stdout: keep them off the JSON
    out = {"version": version("litellm"), "entries": {}, "costs": {}}
    for key in req["keys"]:
        entry = litellm.model_cost.get(key)
        if entry is None:
            continue
        out["entries"][key] = {k: entry.get(k) for k in (
            "litellm_provider", "input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost",
            "mode")}
        res = {}
        for name, cached in (("A", 0), ("B", req["cached"])):
            try:
                p, c = litellm.cost_per_token(model=key, prompt_tokens=req["prompt"],
                                              completion_tokens=req["completion"], cache_read_input_tokens=cached)
                res[name] = [repr(p), repr(c)]
            except Exception as exc:  # report, do not hide
                res[name] = f"error: {type(exc).__name__}: {exc}"[:200]
        out["costs"][key] = res
    json.dump(out, answer)
""")


def ensure_venv(venv: Path) -> Path:
    py = venv / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = subprocess.run([str(py), "-c", "import litellm"], capture_output=True)
    if probe.returncode != 0:
        print(f"installing litellm into {venv} …", file=sys.stderr)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "litellm"], check=True)
    return py


def candidate_keys(price: object, model: object) -> list[str]:
    keys: list[str] = []
    m = re.search(r"LiteLLM price map key (\S+?);", getattr(price, "note", "") + ";")
    if m:
        keys.append(m.group(1))
    prefix = PROVIDERS.get(price.provider, ((), ""))[1]  # type: ignore[attr-defined]
    if (price.origin == "bundled" and price.first_party) or not m:  # type: ignore[attr-defined]
        for slug in (model.id.split("/", 1)[1], *model.aliases):  # type: ignore[attr-defined]
            keys.append(prefix + slug)
    return list(dict.fromkeys(keys))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--venv", default="/tmp/llmflation-litellm")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from llmflation.ledger.ledger import open_ledger
    from llmflation.ledger.tariff import in_window
    from llmflation.workload.bill import bill_offer
    from llmflation.workload.spec import load_workload

    ledger = open_ledger()
    today = date.today()
    offers = [p for p in ledger.offers_at(today) if p.provider in PROVIDERS]
    wanted = {(p.model, p.provider): candidate_keys(p, ledger.model(p.model)) for p in offers}
    py = ensure_venv(Path(args.venv))
    req = {"keys": sorted({k for ks in wanted.values() for k in ks}), "prompt": PROMPT, "completion": COMPLETION,
           "cached": CACHED}
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_LOG": "ERROR"}
    # LiteLLM prices an offer with off-peak hours at the rate of the moment it is asked (its `off_peak_pricing`
    # windows): ours is billed at the ledger's rate for the same moment, the row `tariff.choose_row` would pick
    asked = datetime.now(UTC)
    child = subprocess.run([str(py), "-c", CHILD], input=json.dumps(req), capture_output=True, text=True, env=env,
                           check=True)
    peer = json.loads(child.stdout)

    w_a = load_workload({"tasks_per_month": 1, "input_tokens": PROMPT, "output_tokens": COMPLETION})
    w_b = load_workload({"tasks_per_month": 1, "input_tokens": PROMPT, "output_tokens": COMPLETION,
                         "cached_input_share": Decimal(CACHED) / PROMPT})
    rows = []
    for p in offers:
        keys = [k for k in wanted[(p.model, p.provider)] if k in peer["entries"]]
        allowed = PROVIDERS[p.provider][0]
        keys = [k for k in keys if str(peer["entries"][k]["litellm_provider"] or "").startswith(allowed)
                and peer["entries"][k].get("mode") in (None, "chat", "completion", "responses")]
        if not keys:
            continue
        key = keys[0]
        costs = peer["costs"][key]
        row = {"model": p.model, "provider": p.provider, "litellm_key": key, "source": p.source,
               "confidence": p.confidence, "ours_in": str(p.input), "ours_out": str(p.output),
               "ours_cached": None if p.cached_input is None else str(p.cached_input),
               "peer_in": _per_m(peer["entries"][key]["input_cost_per_token"]),
               "peer_out": _per_m(peer["entries"][key]["output_cost_per_token"]),
               "peer_cached": _per_m(peer["entries"][key]["cache_read_input_token_cost"])}
        off = ledger.off_peak_row(p.model, p.provider, today)
        billed = off if off is not None and in_window(off, asked) else p
        if billed is not p:
            row["ours_tier"] = f"{billed.tier} (LiteLLM was asked at {asked:%a %H:%M} UTC, in this offer's window)"
        for name, w in (("A", w_a), ("B", w_b)):
            ours = bill_offer(w, billed, today)
            row[f"ours_{name}"] = str(ours.per_call_usd.normalize())
            row[f"warnings_{name}"] = [x.code for x in ours.warnings]
            if isinstance(costs[name], str):
                row[f"peer_{name}"] = costs[name]
                row[f"match_{name}"] = False
                continue
            theirs = Decimal(costs[name][0]) + Decimal(costs[name][1])
            row[f"peer_{name}"] = str(theirs.normalize())
            row[f"match_{name}"] = abs(theirs - ours.per_call_usd) <= Decimal("1e-9") * max(ours.per_call_usd, 1)
        rows.append(row)

    if args.json:
        json.dump({"litellm": peer["version"], "date": today.isoformat(), "rows": rows}, sys.stdout, indent=2)
        print()
        return 0
    a_ok = sum(r["match_A"] for r in rows)
    b_ok = sum(r["match_B"] for r in rows)
    print(f"LiteLLM {peer['version']} vs llmflation, offers in effect {today}, request A = {PROMPT} prompt + "
          f"{COMPLETION} completion tokens, B = A with {CACHED} cache-read tokens")
    print(f"{len(rows)} offers compared ({len({r['model'] for r in rows})} models); request A agrees on {a_ok}, "
          f"request B on {b_ok}")
    for r in rows:
        if "ours_tier" in r:
            print(f"  {r['model']} on {r['provider']}: billed at its {r['ours_tier']}")
    for r in rows:
        if r["match_A"] and r["match_B"]:
            continue
        print(f"\n- {r['model']} on {r['provider']} (LiteLLM key {r['litellm_key']})")
        print(f"  ours $/M in/out/cached: {r['ours_in']} / {r['ours_out']} / {r['ours_cached']}  "
              f"[{r['confidence']}: {r['source']}]")
        print(f"  peer $/M in/out/cached: {r['peer_in']} / {r['peer_out']} / {r['peer_cached']}")
        for name in ("A", "B"):
            if not r[f"match_{name}"]:
                fallback = ", ".join(r[f"warnings_{name}"]) or "no fallback"
                print(f"  request {name}: ours ${r[f'ours_{name}']} ({fallback}) vs LiteLLM ${r[f'peer_{name}']}")
    return 0


def _per_m(v: object) -> str | None:
    if v is None:
        return None
    return str((Decimal(repr(v)) * 1_000_000).normalize())


if __name__ == "__main__":
    raise SystemExit(main())
