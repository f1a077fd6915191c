"""OpenRouter's models API (`GET /api/v1/models`): prices are USD per token written as strings.

Every entry is sold by `openrouter`; the model is matched from its id (`openai/gpt-4o`) and display name.
A price of -1 marks dynamic/auto-routed models and `:free` variants are rate-limited promotions; both are
skipped. The list is OpenRouter's whole catalogue, so an offer it no longer lists has left OpenRouter
(`delisting`); a `:free` variant alone does not keep the paid offer listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from llmflation.errors import InputError
from llmflation.ledger.importers.common import Entry, Importer, Skip, Snapshot, Terms, models_list, per_mtok

KIND = "openrouter"
PROVIDER = "openrouter"


def parse_models(data: Any) -> Snapshot:
    snap = Snapshot(kind=KIND)
    for key, item in models_list(data, snap, "OpenRouter models file (GET /api/v1/models)"):
        pricing = item.get("pricing")
        if key.endswith(":free"):
            snap.skipped.append(Skip(key, "free variant (rate-limited promotion): not a list price"))
            continue
        snap.listed.append((PROVIDER, key))  # on sale, whether or not its price below can be recorded
        modality = str((item.get("architecture") or {}).get("modality") or "text->text")
        if "text" not in modality.split("->")[-1]:
            snap.skipped.append(Skip(key, f"modality {modality!r} does not output text"))
            continue
        if not isinstance(pricing, Mapping):
            snap.skipped.append(Skip(key, "no pricing object"))
            continue
        if str(pricing.get("prompt")).strip() == "-1" or str(pricing.get("completion")).strip() == "-1":
            snap.skipped.append(Skip(key, "dynamic price (-1 sentinel)"))
            continue
        try:
            inp = per_mtok(pricing.get("prompt"), f"{key}.pricing.prompt")
            out = per_mtok(pricing.get("completion"), f"{key}.pricing.completion")
            cached = _opt(pricing, "input_cache_read", key)
            write = _opt(pricing, "input_cache_write", key)
        except InputError as exc:
            snap.skipped.append(Skip(key, f"bad price: {exc}"))
            continue
        if inp == 0 and out == 0:
            snap.skipped.append(Skip(key, "zero price (free or placeholder): not recorded"))
            continue
        name = str(item.get("name") or "")
        short = name.split(": ", 1)[-1] if name else ""
        snap.entries.append(
            Entry(
                key=key,
                provider=PROVIDER,
                names=tuple(n for n in (short,) if n),
                developer=key.split("/", 1)[0] if "/" in key else "",
                terms=Terms(input=inp, output=out, cached_input=cached, cache_write=write),
            )
        )
    return snap


def _opt(pricing: Mapping[str, Any], name: str, key: str) -> Any:
    v = pricing.get(name)
    if v is None or str(v).strip() in ("", "0"):
        return None
    return per_mtok(v, f"{key}.pricing.{name}")


def _parse(data: Any, seen_on: date) -> Snapshot:
    return parse_models(data)


IMPORTER = Importer(
    kind=KIND,
    label="OpenRouter",
    parse=_parse,
    source="openrouter:api/v1/models",
    url="https://openrouter.ai/api/v1/models",
    url_env="LLMFLATION_OPENROUTER_URL",
    help="OpenRouter's public models list (GET /api/v1/models), sold by provider `openrouter`",
    catalogue_of=(PROVIDER,),
)
